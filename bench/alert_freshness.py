"""Alert freshness: from the web chat response that crosses a theme's threshold to the alert at Slack.

Run: python -m bench.alert_freshness [--database sqlite|postgresql]
Target: the alert arrives within 60 s of the crossing response, p95.

Each run starts from a fresh database: the "late delivery" theme, 63 days of analysed history
written straight into the store (40 responses a day, 1-3 of them late), and a rule sending the
program's alerts about that theme to a local fake Slack incoming webhook (`tests/fakes/alert_receivers.py`). Then
the real `askwhy serve` (SQLite: with its own queue workers; PostgreSQL: beside two `askwhy worker`
processes on Redis) takes a steady stream of 20 web chat conversations a second about quick
checkouts, one in 20 about a late parcel, the history's share (each customer answers the score
and why in one message, then "that's all": three requests a conversation). After a warm-up, a burst of conversations about late parcels is posted alongside the
stream; the clock starts when the burst's last conversation has ended (its final message answered)
and stops when the alert reaches the fake Slack.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import redis
from sqlalchemy import text

from askwhy.bootstrap import Container, bootstrap
from askwhy.insights.vectors import to_bytes, unit_mean
from askwhy.settings import Settings
from askwhy.store import alert_rules, migrate
from askwhy.store.analysis_tables import Theme
from askwhy.store.database import make_engine
from bench.chaos_faults import Askwhy
from bench.common import ROOT, machine, write_section
from bench.whatsapp_webhooks import REDIS_URL, free_port, throwaway_postgres
from tests.alerts.streams import LATE, LATE_TEXTS, OTHER_TEXTS, PROGRAM, seed_history
from tests.fakes.alert_receivers import FakeSlack

PER_SECOND = float(os.environ.get("BENCH_FRESHNESS_RATE", "20"))
WARM_UP_SECONDS = 20.0
"""The steady stream runs this long before the burst, so the burst meets a loaded server."""
BURST = 60
"""Late-delivery conversations in the burst: today's share of the theme well above its baseline."""
BASELINE_EVERY = 20
"""One steady conversation in 20 is about a late parcel: the history's share (1-3 of 40 a day)."""
WAIT_SECONDS = float(os.environ.get("BENCH_FRESHNESS_WAIT", "300"))
"""How long a run waits for the alert before counting it as missed."""
RUNS = int(os.environ.get("BENCH_FRESHNESS_RUNS", "3"))
TARGET_SECONDS = 60.0
AFTER = ["that's all", "no", "no"]
"""The customer's answers after the first (the score and why), until the interview ends."""


@dataclass
class Run:
    """One run's measures. The crossing response is one of the burst's, completed at or after the
    first of them and at or before the last one completed before the alert; so the freshness lies
    between ``at_least`` (from that last one) and ``at_most`` (from the first). None: no alert."""

    at_least: float | None
    at_most: float | None
    burst_seconds: float
    conversations: int
    failures: Counter[str]


@dataclass
class Stream:
    """Conversations posted and why those that failed did (a status code or a transport error)."""

    posted: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    tasks: set[asyncio.Task[str | None]] = field(default_factory=set)


async def converse(client: httpx.AsyncClient, score: str, comment: str) -> str | None:
    """One web chat conversation to its end; why it failed, or None."""
    try:
        started = await client.post("/v1/conversations", json={"program": PROGRAM, "language": "en"})
        if started.status_code != 201:
            return f"start {started.status_code}"
        reply = started.json()
        path = f"/v1/conversations/{reply['conversation_id']}/messages"
        token = {"Authorization": f"Bearer {reply['token']}"}
        for text in (f"{score}, {comment}", *AFTER):
            if reply["status"] != "active":
                return None
            said = await client.post(path, json={"text": text}, headers=token)
            if said.status_code != 200:
                return f"message {said.status_code}"
            reply = said.json()
        return None
    except httpx.TransportError as error:
        return type(error).__name__


def _count(stream: Stream, task: asyncio.Task[str | None]) -> None:
    stream.tasks.discard(task)
    failure = "cancelled" if task.cancelled() else task.result()
    if failure:
        stream.failures[failure] += 1


async def steady(client: httpx.AsyncClient, stream: Stream, stop: asyncio.Event) -> None:
    """Start PER_SECOND conversations a second until ``stop``, one in BASELINE_EVERY about a late parcel."""
    begun = time.perf_counter()
    while not stop.is_set():
        n = stream.posted
        late = n % BASELINE_EVERY == 0  # the theme at its usual share, so only the burst moves it
        text = LATE_TEXTS[n % len(LATE_TEXTS)] if late else OTHER_TEXTS[n % len(OTHER_TEXTS)].format(i=n)
        task = asyncio.create_task(converse(client, "9", text))
        task.add_done_callback(lambda t: _count(stream, t))
        stream.tasks.add(task)
        stream.posted += 1
        await asyncio.sleep(max(0.0, begun + stream.posted / PER_SECOND - time.perf_counter()))


