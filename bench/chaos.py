"""Chaos benchmark: WhatsApp customers answering while askwhy's processes are killed and the
provider fails, on SQLite and on PostgreSQL with Redis.

Run: python -m bench.chaos                                  (every scenario, both databases)
     python -m bench.chaos --scenario worker-kill --database sqlite

Each scenario invites BENCH_CHAOS_CUSTOMERS WhatsApp customers (150), who arrive 5 a second and
answer the post-checkout guide's three questions by signed webhooks, retrying any webhook not
answered 200 as Meta does; 10% of deliveries are posted a second time. askwhy runs as in
production: `askwhy serve` with the worker and storer processes it starts (SQLite), or `askwhy
serve` beside two `askwhy worker`s on a Redis queue (PostgreSQL). Replies go to a fake Graph API.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import redis
from sqlalchemy import create_engine, text

from askwhy.bootstrap import bootstrap
from askwhy.conversations import start_conversation
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings
from askwhy.store import migrate
from bench.chaos_faults import Askwhy, FlakyGraphApi, PacedLoad, TimedReplies, errors_in_logs, first_turns
from bench.common import machine, write_section
from bench.whatsapp_webhooks import (
    METADATA,
    REDIS_URL,
    SECRET,
    TOKEN,
    environment,
    free_port,
    throwaway_postgres,
)

CUSTOMERS = int(os.environ.get("BENCH_CHAOS_CUSTOMERS", "150"))
PER_SECOND = 5.0
FAULT_AT = 8.0
"""Seconds into the load when a fault starts."""
KILL_EVERY = 15.0
EMPTY = 1.0
"""A backlog is empty once no customer has waited longer than this for a question."""
LOAD_AT_START = os.getloadavg()[0]


@dataclass
class Run:
    """One scenario on one database, and what it measured."""

    scenario: str
    database: str
    customers: int = 0
    messages_sent: int = 0
    messages_stored: int = 0
    replies_expected: int = 0
    replies_delivered: int = 0
    duplicates: int = 0
    stuck: int = 0
    waits: list[float] = field(default_factory=list)
    backlog_cleared: float | None = None
    kill_to_next_reply: list[float] = field(default_factory=list)
    start_to_first_turn: list[tuple[float, float]] = field(default_factory=list)
    """Each worker process started after a kill: seconds from its start to its first turn task,
    and seconds of CPU it spent meanwhile."""
    log_errors: list[str] = field(default_factory=list)
    webhook_retries: int = 0
    restarted: float | None = None
    """Seconds from killing `askwhy serve` until it answered /healthz again (server-kill)."""
    load: tuple[float, float] = (0.0, 0.0)
    """The one-minute load average as the run started and as it ended."""


Fault = Callable[[Askwhy, FlakyGraphApi, float], Awaitable[tuple[list[float], float]]]
"""Breaks something; returns when it killed processes and when the fault ended (monotonic)."""


async def no_fault(system: Askwhy, graph: FlakyGraphApi, load_seconds: float) -> tuple[list[float], float]:
    return [], time.monotonic()


async def worker_kills(
    system: Askwhy, graph: FlakyGraphApi, load_seconds: float
) -> tuple[list[float], float]:
    """SIGKILL the queue workers every 15 s while the customers arrive; they are started again
    (by `askwhy serve`'s pool on SQLite, by this benchmark as a supervisor on PostgreSQL)."""
    kills: list[float] = []
    await asyncio.sleep(FAULT_AT)
    end = time.monotonic() + load_seconds - FAULT_AT
    while True:
        kills.append(time.monotonic())  # before: a supervisor's new worker starts within the kill
        if system.workers:
            await asyncio.to_thread(system.kill_worker, (len(kills) - 1) % len(system.workers))
        else:
            for pid in system.queue_workers_of_server():
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() + KILL_EVERY > end:
            return kills, kills[-1]
        await asyncio.sleep(KILL_EVERY)


async def server_kill(system: Askwhy, graph: FlakyGraphApi, load_seconds: float) -> tuple[list[float], float]:
    """SIGKILL `askwhy serve` and start it again; webhooks meanwhile are retried by the customers."""
    await asyncio.sleep(FAULT_AT)
    await asyncio.to_thread(system.kill_server)
    killed = time.monotonic()
    await asyncio.to_thread(system.start_server)
    await asyncio.to_thread(system.wait_healthy)
    return [killed], time.monotonic()


async def provider_outage(
    system: Askwhy, graph: FlakyGraphApi, load_seconds: float
) -> tuple[list[float], float]:
    """The provider answers 500 for 5 s, then holds every send past the sender's 10 s timeout for 10 s."""
    await asyncio.sleep(FAULT_AT)
    now = time.monotonic()
    graph.failing_until, graph.hanging_until = now + 5, now + 15
    await asyncio.sleep(15)
    return [], time.monotonic()


SCENARIOS: dict[str, tuple[str, Fault]] = {
    "baseline": ("no fault", no_fault),
    "worker-kill": ("queue workers SIGKILLed every 15 s, started again", worker_kills),
    "server-kill": ("`askwhy serve` SIGKILLed once and started again, webhooks retried", server_kill),
    "provider-outage": ("provider 500 for 5 s, then 10 s of timeouts", provider_outage),
    "near-retries": ("30% of webhooks delivered twice, 0–20 ms apart", no_fault),
}
TARGETS = {
    "worker-kill": "reply p99 within 15 s of a kill; a restarted worker takes its first turn within 2 s",
    "server-kill": "reply p99 within 10 s of the restart",
    "provider-outage": "backlog empty within 5 s of the provider recovering; storing and turns go on",
}


def phones(count: int) -> list[str]:
    return [f"4477008{index:05d}" for index in range(count)]


def invite(env: dict[str, str], customers: list[str]) -> str:
    """Invite the customers on WhatsApp; returns the database's URL."""
    settings = Settings(**{k.removeprefix("ASKWHY_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    container = bootstrap(settings)
    try:
        migrate.upgrade(container.engine)
        guide = container.guides["post-checkout"]
        with container.sessions.begin() as session:
            for phone in customers:
                start_conversation(session=session, guide=guide, program="post-checkout", channel=Channel.WHATSAPP,
                                   channel_address=f"+{phone}", now=container.clock.now())  # fmt: skip
    finally:
        container.close()
    return settings.resolved_database_url


def stored_inbound(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(text("SELECT count(*) FROM messages WHERE direction = 'in'")).scalar_one()
            )
    finally:
        engine.dispose()


async def watch_backlog(replies: TimedReplies, fault_end: asyncio.Future[float]) -> float:
    """Seconds from the fault's end until no customer has waited longer than `EMPTY`."""
    end = await fault_end
    while replies.longest_wait() > EMPTY:
        await asyncio.sleep(0.1)
    return max(0.0, time.monotonic() - EMPTY - end)


async def run_scenario(scenario: str, database: str, customers: int = CUSTOMERS) -> Run:
    """One scenario on a fresh database, askwhy's processes started for it and stopped after."""
    if database == "postgresql":
        redis.Redis.from_url(REDIS_URL).flushdb()
        with throwaway_postgres() as url:
            return await _run(scenario, database, customers, url, REDIS_URL, workers=2)
    return await _run(scenario, database, customers, None, None, workers=0)


async def _run(
    scenario: str, database: str, customers: int, url: str | None, redis_url: str | None, *, workers: int
) -> Run:
    loop = asyncio.get_running_loop()
    replies = TimedReplies(loop=loop)
    numbers = phones(customers)
    run = Run(scenario=scenario, database=database, customers=customers, replies_expected=customers * 4)
    started_at_load = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory() as folder,
        FlakyGraphApi(access_token=TOKEN, on_accepted=replies.on_send) as graph,
    ):
        # INFO: a worker logs when it takes its first turn (`askwhy.cli.first_turn`)
        env = environment(Path(folder), graph, url, redis_url) | {
            "ASKWHY_WORKER_NICENESS": "5",
            "ASKWHY_LOG_LEVEL": "INFO",
        }
        database_url = invite(env, numbers)
        logs = Path(folder) / "logs"
        logs.mkdir()
        system = Askwhy(env, logs=logs, port=free_port(), workers=workers)
        await asyncio.to_thread(system.start)
        fault: asyncio.Future[tuple[list[float], float]] | None = None
        try:
            await _wait_for_invitations(replies, customers)
            load = PacedLoad(base_url=system.base, secret=SECRET, replies=replies, metadata=METADATA,
                             reply_timeout=120.0, rng=random.Random(11))  # fmt: skip
            if scenario == "near-retries":
                load.duplicate_share, load.retry_window = 0.3, (0.0, 0.02)
            fault_end: asyncio.Future[float] = loop.create_future()
            backlog = asyncio.ensure_future(watch_backlog(replies, fault_end))
            fault = asyncio.ensure_future(SCENARIOS[scenario][1](system, graph, customers / PER_SECOND))
            fault.add_done_callback(lambda done: _end_of(done, fault_end))
            await load.run_paced(numbers, per_second=PER_SECOND)
            kills, fault_ended = await fault
            if scenario == "server-kill":
                run.restarted = fault_ended - kills[0]
            run.backlog_cleared = await backlog
            await asyncio.sleep(2.0)  # a late second reply to a retried webhook would arrive here
        finally:
            if fault is not None and not fault.done():
                # A run cut short: the fault must not start a server again after the stop below.
                fault.cancel()
                await asyncio.wait([fault])
            await asyncio.to_thread(system.stop)
        run.log_errors = errors_in_logs(logs)
        if kills:
            run.start_to_first_turn = first_turns(
                logs, started_after=kills[0] + time.time() - time.monotonic()
            )
        run.messages_stored = stored_inbound(database_url)
    arrivals = sorted(at for got in replies.received.values() for at, _ in got)
    run.kill_to_next_reply = [_next_after(arrivals, kill) for kill in kills]
    run.load = (started_at_load, os.getloadavg()[0])
    run.messages_sent, run.waits, run.stuck = load.messages, load.to_reply, load.missing_replies
    run.webhook_retries = load.retried_posts
    run.replies_delivered = len(set(replies.keys))
    extra = sum(max(0, len(got) - 4) for got in replies.received.values())
    run.duplicates = max(extra, len(replies.keys) - len(set(replies.keys)))
    return run


def _end_of(fault: asyncio.Future[tuple[list[float], float]], end: asyncio.Future[float]) -> None:
    """Pass on when the fault ended, unless it was cancelled or failed (the run reports that)."""
    if not fault.cancelled() and fault.exception() is None:
        end.set_result(fault.result()[1])


def _next_after(arrivals: list[float], moment: float) -> float:
    """Seconds from ``moment`` (monotonic) to the next reply at the provider (perf_counter)."""
    offset = time.perf_counter() - time.monotonic()
    later = [at for at in arrivals if at > moment + offset]
    return later[0] - (moment + offset) if later else float("nan")


async def _wait_for_invitations(replies: TimedReplies, customers: int) -> None:
    deadline = time.monotonic() + 180
    while sum(len(r) for r in replies.received.values()) < customers:
        if time.monotonic() > deadline:
            raise RuntimeError("the invitations were not all delivered")
        await asyncio.sleep(0.1)


def seconds(values: list[float], share: float) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))]:.2f}"


