"""Hostile input: 5,000 fuzzed bodies per webhook and web chat route, then oversized bodies against a
real server process, with its peak memory.

Run: python -m bench.hostile_input [--bodies 5000] [--oversize-mb 400]
Targets: zero 5xx over the fuzz corpus, a valid message stored and answered after it; every
oversized body answered 413 before it is read, the server's peak memory not growing by its size.

The fuzz runs in-process (the real app, SQLite, senders that record), signed where a route needs
it so that the bodies reach the parsers (`tests.service.hostile_bodies` makes them). The oversize
run starts askwhy in a uvicorn process of its own, streams a 400 MB body (unsigned, never built in
memory; once with ``Content-Length``, once chunked) and posts a signed 5 MB one to each route (413 before the signature is checked), and
reads the server's VmHWM (peak resident memory) from ``/proc`` before and after.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy import select as sql_select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import bootstrap
from askwhy.channels.base import RecordingSender, Sender
from askwhy.channels.twilio_signature import SIGNATURE_HEADER, FormParams, sign
from askwhy.domain.conversation import Channel
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store import migrate
from askwhy.store.database import make_engine
from askwhy.store.tables import Message
from bench.common import ROOT, machine, write_section
from bench.servers import running
from tests.channels import twilio_forms
from tests.channels import whatsapp_deliveries as wa
from tests.invitations import invite_customer
from tests.service import fuzzed_routes
from tests.service.test_hostile_input import SEED, hostile_settings

CHUNK = 65_536
OVERSIZE_PATHS = [
    "/webhooks/whatsapp",
    "/webhooks/twilio/sms",
    "/webhooks/twilio/status",
    "/webhooks/twilio/voice",
    "/webhooks/twilio/voice/gather?conversation=c&turn=1",
    "/webhooks/twilio/voice/status",
    "/v1/conversations",
    "/v1/conversations/c/messages",
    "/v1/events:batch",
]


@dataclass
class RouteRun:
    route: str
    outcomes: Counter[tuple[str, int]]
    seconds: float

    @property
    def statuses(self) -> Counter[int]:
        counted: Counter[int] = Counter()
        for (_, status), n in self.outcomes.items():
            counted[status] += n
        return counted

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def fuzz_all(bodies: int, folder: Path) -> tuple[list[RouteRun], bool]:
    """Every route's run, and whether valid messages were stored and answered afterwards."""
    settings = hostile_settings(
        Settings(
            data_dir=folder, guides_dir=ROOT / "examples" / "guides", seed_demo=False, queue_inline=True,
            database_url=f"sqlite:///{folder / 'askwhy.db'}",
        )
    )  # fmt: skip
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    engine.dispose()
    recorders = {
        channel: RecordingSender(channel) for channel in (Channel.WHATSAPP, Channel.SMS, Channel.VOICE)
    }
    senders: dict[Channel, Sender] = dict(recorders)
    container = bootstrap(settings, senders=senders, embedder=HashingEmbedder())
    runs = []
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            invite_customer(container, phone="+447700900111", channel=Channel.WHATSAPP)
            invite_customer(container, phone="+447700900222", channel=Channel.SMS)
            voice = invite_customer(container, phone=twilio_forms.CUSTOMER, channel=Channel.VOICE)
            started = client.post("/v1/conversations", json={"program": "post-checkout"}).json()
            routes = fuzzed_routes.routes(
                chat_conversation=started["conversation_id"],
                chat_token=started["token"],
                voice_conversation=voice,
            )

            def post(path: str, body: bytes, headers: dict[str, str]) -> int:
                return client.post(path, content=body, headers=headers).status_code

            for route in routes:
                began = time.perf_counter()
                outcomes = fuzzed_routes.fuzz(post, route, count=bodies, seed=SEED)
                runs.append(RouteRun(route.name, outcomes, time.perf_counter() - began))
                print(f"{route.name}: {dict(runs[-1].statuses)} in {runs[-1].seconds:.0f} s", flush=True)
            answered = _answers_after(client, container, recorders)
    finally:
        container.close()
    return runs, answered