async def alerted_at(slack: FakeSlack, *, deadline: asyncio.Event) -> float | None:
    """When the theme's alert reached the fake Slack (perf counter), or None once ``deadline`` is set."""
    while not deadline.is_set():
        if any(b"late delivery" in message.body for message in slack.accepted):
            return time.perf_counter()
        await asyncio.sleep(0.05)
    return None


async def completed_at(client: httpx.AsyncClient, text: str, ended: list[float]) -> str | None:
    """One burst conversation; notes when its response was complete (its last answer stored)."""
    failure = await converse(client, "3", text)
    if failure is None:
        ended.append(time.perf_counter())
    return failure


async def one_run(base: str, slack: FakeSlack) -> Run:
    stream, stop, deadline = Stream(), asyncio.Event(), asyncio.Event()
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        background = asyncio.create_task(steady(client, stream, stop))
        await asyncio.sleep(WARM_UP_SECONDS)
        watcher = asyncio.create_task(alerted_at(slack, deadline=deadline))
        ended: list[float] = []
        burst_started = time.perf_counter()
        done = await asyncio.gather(
            *(completed_at(client, LATE_TEXTS[i % len(LATE_TEXTS)], ended) for i in range(BURST))
        )
        burst_seconds = time.perf_counter() - burst_started
        asyncio.get_running_loop().call_later(WAIT_SECONDS, deadline.set)
        alert = await watcher
        stop.set()
        await background
        await asyncio.gather(*stream.tasks, return_exceptions=True)
    stream.failures.update(failure for failure in done if failure)
    before = [t for t in ended if alert is not None and t <= alert]
    if alert is None or not before:
        return Run(None, None, burst_seconds, stream.posted + BURST, stream.failures)
    return Run(
        alert - max(before), alert - min(before), burst_seconds, stream.posted + BURST, stream.failures
    )


