"""A turn is fast enough to run inside a webhook request: well under 2 ms at the 99th percentile."""

from __future__ import annotations

import time

from askwhy.domain.conversation import Inbound
from askwhy.domain.guide import Guide
from askwhy.interview import next_turn
from tests.interview.helpers import Chat

REPLIES = [
    "9",
    "a solid 8",
    "My parcel arrived late and the box was crushed, honestly not good enough",
    "it was fine",
    "el paquete llegó tarde y nadie me avisó",
    "STOP",
    "x" * 5000,
]


def test_turn_p99_is_under_two_milliseconds(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    states = [chat.state]
    chat.reply("3")
    states.append(chat.state)
    timings = []
    for _ in range(60):
        for state in states:
            for text in REPLIES:
                started = time.thread_time()
                next_turn(post_checkout, state, Inbound(text), chat.now)
                timings.append(time.thread_time() - started)
    timings.sort()
    p99 = timings[int(len(timings) * 0.99)]
    assert p99 < 0.002, f"p99 {p99 * 1000:.2f} ms"
