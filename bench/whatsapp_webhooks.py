"""WhatsApp webhooks under load: signed deliveries for 200 concurrent conversations, 10% retried.

Run: python -m bench.whatsapp_webhooks                 (SQLite and PostgreSQL, 1, 2 and 4 workers)
     python -m bench.whatsapp_webhooks --workers 2     (both databases, 2 workers)
     python -m bench.whatsapp_webhooks --sqlite-only   (SQLite as `askwhy serve` starts it)

askwhy runs as it does in production, in child processes on 127.0.0.1: on SQLite `askwhy serve`
(the API, and the queue worker processes, ASKWHY_WORKER_PROCESSES of them, the analysis worker
and the webhook inbox storer it starts beside itself); on PostgreSQL `askwhy serve` beside N
`askwhy worker --queue conversations` processes and one `askwhy worker --queue analysis`, sharing a
Redis queue (the same parts). Both databases run at each worker count, one after the other in the
same run. Replies go to a fake Graph API in this process, which times them.
A bare FastAPI endpoint takes the same deliveries in the same run, as the floor to compare with.
Targets: ≥ 300 messages/s on SQLite, p99 time to 200 ≤ 100 ms, no duplicate reply, and PostgreSQL
+ Redis at least as fast as SQLite at each worker count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis
from fastapi import FastAPI, Request
from sqlalchemy import create_engine, text

from askwhy.bootstrap import bootstrap
from askwhy.conversations import start_conversation
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings
from askwhy.store import migrate
from bench.common import ROOT, machine, write_section
from bench.settling import wait_until_idle
from bench.whatsapp_customers import Load, Replies, flood, text_delivery
from bench.whatsapp_engines import engines_report
from tests.fakes.graph_api import FakeGraphApi

CONVERSATIONS = int(os.environ.get("BENCH_WA_CONVERSATIONS", "1000"))
CONCURRENCY = int(os.environ.get("BENCH_WA_CONCURRENCY", "200"))
SECRET, TOKEN, NUMBER_ID = "bench-app-secret", "bench-access-token", "106540352242922"
METADATA = {"display_phone_number": "15550783881", "phone_number_id": NUMBER_ID}
POSTGRES_ADMIN = os.environ.get(
    "ASKWHY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
LOAD_AT_START = os.getloadavg()[0]
REDIS_URL = os.environ.get("ASKWHY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
START_SECONDS = 60
"""How long askwhy's processes may take to answer after start."""


@dataclass(frozen=True)
class Result:
    setup: str
    messages: int
    seconds: float
    to_200: list[float]
    to_reply: list[float]
    duplicate_replies: int
    missing_replies: int
    duplicates_sent: int
    status_deliveries: int
    errors: list[str]
    server_cpu: float = 0.0
    """CPU seconds askwhy's processes spent during the load."""
    bench_cpu: float = 0.0
    """CPU seconds this process (load generator and fake Graph API) spent during the load."""
    server_roles: dict[str, float] = field(default_factory=dict)
    """``server_cpu`` by the part of askwhy that spent it (`cpu_by_role`)."""

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def phones() -> list[str]:
    return [f"4477009{index:05d}" for index in range(CONVERSATIONS)]


def environment(
    data_dir: Path, graph: FakeGraphApi, database_url: str | None, redis_url: str | None
) -> dict[str, str]:
    env = {
        "ASKWHY_DATA_DIR": str(data_dir), "ASKWHY_SEED_DEMO": "false", "ASKWHY_LOG_LEVEL": "WARNING",
        "ASKWHY_GUIDES_DIR": str(ROOT / "examples" / "guides"),
        "ASKWHY_WORKER_THREADS": "4", "ASKWHY_WHATSAPP_PHONE_NUMBER_ID": NUMBER_ID,
        "ASKWHY_WHATSAPP_ACCESS_TOKEN": TOKEN, "ASKWHY_WHATSAPP_APP_SECRET": SECRET,
        "ASKWHY_WHATSAPP_API_BASE_URL": graph.base_url,
    }  # fmt: skip
    if database_url:
        env["ASKWHY_DATABASE_URL"] = database_url
    if redis_url:
        env["ASKWHY_REDIS_URL"] = redis_url
    return env


