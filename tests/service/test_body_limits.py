"""Request bodies are held to their route's limit as they stream in: 413 before they are read.

The in-process tests drive the real app through ASGI with a body handed out in pieces, and count
how much of it the app asked for; the last test sends a 50 MB body to a real server process and
reads its peak memory."""

from __future__ import annotations

import asyncio
import json
import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from askwhy.bootstrap import Container
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.service.body_limit import EVENT_BYTES, BodyLimits
from askwhy.settings import Settings
from tests.channels import whatsapp_deliveries as wa

CHUNK = 65_536
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"whatsapp_app_secret": SecretStr(wa.APP_SECRET)})


def test_limits_come_from_the_settings_first_matching_prefix_first(settings: Settings) -> None:
    limits = BodyLimits.from_settings(settings)
    assert limits.for_path("/webhooks/whatsapp") == 1_048_576
    assert limits.for_path("/webhooks/twilio/voice/gather") == 1_048_576
    assert limits.for_path("/v1/conversations") == 16_384
    assert limits.for_path("/v1/conversations/abc/messages") == 16_384
    assert limits.for_path("/v1/events:batch") == EVENT_BYTES * settings.events_batch_max
    assert limits.for_path("/v1/events") == 65_536
    custom = settings.model_copy(update={"events_batch_body_limit_bytes": 10_000, "body_limit_bytes": 2048})
    assert BodyLimits.from_settings(custom).for_path("/v1/events:batch") == 10_000
    assert BodyLimits.from_settings(custom).for_path("/v1/customers/x") == 2048


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("/webhooks/whatsapp", 1_048_577),
        ("/webhooks/twilio/sms", 1_048_577),
        ("/webhooks/twilio/voice/gather?conversation=c&turn=1", 1_048_577),
        ("/v1/conversations", 16_385),
        ("/v1/conversations/abc/messages", 16_385),
        ("/v1/events", 65_537),
        ("/v1/events:batch", EVENT_BYTES * 500 + 1),
    ],
)
def test_a_declared_length_over_the_limit_is_a_413_in_json(client: TestClient, path: str, size: int) -> None:
    response = client.post(path, content=b"x" * size, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": response.json()["detail"]}
    assert "larger than the" in response.json()["detail"]


def test_a_body_at_the_limit_goes_through(client: TestClient) -> None:
    body = json.dumps({"program": "post-checkout", "pad": " " * 16_000}).encode()
    body = body[:-1] + b" " * (16_384 - len(body)) + b"}"
    assert len(body) == 16_384
    response = client.post("/v1/conversations", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


class Streamed:
    """An ASGI request whose body is handed out in pieces, counting what the app asked for."""

    def __init__(self, *, total: int, declared: bool, api_key: str | None = None) -> None:
        self.total, self.declared, self.api_key = total, declared, api_key
        self.handed = 0
        self.messages: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.handed >= self.total:
            await asyncio.sleep(3600)  # the client has nothing more; the app should not wait here
        self.handed += CHUNK
        return {"type": "http.request", "body": b"\0" * CHUNK, "more_body": self.handed < self.total}

    async def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    def scope(self, path: str, *, content_type: bytes = b"application/json") -> dict[str, Any]:
        headers = [(b"host", b"testserver"), (b"content-type", content_type)]
        if self.declared:
            headers.append((b"content-length", str(self.total).encode()))
        if self.api_key:
            headers.append((b"x-api-key", self.api_key.encode()))
        return {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
        }  # fmt: skip

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def body(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.messages[1:]))


def _drive(container: Container, path: str, request: Streamed, **scope: Any) -> None:
    app = create_app(container)
    asyncio.run(asyncio.wait_for(app(request.scope(path, **scope), request.receive, request.send), 30))


@pytest.mark.parametrize(
    ("path", "limit", "content_type"),
    [
        ("/webhooks/whatsapp", 1_048_576, b"application/json"),
        ("/webhooks/twilio/sms", 1_048_576, b"application/x-www-form-urlencoded"),
        ("/webhooks/twilio/voice", 1_048_576, b"application/x-www-form-urlencoded"),
        ("/v1/conversations", 16_384, b"application/json"),
        ("/v1/conversations/abc/messages", 16_384, b"application/json"),
        ("/v1/events", 65_536, b"application/json"),
    ],
)
def test_a_chunked_body_is_stopped_by_the_piece_that_passes_the_limit(
    container: Container, path: str, limit: int, content_type: bytes
) -> None:
    with container.sessions.begin() as session:  # the events API reads no body without a valid key
        _, key = api_keys.create_key(
            session=session, name="events", scopes=["events:write"], now=container.clock.now()
        )
    request = Streamed(total=50 * 2**20, declared=False, api_key=key)
    _drive(container, path, request, content_type=content_type)
    assert request.status == 413
    assert "larger than the" in request.body["detail"]
    assert request.handed <= limit + CHUNK  # 50 MB offered; at most one piece past the limit taken


def test_a_declared_length_over_the_limit_is_refused_before_any_of_the_body_is_read(
    container: Container,
) -> None:
    request = Streamed(total=400 * 2**20, declared=True)
    _drive(container, "/webhooks/whatsapp", request)
    assert request.status == 413
    assert request.handed == 0


def test_the_events_api_reads_no_body_without_a_valid_api_key(container: Container) -> None:
    request = Streamed(total=4 * 2**20, declared=False, api_key="aw_forged_key")
    _drive(container, "/v1/events:batch", request)
    assert request.status == 401
    assert request.handed == 0


def test_a_chunked_body_under_the_limit_reaches_the_route(container: Container) -> None:
    request = Streamed(total=4 * CHUNK, declared=False)
    _drive(container, "/webhooks/whatsapp", request)
    assert request.status == 401  # unsigned: refused by the route, after the whole body was read
    assert request.handed == 4 * CHUNK


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """askwhy's app in a uvicorn process of its own, on a free loop-back port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "ASKWHY_DATABASE_URL": settings.resolved_database_url,
        "ASKWHY_DATA_DIR": str(tmp_path),
        "ASKWHY_SEED_DEMO": "false",
        "ASKWHY_QUEUE_INLINE": "true",
        "ASKWHY_WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "ASKWHY_GUIDES_DIR": str(settings.guides_dir),
    }
    command = [sys.executable, "-m", "uvicorn", "bench.servers:askwhy_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def stream_until_answered(host: str, port: int, path: str, *, total: int, declared: bool) -> tuple[int, int]:
    """POST ``total`` bytes in 64 KB pieces, stopping when the server answers; (status, bytes sent)."""
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {total}\r\n" if declared else "Transfer-Encoding: chunked\r\n"
    piece = b"x" * CHUNK
    framed = piece if declared else b"%x\r\n" % CHUNK + piece + b"\r\n"
    sent, answer, pending = 0, b"", b""
    # selectors, not select.select: a test process holding over 1,024 descriptors makes select fail
    with (
        socket.create_connection((host, port), timeout=10) as connection,
        selectors.DefaultSelector() as ready,
    ):
        connection.sendall((head + "\r\n").encode())
        ready.register(connection, selectors.EVENT_READ | selectors.EVENT_WRITE)
        while not answer:
            wanted = selectors.EVENT_READ | (selectors.EVENT_WRITE if sent < total else 0)
            ready.modify(connection, wanted)
            events = ready.select(10)
            readable = any(mask & selectors.EVENT_READ for _, mask in events)
            writable = any(mask & selectors.EVENT_WRITE for _, mask in events)
            if readable:
                answer = connection.recv(4096)
                break
            if not writable:
                raise AssertionError(f"no answer after {sent} bytes")
            pending = pending or framed
            try:
                done = connection.send(pending)
            except (BrokenPipeError, ConnectionResetError):
                continue  # the server closed its side; its answer is waiting to be read
            pending = pending[done:]
            sent += done
        while b"\r\n" not in answer:
            answer += connection.recv(4096)
    return int(answer.split(b" ", 2)[1]), sent


@pytest.mark.slow
def test_a_server_answers_413_to_a_50_mb_body_without_growing_by_its_size(server: tuple[str, int]) -> None:
    base, pid = server
    host, port = base.removeprefix("http://").split(":")
    before = _rss_kib(pid, "VmHWM")
    for declared in (False, True):
        status, sent = stream_until_answered(
            host, int(port), "/webhooks/whatsapp", total=50 * 2**20, declared=declared
        )
        assert status == 413
        assert sent < 50 * 2**20
    grown_mib = (_rss_kib(pid, "VmHWM") - before) / 1024
    assert grown_mib < 10, f"peak memory grew by {grown_mib:.1f} MiB for a 50 MiB body"
    assert httpx.get(base + "/healthz", timeout=5).status_code == 200