def prepare(env: dict[str, str], slack: FakeSlack) -> None:
    """Migrate, add the theme, seed its 63-day history and route the program's alerts to Slack."""
    settings = Settings(**{k.removeprefix("ASKWHY_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    container = bootstrap(settings)
    try:
        migrate.upgrade(container.engine)
        add_theme(container)
        seed_history(container)
        now = container.clock.now()
        with container.sessions.begin() as session:
            alert_rules.add_destination(
                session=session, name="cx-slack", kind="slack", target=slack.url, secret=None, now=now
            )
            alert_rules.add_rule(
                session=session,
                program=PROGRAM,
                name="cx",
                now=now,
                subjects=[LATE],
                destinations=["cx-slack"],
            )
    finally:
        container.close()


def add_theme(container: Container) -> None:
    """The accepted "late delivery" theme, centred on late-parcel sentences so enrichment codes them."""
    now: datetime = container.clock.now()
    centre = to_bytes(unit_mean(container.embedder.encode(LATE_TEXTS)))
    with container.sessions.begin() as session:
        session.add(
            Theme(id=LATE, label="late delivery", status="accepted", keywords=[], centroid=centre,
                  examples=[], created_at=now, updated_at=now)
        )  # fmt: skip


def environment(folder: Path, database_url: str | None) -> dict[str, str]:
    env = {
        "ASKWHY_DATA_DIR": str(folder), "ASKWHY_SEED_DEMO": "false", "ASKWHY_LOG_LEVEL": "WARNING",
        "ASKWHY_GUIDES_DIR": str(ROOT / "examples" / "guides"), "ASKWHY_WORKER_THREADS": "4",
        "ASKWHY_RATE_LIMIT_CONVERSATION_STARTS": "100000/minute",
        "ASKWHY_RATE_LIMIT_CHAT_REQUESTS_PER_ADDRESS": "100000/minute",
    }  # fmt: skip
    if database_url:
        env |= {"ASKWHY_DATABASE_URL": database_url, "ASKWHY_REDIS_URL": REDIS_URL}
    return env


def measure(database: str, database_url: str | None) -> Run:
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as slack:
        env = environment(Path(folder), database_url)
        prepare(env, slack)
        system = Askwhy(env, logs=Path(folder), port=free_port(), workers=2 if database_url else 0)
        system.start()
        try:
            run = asyncio.run(one_run(system.base, slack))
        finally:
            system.stop()
        print(database, run, what_happened(env), flush=True)
        return run


def what_happened(env: dict[str, str]) -> dict[str, object]:
    """What the store holds after a run: conversations by status, analyses, late mentions, alerts."""
    settings = Settings(**{k.removeprefix("ASKWHY_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            return {
                "conversations": connection.execute(
                    text("SELECT status, count(*) FROM conversations GROUP BY status")
                ).all(),
                "analysed": connection.execute(text("SELECT count(*) FROM response_analyses")).scalar(),
                "late mentions": connection.execute(
                    text("SELECT count(*) FROM theme_mentions WHERE theme_id = :late"), {"late": LATE}
                ).scalar(),
                "alerts": connection.execute(text("SELECT subject, state FROM alerts")).all(),
            }
    finally:
        engine.dispose()


def run_database(database: str) -> list[Run]:
    runs = []
    for _ in range(RUNS):
        if database == "postgresql":
            redis.Redis.from_url(REDIS_URL).flushdb()
            with throwaway_postgres() as url:
                runs.append(measure(database, url))
        else:
            runs.append(measure(database, None))
    return runs


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def row(database: str, runs: list[Run]) -> str:
    setup = (
        "SQLite, `askwhy serve` and its queue workers"
        if database == "sqlite"
        else ("PostgreSQL + Redis, `askwhy serve` + 2 `askwhy worker`")
    )
    most = [r.at_most for r in runs if r.at_most is not None]
    least = [r.at_least for r in runs if r.at_least is not None]
    timings = (
        f"{percentile(least, 0.5):.1f} – {percentile(most, 0.5):.1f} s | "
        f"{percentile(least, 0.95):.1f} – {percentile(most, 0.95):.1f} s"
        if most
        else "– | –"
    )
    each = ", ".join("missed" if r.at_most is None else f"{r.at_least:.1f}–{r.at_most:.1f}" for r in runs)
    burst = max(r.burst_seconds for r in runs)
    failures: Counter[str] = Counter()
    for run in runs:
        failures.update(run.failures)
    failed = ", ".join(f"{n} {why}" for why, n in failures.most_common()) or "none"
    posted = sum(r.conversations for r in runs)
    met = len(most) == len(runs) and percentile(most, 0.95) <= TARGET_SECONDS
    return (
        f"| {setup} | {len(most)} of {len(runs)} | {timings} | {each} | {burst:.0f} s | {posted:,}: {failed} | "
        f"{'met' if met else 'not met'} |"
    )


def main(databases: list[str]) -> str:
    rows: list[str] = []
    for database in databases:
        rows.append(row(database, run_database(database)))
        section = results(databases, rows)
        write_section("alert-freshness", section)  # each database's row lands as soon as it is measured
    print(section)
    return section


def results(databases: list[str], rows: list[str]) -> str:
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    command = "python -m bench.alert_freshness" + (
        f" --database {databases[0]}" if len(databases) == 1 else ""
    )
    section = f"""## Alert freshness

Command: `{command}` · machine: {machine()}, shared with other work (load average {load} over
1 / 5 / 15 min when the runs ended).

Each run: a fresh database with the "late delivery" theme and 63 days of history in the store
(40 responses a day, 1-3 late), one alert rule sending the theme's alerts to a local fake Slack
incoming webhook; then a steady stream of {PER_SECOND:.0f} web chat conversations a second through
the real HTTP API (the score and a comment in one message, then "that's all": three requests a
conversation), one in {BASELINE_EVERY} about a late parcel (the history's share), the others about
quick checkouts. After {WARM_UP_SECONDS:.0f} s, {BURST} conversations about late parcels are posted
at once beside the stream, which goes on until the alert arrives. Freshness: from the crossing
response (complete: its last answer stored) to the alert's arrival at the fake Slack. Which burst
response crossed is not known from outside, so each run gives a range: from the last burst
response completed before the alert (at least) and from the first (at most); the target is judged
on the upper end. A run whose alert did not come within {WAIT_SECONDS:.0f} s of the burst's end is
missed. Conversations answered 503 (the server busy past its lock wait) or dropped are counted by
cause. The guide's own keyword themes (price, website...) have no history in these databases and
alert too; the rule sends only the measured theme's.

| setup | alerts | p50 | p95 | each run (s) | burst took | conversations posted: failed | target (p95 ≤ {TARGET_SECONDS:.0f} s) |
| --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}
"""
    return section


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), help="one database (default: both)")
    args = parser.parse_args()
    main([args.database] if args.database else ["sqlite", "postgresql"])
