"""Interviewer turn latency: 10,000 turns of realistic conversations through `next_turn`.

Run: python -m bench.interviewer_latency   (target: p99 ≤ 2 ms per turn)
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from askwhy import interview
from askwhy.domain.conversation import Inbound
from askwhy.programs.guides import GuideLibrary
from bench.common import ROOT, machine, write_section

TURNS = 10_000
SCORES = ["9", "nine", "a solid 8", "10!!!", "7 or 8", "3", "zero", "8.5", "nueve", "9/10", "banana"]
REASONS = [
    "The parcel arrived five days late and the tracking never updated",
    "it was fine",
    "Checkout kept rejecting my card so I had to try three times",
    "Great prices but the support agent was rude when I called",
    "idk",
    "El paquete llegó tarde y la caja estaba rota",
    "The dress fits perfectly and the fabric feels lovely " * 20,
    "🙂🙂🙂",
    "???",
]
FOLLOW_UPS = [
    "It meant I missed a birthday, so it really mattered",
    "my parcel is lost, can someone ring me?",
    "actually make that a 6",
    "great experience, that's all",
    "the site asked for my card details three times and then the app crashed",
    "el repartidor dejó la caja mojada en la puerta, prefiero no decir más",
    "Send proactive updates when an order is delayed",
    "nothing else",
    "no",
    "that's all",
    "stop messaging me",
]


def run(turns: int = TURNS, seed: int = 7, *, clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Hold conversations until `turns` replies were answered; returns each turn's seconds on
    ``clock`` (wall time by default; ``time.thread_time`` counts this thread's CPU alone)."""
    guides = GuideLibrary.from_folder(ROOT / "examples" / "guides")
    rng = random.Random(seed)
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    timings: list[float] = []
    while len(timings) < turns:
        guide = guides[rng.choice(list(guides))]
        state = interview.open_conversation(guide, language=None, now=now).state
        replies = [rng.choice(SCORES), rng.choice(REASONS), *rng.sample(FOLLOW_UPS, 3)]
        for text in replies:
            if not state.status.is_open or len(timings) >= turns:
                break
            now += timedelta(seconds=30)
            started = clock()
            state = interview.next_turn(guide, state, Inbound(text=text), now).state
            timings.append(clock() - started)
    return timings


def main() -> str:
    run(500)  # warm-up: compiled patterns and caches, as in a running server
    timings = sorted(run())
    cpu = sorted(run(clock=time.thread_time))
    p50 = timings[len(timings) // 2] * 1000
    p99 = timings[int(len(timings) * 0.99)] * 1000
    cpu_p99 = cpu[int(len(cpu) * 0.99)] * 1000
    mean = statistics.fmean(timings) * 1000
    verdict = "meets" if p99 <= 2.0 else "misses"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    section = f"""## Interviewer turn latency

Command: `python -m bench.interviewer_latency` · machine: {machine()}

| turns | p50 | p99 | mean | max | p99 CPU time | target |
| --- | --- | --- | --- | --- | --- | --- |
| {len(timings):,} | {p50:.3f} ms | {p99:.3f} ms | {mean:.3f} ms | {timings[-1] * 1000:.2f} ms | {cpu_p99:.3f} ms | p99 ≤ 2 ms ({verdict}) |

Replies mix scores in digits and words, vague answers, closings, requests for help, corrected
scores, Spanish, emoji, punctuation-only and 1,000-character texts, over the three example
guides. Load average during the run: {load}; on a busy machine the wall-clock p99 includes time
the process waited for a CPU, which the CPU-time column leaves out.
"""
    write_section("interviewer", section)
    print(section)
    return section


if __name__ == "__main__":
    main()
