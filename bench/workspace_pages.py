"""Workspace page times: every page of a program with 100,000 responses and 50 themes.

Run: python -m bench.workspace_pages [--postgresql] [--responses N] [--rounds N] [--changes N]
Target: every page renders in ≤ 300 ms p95 on this machine (2 cores), signed in as an admin,
also the first view after a change.

The seeded SQLite file is kept in bench/.cache/ and reused (seeding takes a minute or two);
``--postgresql`` seeds the database named by ASKWHY_BENCH_POSTGRES_URL once instead, and
vacuums and analyzes its tables before each run (as autovacuum would after a bulk load). The real
app runs under uvicorn in a child process; each page is requested 3 times to warm up, then
timed 30 times one after the other (repeat views, which a server may answer from figures it
kept), then ``--changes`` times right after a change to the data (a new response coded, or a
theme renamed, in turn), so that nothing kept from before can answer: the first view after a
change. Each request's CPU time in the server process is read from /proc.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from askwhy.domain.people import Role
from askwhy.people import accounts, browser_sessions
from askwhy.store import day_recount, migrate
from askwhy.store.database import make_engine, make_sessions
from askwhy.store.tables import Conversation, Response
from bench.common import CACHE, ROOT, machine, write_section
from bench.servers import running
from bench.workspace_data import PROGRAM, advance_sequences, code_new_response, rename_theme, seed

TARGET_MS = 300.0
WARM_UPS = 3
SLOW_SECONDS = 2.0
SLOW_ROUNDS = 5
"""A page whose warm-ups take over SLOW_SECONDS is timed SLOW_ROUNDS times, not 30: it misses the
target by far either way, and 30 rounds of it would take the best part of an hour."""
POSTGRES_URL = os.environ.get(
    "ASKWHY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/askwhy_bench"
)


@dataclass(frozen=True)
class Timing:
    """One page's times in milliseconds, or the status it answered when it could not be timed."""

    page: str
    path: str
    status: int
    times: tuple[float, ...] = ()
    first: float = 0.0
    """The first request's time, right after the server started."""
    after_change: tuple[float, ...] = ()
    """Times of the first view after each change to the data."""
    cpu: float | None = None
    """Mean server CPU milliseconds of a repeat view."""
    cpu_after_change: float | None = None
    """Mean server CPU milliseconds of a first view after a change."""

    def quantile(self, q: float, *, after_change: bool = False) -> float:
        return _quantile(self.after_change if after_change else self.times, q)