def report(runs: list[Run], command: str) -> str:
    lines = [
        "## Chaos: faults under WhatsApp load",
        "",
        f"`{command}` on {machine()}; load average {LOAD_AT_START:.1f} when it started"
        + (" (other work was running on the machine)." if LOAD_AT_START > 1 else ".")
        + f" Each run: {runs[0].customers if runs else CUSTOMERS} invited WhatsApp customers arriving "
        f"{PER_SECOND:.0f} a second, 3 signed answers each, 10% delivered twice, webhooks retried until "
        "answered 200; the fault starts 8 s in. SQLite: `askwhy serve` and the processes it starts; "
        "PostgreSQL: `askwhy serve` + 2 `askwhy worker` on Redis. Reply wait: a customer's webhook to "
        "the next question at the fake provider. Backlog: from the fault's end until no customer has "
        "waited over 1 s. Kill → reply: from each worker kill to the next reply at the provider. "
        "Kill → answering: from the server's kill to its next 200 on /healthz. Start → first turn: "
        "from the start of each worker process started after a kill (its own, by the kernel's "
        "record) to the first turn task it takes, as the worker logs it, and the CPU it spent meanwhile "
        "(the number of such workers in brackets).",
        "",
        "| scenario | database | load average | messages sent / stored | replies expected / delivered | "
        "duplicates | stuck | reply wait p50 / p99 / max (s) | fault end → empty backlog (s) | "
        "kill → next reply (s), max | restarted worker's start → first turn (s), p50 / max; its CPU | "
        "kill → answering (s) | webhook retries | log errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        kill = f"{max(r.kill_to_next_reply):.2f}" if r.kill_to_next_reply else "–"
        backlog = f"{r.backlog_cleared:.1f}" if r.backlog_cleared is not None else "–"
        restarted = f"{r.restarted:.1f}" if r.restarted is not None else "–"
        walls, cpus = [wall for wall, _ in r.start_to_first_turn], [cpu for _, cpu in r.start_to_first_turn]
        first = (
            f"{median(walls):.2f} / {max(walls):.2f}; CPU {median(cpus):.2f} / {max(cpus):.2f} ({len(walls)})"
            if walls
            else "–"
        )
        lines.append(
            f"| {r.scenario} | {r.database} | {r.load[0]:.1f} → {r.load[1]:.1f} | "
            f"{r.messages_sent} / {r.messages_stored} | "
            f"{r.replies_expected} / {r.replies_delivered} | {r.duplicates} | {r.stuck} | "
            f"{seconds(r.waits, 0.5)} / {seconds(r.waits, 0.99)} / {seconds(r.waits, 1.0)} | {backlog} | {kill} | "
            f"{first} | {restarted} | {r.webhook_retries} | {len(r.log_errors)} |"
        )
    lines += ["", "Scenarios and targets (zero lost and zero duplicates in every one):", ""]
    for name, (what, _) in SCENARIOS.items():
        lines.append(f"- **{name}**: {what}." + (f" Target: {TARGETS[name]}." if name in TARGETS else ""))
    errors = [f"- {r.scenario}, {r.database}: `{line}`" for r in runs for line in r.log_errors[:3]]
    if errors:
        lines += ["", "First error lines in askwhy's logs:", "", *errors]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="one scenario (default: all)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), help="one database (default: both)")
    args = parser.parse_args()
    scenarios = [args.scenario] if args.scenario else list(SCENARIOS)
    databases = [args.database] if args.database else ["sqlite", "postgresql"]
    runs = []
    for database in databases:
        for scenario in scenarios:
            try:
                run = asyncio.run(run_scenario(scenario, database))
            except Exception as exc:  # one broken scenario must not cost the others' numbers
                print(f"{scenario} on {database} did not run: {exc!r}", flush=True)
                continue
            print(f"{scenario} on {database}: stuck {run.stuck}, duplicates {run.duplicates}, "
                  f"p99 {seconds(run.waits, 0.99)} s", flush=True)  # fmt: skip
            runs.append(run)
    command = "python -m bench.chaos" + "".join(
        f" --{name} {value}"
        for name, value in (("scenario", args.scenario), ("database", args.database))
        if value
    )
    markdown = report(runs, command)
    print(markdown)
    write_section("chaos", markdown)


if __name__ == "__main__":
    main()