def invite(env: dict[str, str]) -> None:
    """The conversations the customers answer: invited on WhatsApp, openings queued for sending."""
    settings = Settings(**{k.removeprefix("ASKWHY_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    container = bootstrap(settings)
    try:
        migrate.upgrade(container.engine)
        guide = container.guides["post-checkout"]
        with container.sessions.begin() as session:
            for phone in phones():
                start_conversation(session=session, guide=guide, program="post-checkout", channel=Channel.WHATSAPP,
                                   channel_address=f"+{phone}", now=container.clock.now())  # fmt: skip
    finally:
        container.close()


@contextmanager
def askwhy(env: dict[str, str], *, workers: int) -> Iterator[tuple[str, list[int]]]:
    """`askwhy serve` (working the queue itself without Redis) and, with ``workers``, that many
    `askwhy worker --queue conversations` and one `askwhy worker --queue analysis`: the parts
    `askwhy serve` runs on a SQLite queue, so that both databases do the same work in the same
    processes (a worker of both queues would load the analysis model in each, at its first analysis)."""
    port = free_port()
    executable = str(Path(sys.executable).parent / "askwhy")
    commands = [[executable, "serve", "--port", str(port)]]
    if workers:
        commands += [[executable, "worker", "--queue", "conversations"]] * workers
        commands += [[executable, "worker", "--queue", "analysis"]]
    base = f"http://127.0.0.1:{port}"
    with children(commands, env, base + "/healthz") as pids:
        yield base, pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU so far of these processes and their children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in family(pids):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


ROLES = {
    "askwhy-analysis": "analysis worker",
    "askwhy-storer": "webhook inbox storer",
}


def cpu_by_role(pids: list[int]) -> dict[str, float]:
    """CPU seconds so far by part of askwhy, told apart by the names its processes show in ps
    (`askwhy.cli.worker_pool.name_process`): the API server is the first command started."""
    ticks = os.sysconf("SC_CLK_TCK")
    spent: Counter[str] = Counter()  # clock ticks
    for pid in family(pids):
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        if pid == pids[0]:
            role = "API server"
        elif name.startswith("askwhy-worker-"):
            role = "conversation workers"
        elif name == "askwhy":  # `askwhy worker`: its queue is in its command line
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            role = "analysis worker" if b"analysis" in command else "conversation workers"
        else:
            role = ROLES.get(name, "other")
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        spent[role] += int(fields[11]) + int(fields[12])
    return {role: n / ticks for role, n in spent.items()}


def family(pids: list[int]) -> list[int]:
    """The processes and all their descendants (`askwhy serve` starts its queue workers itself)."""
    found, pending = [], list(pids)
    while pending:
        pid = pending.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").iterdir():
            pending += [int(child) for child in (task / "children").read_text().split()]
    return found


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_setup(
    setup: str, env_for: dict[str, str | None], *, workers: int, processes: int | None = None
) -> Result:
    """One setup: ``workers`` `askwhy worker`s beside `askwhy serve`, which on a SQLite queue
    starts ``processes`` conversation workers itself (its default if None)."""
    loop = asyncio.get_running_loop()
    replies = Replies(loop=loop)
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeGraphApi(access_token=TOKEN, on_accepted=replies.on_send) as graph,
    ):
        env = environment(Path(folder), graph, env_for["database"], env_for["redis"])
        if processes is not None:
            env["ASKWHY_WORKER_PROCESSES"] = str(processes)
        invite(env)
        with askwhy(env, workers=workers) as (base, pids):
            deadline = time.monotonic() + 120
            while sum(len(r) for r in replies.received.values()) < CONVERSATIONS:
                if time.monotonic() > deadline:
                    raise RuntimeError("the invitations were not all delivered")
                await asyncio.sleep(0.1)
            await wait_until_idle(lambda: family(pids))  # the analysis worker's model loaded
            load = Load(base_url=base, secret=SECRET, replies=replies, metadata=METADATA)
            server_before, bench_before, roles_before = (
                cpu_seconds(pids),
                own_cpu_seconds(),
                cpu_by_role(pids),
            )
            seconds = await load.run(phones(), concurrency=CONCURRENCY)
            server_cpu, bench_cpu = cpu_seconds(pids) - server_before, own_cpu_seconds() - bench_before
            roles = {role: spent - roles_before.get(role, 0.0) for role, spent in cpu_by_role(pids).items()}
            await asyncio.sleep(2.0)  # a late second answer to a retried delivery would arrive here
    expected = 1 + 3  # the opening, then one question per answer
    extra = sum(max(0, len(got) - expected) for got in replies.received.values())
    repeated_keys = len(replies.keys) - len(set(replies.keys))
    return Result(setup=setup, messages=load.messages, seconds=seconds, to_200=load.to_200, to_reply=load.to_reply,
                  duplicate_replies=extra + repeated_keys, missing_replies=load.missing_replies,
                  duplicates_sent=load.duplicates_sent, status_deliveries=load.status_deliveries,
                  errors=load.errors, server_cpu=server_cpu, bench_cpu=bench_cpu,
                  server_roles=roles)  # fmt: skip


def bare_webhook_app() -> FastAPI:
    """The floor: a FastAPI endpoint that reads the delivery and answers 200, doing nothing else."""
    app = FastAPI()

    @app.post("/webhooks/whatsapp")
    async def receive(request: Request) -> dict[str, bool]:
        await request.body()
        return {"ok": True}

    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def children(commands: list[list[str]], env: dict[str, str], health: str) -> Iterator[list[int]]:
    """Start the commands (from the repository root) and wait until ``health`` answers."""
    processes = [
        subprocess.Popen(c, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL) for c in commands
    ]
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise RuntimeError(f"{commands[0]} did not start")
            time.sleep(0.2)
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


async def run_bare(count: int) -> tuple[float, list[float], float]:
    bodies = [text_delivery(phone=f"4477009{i % 100000:05d}", name="Customer", message_id=f"wamid.B{i}", text="9",
                            metadata=METADATA) for i in range(count)]  # fmt: skip
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.whatsapp_webhooks:bare_webhook_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    with children([command], {}, f"http://127.0.0.1:{port}/docs") as pids:
        before = cpu_seconds(pids)
        seconds, timings = await flood(
            f"http://127.0.0.1:{port}", "/webhooks/whatsapp", bodies, SECRET, concurrency=CONCURRENCY
        )
        return seconds, timings, cpu_seconds(pids) - before


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    name = f"askwhy_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(results: list[Result], bare_rate: float, bare_p99: float, bare_cpu: float, command: str) -> str:
    lines = [
        "## WhatsApp webhooks",
        "",
        f"`{command}` on {machine()}. {CONVERSATIONS} invited WhatsApp conversations (post-checkout guide), "
        f"{CONCURRENCY} at a time; each customer sends 3 signed text webhooks, waiting for the next "
        "question to reach the fake Graph API before answering; 10% of deliveries are posted a second "
        "time (a provider retry), and every reply is followed by a delivered+read status webhook. "
        "Everything on 127.0.0.1: load generator and fake provider in one process, askwhy in others. "
        "The load starts once askwhy's processes are idle after start (the invitations sent, the "
        "analysis worker's model loaded). "
        f"Load average of the machine when the run started: {LOAD_AT_START:.1f}"
        + (" (other work was running on it)." if LOAD_AT_START > 1 else "."),
        "",
        "| setup | messages | sustained messages/s | p50 to 200 | p99 to 200 | webhook → reply at provider, "
        "p50 / p99 | duplicate replies | retries sent | missing replies | non-200 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.setup} | {r.messages} | {r.rate:.0f} | {ms(statistics.median(r.to_200))} | "
            f"{ms(percentile(r.to_200, 0.99))} | {ms(statistics.median(r.to_reply))} / {ms(percentile(r.to_reply, 0.99))} | "
            f"{r.duplicate_replies} | "
            f"{r.duplicates_sent} | {r.missing_replies} | {len(r.errors)} |"
        )
    for r in results:
        if r.errors:
            kinds = Counter(error.split(" ", 1)[0] for error in r.errors).most_common(3)
            lines.append(
                f"\n{r.setup}: failed deliveries by kind: " + ", ".join(f"{k} × {n}" for k, n in kinds)
            )
    lines += [
        "",
        f"Bare FastAPI endpoint (same deliveries, {CONCURRENCY} clients posting back to back, no work): "
        f"{bare_rate:.0f} requests/s, p99 {ms(bare_p99)}, {bare_cpu * 1000:.2f} ms of server CPU a request.",
    ]
    lines += [f"- {r.setup}: {r.rate / bare_rate:.0%} of the bare endpoint's rate." for r in results]
    lines += [
        "",
        "CPU per customer message during the load (each message brings about 2.1 webhooks: itself, "
        "a share of retries, and the status of its reply):",
        "",
    ]
    lines += [
        f"- {r.setup}: askwhy {r.server_cpu * 1000 / r.messages:.1f} ms, load generator and fake Graph API "
        f"{r.bench_cpu * 1000 / r.messages:.1f} ms; askwhy used {r.server_cpu / r.seconds:.2f} of the 2 cores."
        for r in results
    ]
    lines += [
        "  - by part: "
        + ", ".join(
            f"{role} {seconds * 1000 / r.messages:.1f} ms" for role, seconds in sorted(r.server_roles.items())
        )
        for r in results
        if r.server_roles
    ]
    sqlite = results[0]
    met = {True: "met", False: "not met"}
    tails = "; ".join(f"{r.setup.split(',')[0]} {met[percentile(r.to_200, 0.99) <= 0.1]}" for r in results)
    lines += [
        "",
        f"Targets: ≥ 300 messages/s on SQLite ({met[sqlite.rate >= 300]}), p99 to 200 ≤ 100 ms "
        f"({tails}), 0 duplicate replies "
        f"({met[all(r.duplicate_replies == 0 for r in results)]}). Where the time goes: "
        "[the WhatsApp page](channels/whatsapp.md#performance).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite-only", action="store_true", help="SQLite only, as `askwhy serve` starts it")
    parser.add_argument(
        "--workers", type=worker_counts, default=(1, 2, 4), metavar="N[,N...]",
        help="worker counts to run both databases at (default: 1,2,4)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.sqlite_only:
        sqlite = "SQLite, `askwhy serve` (and the worker and storer processes it starts)"
        results = [asyncio.run(run_setup(sqlite, {"database": None, "redis": None}, workers=0))]
    else:
        results = run_engines(args.workers)
    count = max(r.messages for r in results)
    seconds, timings, bare_cpu = asyncio.run(run_bare(count))
    bare = (len(timings) / seconds, percentile(timings, 0.99), bare_cpu / count)
    if args.sqlite_only:
        markdown = report(results, *bare, "python -m bench.whatsapp_webhooks --sqlite-only")
        section = "whatsapp"
    else:
        counts = ",".join(str(n) for n in args.workers)
        command = "python -m bench.whatsapp_webhooks" + (
            "" if args.workers == (1, 2, 4) else f" --workers {counts}"
        )
        details = report(results, *bare, command)
        markdown = engines_report(results, details, workers=args.workers, bare_rate=bare[0])
        section = "whatsapp-engines"
    print(markdown)
    write_section(section, markdown)


def worker_counts(value: str) -> tuple[int, ...]:
    """``--workers``: positive counts, comma-separated."""
    try:
        counts = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: give worker counts such as 1,2,4") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: every worker count must be at least 1")
    return counts


def run_engines(workers: tuple[int, ...]) -> list[Result]:
    """SQLite and PostgreSQL + Redis at each worker count, one after the other."""
    results = []
    for count in workers:
        sqlite = f"SQLite, `askwhy serve` with {count} worker process{'es' if count > 1 else ''}"
        results.append(
            asyncio.run(run_setup(sqlite, {"database": None, "redis": None}, workers=0, processes=count))
        )
        redis.Redis.from_url(REDIS_URL).flushdb()
        with throwaway_postgres() as url:
            setup = f"PostgreSQL + Redis, `askwhy serve` + {count} + 1 `askwhy worker`"
            results.append(
                asyncio.run(run_setup(setup, {"database": url, "redis": REDIS_URL}, workers=count))
            )
    return results


if __name__ == "__main__":
    main()