def _quantile(times: Sequence[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true", help="seed and time on PostgreSQL")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--changes", type=int, default=10, help="first views timed after a change, per page")
    parser.add_argument(
        "--pages",
        default="",
        help="time only the pages whose name holds one of these comma-separated words (the report is "
        "printed, not written to docs/benchmarks.md)",
    )
    args = parser.parse_args()
    url = POSTGRES_URL if args.postgresql else f"sqlite:///{CACHE / f'workspace-{args.responses}.db'}"
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.postgresql:
        _create_database(url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    _seed_once(engine, responses=args.responses)
    advance_sequences(engine)
    _settle(engine)
    _analyze(engine)
    secret = secrets.token_urlsafe(32)
    cookie = _cookie(engine, secret=secret)
    paths = _pages(engine)
    if args.pages:
        words = [word.strip() for word in args.pages.split(",") if word.strip()]
        paths = {page: path for page, path in paths.items() if any(word in page for word in words)}
    engine.dispose()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            "ASKWHY_DATABASE_URL": url,
            "ASKWHY_DATA_DIR": data_dir,
            "ASKWHY_SECRET_KEY": secret,
            "ASKWHY_SEED_DEMO": "false",
            "ASKWHY_GUIDES_DIR": str(ROOT / "examples" / "guides"),
            "ASKWHY_LOG_LEVEL": "WARNING",
        }
        changes = Changes(make_sessions(engine))
        with running("askwhy_app", env=env, health="/sign-in") as base:
            server = ServerClock(_server_pid())
            timings = _time_pages(
                base,
                paths,
                cookie=cookie,
                rounds=args.rounds,
                changes=changes,
                after=args.changes,
                server=server,
            )
    engine.dispose()
    backend = "PostgreSQL" if args.postgresql else "SQLite"
    body = _report(timings, changes, backend=backend, responses=args.responses, rounds=args.rounds)
    if args.pages:
        print(body)
    else:
        write_section(f"workspace-pages-{backend.lower()}", body)
    return 0


class Changes:
    """Changes made between the timed first views: a new response coded, then a theme renamed,
    in turn, each in one transaction of a writing session (which marks the day cells it touches
    stale: the next view counts them from their rows)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.made = 0
        self.times: dict[str, list[float]] = {"response coded": [], "theme renamed": []}
        self.now = datetime.now(UTC)

    def make(self) -> None:
        self.made += 1
        started = time.perf_counter()
        if self.made % 2:
            code_new_response(self.sessions, number=self.made, now=self.now)
            kind = "response coded"
        else:
            rename_theme(self.sessions, number=self.made, now=self.now)
            kind = "theme renamed"
        self.times[kind].append((time.perf_counter() - started) * 1000)


class ServerClock:
    """CPU seconds the server process has used (user + system), read from /proc."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def used(self) -> float | None:
        if self.pid is None:
            return None
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick


def _server_pid() -> int | None:
    """The uvicorn child this process started (None where /proc cannot tell)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"uvicorn" in command:
            return int(stat.parent.name)
    return None


def _create_database(url: str) -> None:
    """Create the bench database on a new PostgreSQL server (it is kept between runs)."""
    admin_url, name = url.rsplit("/", 1)
    admin = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            print(f"created the database {name}", flush=True)
    admin.dispose()


def _settle(engine: Engine) -> None:
    """Count the day tallies the bulk seeding (or a migration) left stale, as the analysis worker's
    recount each minute would."""
    started = time.perf_counter()
    cells = day_recount.settle_everything(sessions=make_sessions(engine))
    if cells:
        print(f"recounted {cells:,} stale day cells in {time.perf_counter() - started:.1f} s", flush=True)


def _analyze(engine: Engine) -> None:
    """Vacuum and analyze every table on PostgreSQL, as autovacuum would soon after a bulk load.
    Without statistics the planner takes a program's 100,000 responses for about a hundred and
    walks them all by program (a theme's quotes: 590 ms instead of 3 ms); without a visibility map
    the data version's counts read every row instead of an index (124 ms instead of 31 ms). A
    server with autovacuum off never does either."""
    if engine.dialect.name != "postgresql":
        return
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"vacuumed and analyzed the tables in {time.perf_counter() - started:.1f} s", flush=True)


def _seed_once(engine: Engine, *, responses: int) -> None:
    """Seed the database unless it holds the seeded responses already (those the timed changes
    added have no conversation and do not count)."""
    with make_sessions(engine)() as session:
        seeded = (Response.program == PROGRAM) & Response.conversation_id.is_not(None)
        stored = session.scalar(select(func.count()).select_from(Response).where(seeded))
    if stored == responses:
        print(f"reusing {stored:,} seeded responses", flush=True)
        return
    if stored:
        raise SystemExit(f"{engine.url!r} holds {stored} responses of {PROGRAM}, not {responses}: remove it")
    started = time.perf_counter()
    seed(engine, responses=responses)
    print(f"seeded {responses:,} responses in {time.perf_counter() - started:.0f} s", flush=True)


def _cookie(engine: Engine, *, secret: str) -> str:
    """A session cookie for a new admin, minted the way the sign-in form mints it."""
    now = datetime.now(UTC)
    with make_sessions(engine).begin() as session:
        person = accounts.create_person(
            session=session, email=f"bench-{secrets.token_hex(4)}@example.com", name="Bench", role=Role.ADMIN,
            program_roles=None, now=now,
        )  # fmt: skip
        person_id, version = person.id, person.session_version
    return browser_sessions.seal(secret_key=secret, person_id=person_id, session_version=version, now=now)


def _pages(engine: Engine) -> dict[str, str]:
    """Each page's path, with a channel, dates, a theme and a conversation taken from the data."""
    with make_sessions(engine)() as session:
        newest = session.scalar(select(func.max(Response.responded_at)).where(Response.program == PROGRAM))
        conversation = session.scalar(
            select(Conversation.id).where(Conversation.program == PROGRAM).order_by(Conversation.id).limit(1)
        )
    newest = newest or datetime.now(UTC)
    until, since = newest.date() + timedelta(days=1), newest.date() - timedelta(days=60)
    middle = newest.date() - timedelta(days=45)
    program = f"/programs/{PROGRAM}"
    return {
        "home": "/",
        "overview": program,
        "overview, web chat, 60 days": f"{program}?channel=web&since={since}&until={until}",
        "overview, plan plus (a segment)": f"{program}?segment=plan:plus",
        "themes": f"{program}/themes",
        "themes, French, 60 days": f"{program}/themes?language=fr&since={since}&until={until}",
        "a theme": f"{program}/themes/t00" + "0" * 29,
        "why it moved (two periods)": f"{program}/why?from={middle - timedelta(days=30)}&to={middle}",
        "conversations": f"{program}/conversations",
        "a conversation": f"{program}/conversations/{conversation}",
        "exports": f"{program}/exports",
    }


def _time_pages(
    base: str,
    paths: dict[str, str],
    *,
    cookie: str,
    rounds: int,
    changes: Changes,
    after: int,
    server: ServerClock,
) -> list[Timing]:
    timings = []
    cookies = {browser_sessions.COOKIE: cookie}
    with httpx.Client(base_url=base, cookies=cookies, timeout=600) as client:
        for page, path in paths.items():
            started = time.perf_counter()
            status = client.get(path).status_code
            first = (time.perf_counter() - started) * 1000
            if status != 200:
                timings.append(Timing(page, path, status))
                print(f"{page:<30} {status} ({'not built' if status == 404 else 'failed'})", flush=True)
                continue
            started = time.perf_counter()
            for _ in range(WARM_UPS - 1):
                client.get(path)
            slow = (time.perf_counter() - started) / (WARM_UPS - 1) > SLOW_SECONDS
            times, cpu = _timed(client, path, rounds=SLOW_ROUNDS if slow else rounds, server=server)
            fresh, fresh_cpu = _timed(client, path, rounds=after, server=server, before_each=changes.make)
            timing = Timing(page, path, status, times, first, fresh, cpu, fresh_cpu)
            timings.append(timing)
            print(
                f"{page:<30} first {first:6.0f} ms  repeat p50 {timing.quantile(0.5):6.0f} ms  "
                f"p95 {timing.quantile(0.95):6.0f} ms  after a change p50 "
                f"{timing.quantile(0.5, after_change=True):6.0f} ms  p95 {timing.quantile(0.95, after_change=True):6.0f} ms",
                flush=True,
            )
    return timings


def _timed(
    client: httpx.Client,
    path: str,
    *,
    rounds: int,
    server: ServerClock,
    before_each: Callable[[], None] | None = None,
) -> tuple[tuple[float, ...], float | None]:
    """``rounds`` requests' times in ms, and the server's mean CPU ms per request (None unknown)."""
    times, cpu = [], 0.0
    for _ in range(rounds):
        if before_each is not None:
            before_each()
        used = server.used()
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
        after = server.used()
        cpu += (after - used) * 1000 if after is not None and used is not None else float("nan")
    return tuple(times), (cpu / rounds if rounds and cpu == cpu else None)


def _report(timings: list[Timing], changes: Changes, *, backend: str, responses: int, rounds: int) -> str:
    """The section of docs/benchmarks.md the timings make."""
    rows = []
    for t in timings:
        if not t.times:
            verdict = "not built (404)" if t.status == 404 else f"failed ({t.status})"
            rows.append(f"| {t.page} | – | – | – | – | – | – | – | – | {verdict} |")
            continue
        p95 = t.quantile(0.95)
        fresh_p95 = t.quantile(0.95, after_change=True) if t.after_change else float("nan")
        verdict = _verdict(p95, fresh_p95)
        rows.append(
            f"| {t.page} | {len(t.times)} | {statistics.median(t.times):.0f} | {p95:.0f} "
            f"| {len(t.after_change)} | {_ms(t.quantile(0.5, after_change=True) if t.after_change else None)} "
            f"| {_ms(fresh_p95 if t.after_change else None)} | {_ms(max(t.after_change, default=None))} "
            f"| {_ms(t.cpu)} / {_ms(t.cpu_after_change)} | {verdict} |"
        )
    writes = "; ".join(
        f"{kind}: p50 {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms ({len(ms)})"
        for kind, ms in changes.times.items()
        if ms
    )
    flag = " --postgresql" if backend == "PostgreSQL" else ""
    body = f"""## Workspace pages ({backend})

`nice -n 10 python -m bench.workspace_pages{flag}`: {responses:,} responses of one NPS program over 180
days on 3 channels, with conversations, sentences and a two-level codebook of 50 themes; each page
requested {WARM_UPS} times to warm up, then {rounds} times in a row by a signed-in admin through uvicorn
(*repeat*; a page slower than {SLOW_SECONDS:.0f} s is timed {SLOW_ROUNDS} times only: the n column),
then once right after each of a series of changes to the data, a new response coded and a theme
renamed in turn (*after a change*: nothing the server kept from before can answer it, which is
what a person sees when live updates arrive every few seconds). Target: every page ≤
{TARGET_MS:.0f} ms p95, the first view after a change included. *CPU* is the server process's own
CPU time per request (user + system, from /proc, 10 ms ticks), mean of repeat / after a change:
on a shared machine the wall times include waiting for a core, the CPU times do not.

Machine: {machine()}; measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average
{" / ".join(f"{x:.1f}" for x in os.getloadavg())} (1 / 5 / 15 min) at the end.

| page | repeat n | p50 ms | p95 ms | after a change n | p50 ms | p95 ms | max ms | CPU ms | target |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
{chr(10).join(rows)}

The changes themselves (each one transaction; it marks the day cells it touches stale, and the
next view counts those cells from their rows): {writes or "none made"}.
"""
    return body


def _verdict(p95: float, fresh_p95: float) -> str:
    repeat = "✓ repeat" if p95 <= TARGET_MS else "✗ repeat"
    if fresh_p95 != fresh_p95:
        return repeat
    return f"{repeat}; {'✓' if fresh_p95 <= TARGET_MS else '✗'} after a change"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


if __name__ == "__main__":
    sys.exit(main())