def _answers_after(client: TestClient, container: object, recorders: dict[Channel, RecordingSender]) -> bool:
    delivery = wa.encode(wa.delivery(wa.value(messages=[wa.text("9", sender="447700900111")])))
    whatsapp = client.post("/webhooks/whatsapp", content=delivery, headers=wa.headers(delivery)).status_code
    sms = twilio_forms.post(
        client, "/webhooks/twilio/sms", twilio_forms.sms_form("9", sender="+447700900222")
    )
    sessions = container.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        stored = session.scalar(sql_select(func.count()).select_from(Message).where(Message.text == "9"))
    return (
        whatsapp == 200
        and sms.status_code == 200
        and any(m.to == "+447700900111" for m in recorders[Channel.WHATSAPP].sent)
        and any(m.to == "+447700900222" for m in recorders[Channel.SMS].sent)
        and (stored or 0) >= 2
        and client.get("/healthz").status_code == 200
    )


@dataclass
class Oversize:
    path: str
    how: str
    status: int
    sent_bytes: int
    seconds: float


def peak_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a process, in KiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])


def stream(host: str, port: int, path: str, *, total: int, declared: bool) -> tuple[int, int]:
    """Stream ``total`` bytes (never held in memory) until the server answers; (status, bytes sent)."""
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {total}\r\n" if declared else "Transfer-Encoding: chunked\r\n"
    piece = b"x" * CHUNK
    framed = piece if declared else b"%x\r\n" % CHUNK + piece + b"\r\n"
    sent, answer, pending = 0, b"", b""
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall((head + "\r\n").encode())
        while not answer:
            readable, writable, _ = select.select([connection], [connection] if sent < total else [], [], 30)
            if readable:
                answer = connection.recv(4096)
                break
            if not writable:
                raise RuntimeError(f"{path}: no answer after {sent} bytes")
            pending = pending or framed
            try:
                done = connection.send(pending)
            except (BrokenPipeError, ConnectionResetError):
                continue
            pending, sent = pending[done:], sent + done
        while b"\r\n" not in answer:
            answer += connection.recv(4096)
    return int(answer.split(b" ", 2)[1]), sent


def oversize_all(megabytes: int, folder: Path) -> tuple[list[Oversize], tuple[int, int], tuple[int, int]]:
    env = {
        "ASKWHY_DATA_DIR": str(folder),
        "ASKWHY_DATABASE_URL": f"sqlite:///{folder / 'askwhy.db'}",
        "ASKWHY_SEED_DEMO": "false",
        "ASKWHY_GUIDES_DIR": str(ROOT / "examples" / "guides"),
        "ASKWHY_WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "ASKWHY_TWILIO_ACCOUNT_SID": twilio_forms.ACCOUNT,
        "ASKWHY_TWILIO_AUTH_TOKEN": twilio_forms.TOKEN,
        "ASKWHY_PUBLIC_BASE_URL": twilio_forms.PUBLIC,
    }
    engine = make_engine(env["ASKWHY_DATABASE_URL"])
    migrate.upgrade(engine)
    engine.dispose()
    results = []
    with running("askwhy_app", env=env, health="/healthz") as base:
        pid = _server_pid(base)
        host, port = base.removeprefix("http://").split(":")
        before = peak_kib(pid)
        for path in OVERSIZE_PATHS:
            for declared in (True, False):
                began = time.perf_counter()
                status, sent = stream(host, int(port), path, total=megabytes * 2**20, declared=declared)
                how = f"unsigned {megabytes} MB, " + ("Content-Length" if declared else "chunked")
                results.append(Oversize(path, how, status, sent, time.perf_counter() - began))
            body, headers = _signed_5_mb(path)
            began = time.perf_counter()
            response = httpx.post(base + path, content=body, headers=headers, timeout=60)
            elapsed = time.perf_counter() - began
            results.append(Oversize(path, "5 MB, signed", response.status_code, len(body), elapsed))
        after = peak_kib(pid)
        assert httpx.get(base + "/healthz").status_code == 200
    return results, before, after


def _signed_5_mb(path: str) -> tuple[bytes, dict[str, str]]:
    """A 5 MB body signed as the route's sender would (a made-up token stands for the web chat's)."""
    if path.startswith("/webhooks/twilio/"):
        body = urlencode(twilio_forms.sms_form("x" * (5 * 2**20))).encode()
        url = twilio_forms.PUBLIC + path
        signature = sign(auth_token=twilio_forms.TOKEN, url=url, params=FormParams.parse(body))
        return body, {"Content-Type": "application/x-www-form-urlencoded", SIGNATURE_HEADER: signature}
    body = wa.encode(wa.delivery(wa.value(messages=[wa.text("x" * (5 * 2**20))])))
    if path.startswith("/webhooks/whatsapp"):
        return body, wa.headers(body)
    return body, {
        "Content-Type": "application/json",
        "Authorization": "Bearer not-looked-at-before-the-limit",
    }


