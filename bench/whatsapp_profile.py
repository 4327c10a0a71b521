"""CPU per WhatsApp message, stage by stage, on one thread against a SQLite file.

Run: python -m bench.whatsapp_profile [--messages 600] [--profile accept|turn|deliver|status]

Each customer answers the opening question once; the stages run as the server runs them, one
message at a time: accept the signed webhook (verify, parse, store, nudge the queue), take the
interviewer's turn, deliver the reply (to an in-memory sender), and record a delivered+read
status webhook. Prints the CPU milliseconds per message of each stage, the statements it sent a
message, and how long each stage held SQLite's write turn (CPU time from BEGIN to COMMIT of
writing transactions: what other writers wait for); with ``--profile`` the cProfile of one stage,
so a change can be judged by the work it removes, not by a noisy clock.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from askwhy.bootstrap import bootstrap
from askwhy.channels.base import OutgoingMessage, SendResult
from askwhy.channels.whatsapp import webhook
from askwhy.conversations import inbound, start_conversation
from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery
from askwhy.settings import Settings
from askwhy.store import migrate
from askwhy.store.database import READ_ONLY
from bench.common import ROOT
from bench.whatsapp_customers import signed, status_delivery, text_delivery

SECRET = "profile-secret"
METADATA = {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}


class MemorySender:
    channel = Channel.WHATSAPP

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self._ids = itertools.count()

    def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append(message)
        return SendResult(provider_message_id=f"wamid.OUT{next(self._ids):08d}", status="sent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--profile", choices=("accept", "turn", "deliver", "status"))
    parser.add_argument("--batch", type=int, default=20, help="conversations per queue run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(Path(folder), args.messages, args.profile, args.batch)


def run(folder: Path, count: int, profiled: str | None, batch: int) -> None:
    settings = Settings(data_dir=folder, guides_dir=ROOT / "examples" / "guides", seed_demo=False)
    sender = MemorySender()
    container = bootstrap(settings, senders={Channel.WHATSAPP: sender})
    migrate.upgrade(container.engine)
    phones = [f"4477009{i:05d}" for i in range(count)]
    guide = container.guides["post-checkout"]
    with container.sessions.begin() as session:
        for phone in phones:
            start_conversation(session=session, guide=guide, program="post-checkout", channel=Channel.WHATSAPP,
                               channel_address=f"+{phone}", now=container.clock.now())  # fmt: skip
    delivery.deliver_due(ports=container.delivering, limit=count * 2)

    def accept(body: bytes) -> list[int]:
        header = signed(body, SECRET)["X-Hub-Signature-256"]
        assert webhook.signature_matches(app_secret=SECRET, body=body, header=header)
        now = container.clock.now()
        events = webhook.parse_delivery(body, now=now)
        with container.sessions.begin() as session:
            return inbound.accept_events(
                session=session, jobs=container.jobs, events=events, now=now
            ).new_messages

    bodies = [text_delivery(phone=p, name="C", message_id=f"wamid.IN{i:08d}", text="9", metadata=METADATA)
              for i, p in enumerate(phones)]  # fmt: skip
    stages: dict[str, float] = {}
    held: dict[str, float] = {}
    statements: dict[str, int] = {}
    write_turn = WriteTurn(container.engine)
    counted = Statements(container.engine)

    def stage(name: str, work: Callable[[], object]) -> None:
        before, before_count = write_turn.total, counted.total
        stages[name] = timed(profiled == name, work)
        held[name] = write_turn.total - before
        statements[name] = counted.total - before_count

    new_ids: list[int] = []
    stage("accept", lambda: new_ids.extend(i for b in bodies for i in accept(b)))
    # A burst of webhooks coalesces into runs of the nudged task; ``batch`` conversations each.
    runs = range(0, count, batch)
    stage("turn", lambda: [inbound.answer_waiting(ports=container.answering, limit=batch) for _ in runs])
    before = len(sender.sent)
    stage(
        "deliver", lambda: [delivery.deliver_due_now(ports=container.delivering, limit=batch) for _ in runs]
    )
    replies = sender.sent[before:]
    statuses = [status_delivery(phone=m.to.lstrip("+"), wamid=f"wamid.OUT{before + i:08d}", metadata=METADATA)
                for i, m in enumerate(replies)]  # fmt: skip
    stage("status", lambda: [accept(b) for b in statuses])
    print(f"{count} messages, {len(replies)} replies delivered; CPU ms per message:")
    print(f"  {'':8} {'all':>6} {'in write transactions':>22} {'statements':>11}")
    for name, seconds in [*stages.items(), ("total", sum(stages.values()))]:
        inside = held[name] if name in held else sum(held.values())
        run = statements[name] if name in statements else sum(statements.values())
        print(f"  {name:8} {seconds * 1000 / count:6.2f} {inside * 1000 / count:22.2f} {run / count:11.1f}")
    container.close()


class Statements:
    """Statements sent to the database, a SQLite transaction's BEGIN among them (SQLAlchemy's cursor
    hook; the whole statement count of a batch is what its fixed cost is made of)."""

    def __init__(self, engine: Engine) -> None:
        self.total = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.total += 1


class WriteTurn:
    """Time between BEGIN and COMMIT (or ROLLBACK) of writing transactions on an engine.

    Counted as the thread's CPU time: on a busy machine the wall clock also counts other
    processes' work; the SQLite commit itself (after the commit event) is not counted."""

    def __init__(self, engine: Engine) -> None:
        self.total = 0.0
        self._started: float | None = None
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, connection: Any) -> None:
        if not connection.get_execution_options().get(READ_ONLY):
            self._started = time.thread_time()

    def _end(self, connection: Any) -> None:
        if self._started is not None:
            self.total += time.thread_time() - self._started
            self._started = None


def timed(profiled: bool, work: Callable[[], object]) -> float:
    profile = cProfile.Profile() if profiled else None
    started = time.process_time()
    if profile is not None:
        profile.enable()
    work()
    if profile is not None:
        profile.disable()
    spent = time.process_time() - started
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    return spent


if __name__ == "__main__":
    main()