def _server_pid(base: str) -> int:
    """The pid of the process listening on the server's port (the uvicorn child `running` started)."""
    port = int(base.rsplit(":", 1)[1])
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
            inode = fields[9]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) == f"socket:[{inode}]" for fd in (entry / "fd").iterdir()):
                return int(entry.name)
        except OSError:
            continue
    raise RuntimeError(f"no process listens on port {port}")


def report(runs: list[RouteRun], answered: bool, bodies: int, oversize: list[Oversize],
           before: tuple[int, int], after: tuple[int, int], megabytes: int) -> str:  # fmt: skip
    total = sum(sum(run.statuses.values()) for run in runs)
    errors = sum(run.server_errors for run in runs)
    lines = [
        "## Hostile input",
        "",
        f"`python -m bench.hostile_input --bodies {bodies} --oversize-mb {megabytes}` on {machine()}.",
        "",
        f"**Fuzz**: {total:,} hostile bodies ({bodies:,} per route, seed {SEED}), signed where the route needs it: "
        f"**{errors} answered 5xx**; afterwards a valid WhatsApp message and SMS were "
        f"{'stored and answered' if answered else 'NOT stored and answered'}.",
        "",
        "| route | bodies | 2xx | 400 | 404 | 409 | 413 | 422 | other 4xx | 5xx | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        s = run.statuses
        ok = sum(n for status, n in s.items() if status < 300)
        other = sum(
            n for status, n in s.items() if 400 <= status < 500 and status not in (400, 404, 409, 413, 422)
        )
        lines.append(
            f"| {run.route} | {sum(s.values()):,} | {ok:,} | {s[400]:,} | {s[404]:,} | {s[409]:,} | {s[413]:,} | "
            f"{s[422]:,} | {other:,} | {run.server_errors} | {run.seconds:.0f} |"
        )
    kinds = sorted({kind for run in runs for kind, _ in run.outcomes})
    lines += [
        "",
        "Other 4xx are 403s: a Twilio form of more than 256 parameters is read no further and its "
        "signature never matches. The 422s on the Gather route are turns that are not numbers (the query is "
        "fuzzed too); the 409s on web chat messages come once fuzzed valid answers have finished the "
        "conversation.",
        "",
        "Kinds of damage, in equal shares per route: " + ", ".join(kinds) + ".",
        "",
    ]
    lines += [
        f"**Oversize** against `uvicorn bench.servers:askwhy_app` (askwhy's app in a process of its own): "
        f"peak memory (VmHWM) {before[0] / 1024:.0f} MiB before, {after[0] / 1024:.0f} MiB after "
        f"{len(oversize)} oversized requests (grew {(after[0] - before[0]) / 1024:.1f} MiB); resident "
        f"{before[1] / 1024:.0f} → {after[1] / 1024:.0f} MiB. The bytes the client could send include what "
        "the kernel's socket buffers took in on the loop-back; the server reads at most the limit and one piece.",
        "",
        "| route | body | status | bytes the client could send before the answer | seconds |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for item in oversize:
        lines.append(
            f"| `{item.path}` | {item.how} | {item.status} | {item.sent_bytes:,} | {item.seconds:.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=5000, help="hostile bodies per route")
    parser.add_argument("--oversize-mb", type=int, default=400, help="size of the streamed unsigned bodies")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as fuzz_folder, tempfile.TemporaryDirectory() as server_folder:
        runs, answered = fuzz_all(args.bodies, Path(fuzz_folder))
        oversize, before, after = oversize_all(args.oversize_mb, Path(server_folder))
    markdown = report(runs, answered, args.bodies, oversize, before, after, args.oversize_mb)
    print(markdown)
    write_section("hostile-input", markdown)
    grew_mib = (after[0] - before[0]) / 1024
    refused = all(item.status == 413 for item in oversize)
    passed = (
        answered
        and not any(run.server_errors for run in runs)
        and refused
        and grew_mib < args.oversize_mb / 10
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
