"""Reliability: a worker killed mid-send loses nothing and sends nothing twice; with the database
down the API answers 503 (so callers retry) and nothing is half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from askwhy import conversations
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import RecordingSender, StatusEvent
from askwhy.conversations import inbound
from askwhy.domain.conversation import Channel
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.program_tables import MomentEvent
from askwhy.store.tables import Contact, Message

from .conftest import event

ROOT = Path(__file__).resolve().parents[2]
LEASE, GRACE = 1.0, 2.0


class FakeProvider:
    """An SMS API that accepts messages, and holds the first request open until told to answer."""

    def __init__(self, *, first_is_accepted: bool) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.first_arrived, self.release = threading.Event(), threading.Event()
        self.first_is_accepted = first_is_accepted
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                first = not provider.first_arrived.is_set()
                if first:
                    provider.first_arrived.set()
                    if provider.first_is_accepted:
                        provider.accepted.append(body)
                    provider.release.wait(30)  # the worker is killed while we hold this request
                else:
                    provider.accepted.append(body)
                reply = json.dumps({"id": f"SM{len(provider.accepted)}"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the worker is gone

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = False  # close() waits for the held request to finish
        self.url = f"http://127.0.0.1:{self.server.server_port}/messages"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def queued_settings(settings: Settings) -> Settings:
    """The SQLite queue in data_dir, as `askwhy serve` and `askwhy worker` use it."""
    return settings.model_copy(
        update={"queue_inline": False, "delivery_lease_seconds": LEASE, "delivery_grace_seconds": GRACE}
    )


@pytest.fixture
def app_side(queued_settings: Settings) -> Iterator[Container]:
    built = bootstrap(queued_settings, senders={Channel.SMS: RecordingSender(Channel.SMS)})
    yield built
    built.close()


def start_worker(settings: Settings, provider: FakeProvider) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "ASKWHY_DATABASE_URL": settings.resolved_database_url,
        "ASKWHY_DATA_DIR": str(settings.data_dir),
        "ASKWHY_GUIDES_DIR": str(settings.guides_dir),
        "ASKWHY_DELIVERY_LEASE_SECONDS": str(LEASE),
        "ASKWHY_DELIVERY_GRACE_SECONDS": str(GRACE),
        "ASKWHY_SEED_DEMO": "false",
        "FAKE_PROVIDER_URL": provider.url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.messaging.worker_process"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "worker ready"
    return process


def wait_for(condition: Callable[[], bool], seconds: float, poke: Callable[[], object] | None = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if poke is not None:
            poke()
        if condition():
            return True
        time.sleep(0.3)
    return condition()


def queue_invitation(container: Container) -> int:
    with container.sessions.begin() as session:
        reply = conversations.start_conversation(
            session=session, guide=container.guides["post-checkout"], program="post-checkout",
            channel=Channel.SMS, now=container.clock.now(), channel_address="+447700900123",
        )  # fmt: skip
        return int(
            session.scalars(select(Message.id).where(Message.conversation_id == reply.conversation_id)).one()
        )


def message(container: Container, message_id: int) -> Message:
    with container.sessions.begin() as session:
        found = session.get(Message, message_id)
        assert found is not None
        return found


@pytest.mark.slow
@pytest.mark.parametrize("provider_got_it", [True, False], ids=["provider-accepted", "provider-lost-it"])
def test_a_worker_killed_mid_send_delivers_exactly_once_after_restart(
    app_side: Container, queued_settings: Settings, provider_got_it: bool
) -> None:
    provider = FakeProvider(first_is_accepted=provider_got_it)
    workers: list[subprocess.Popen[str]] = []
    try:
        message_id = queue_invitation(app_side)  # committed, so the delivery task is on the queue
        workers.append(start_worker(queued_settings, provider))
        assert provider.first_arrived.wait(30), "the worker never called the provider"
        assert message(app_side, message_id).status == "sending"
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        provider.release.set()
        if provider_got_it:  # its status callback carries our idempotency key
            key = message(app_side, message_id).idempotency_key
            callback = StatusEvent(Channel.SMS, "SM1", "delivered", app_side.clock.now(), idempotency_key=key)
            with app_side.sessions.begin() as session:
                inbound.accept_events(
                    session=session, jobs=app_side.jobs, events=[callback], now=app_side.clock.now()
                )
        workers.append(start_worker(queued_settings, provider))

        def sweep() -> None:
            app_side.jobs.enqueue("deliver_due_messages")

        settled = wait_for(lambda: message(app_side, message_id).status in ("sent", "delivered"), 20, sweep)
        assert settled, f"message stuck in {message(app_side, message_id).status}"
        time.sleep(LEASE + GRACE + 1)  # any wrongful resend would have happened by now
        sweep()
        time.sleep(1)
        assert len(provider.accepted) == 1, provider.accepted
        final = message(app_side, message_id)
        assert final.status == ("delivered" if provider_got_it else "sent")
        assert final.provider_message_id == "SM1"
        assert final.attempts == (1 if provider_got_it else 2)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
            if worker.stdout is not None:
                worker.stdout.close()
        provider.close()


def test_with_the_database_unreachable_the_api_answers_503(settings: Settings) -> None:
    down = settings.model_copy(update={"database_url": "postgresql+psycopg://postgres@127.0.0.1:1/askwhy"})
    container = bootstrap(down, senders={})
    try:
        with TestClient(create_app(container)) as client:
            response = client.post("/v1/events", json=event(), headers={"X-API-Key": "aw_a_b"})
            assert response.status_code == 503
            assert response.headers["Retry-After"]
            assert client.post("/v1/conversations", json={"program": "post-checkout"}).status_code == 503
    finally:
        container.close()


def test_a_database_failure_mid_request_writes_nothing(
    client: TestClient, container: Container, auth: dict, program: Any
) -> None:
    def fail_on_decisions(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CONTACT_DECISIONS"):
            raise OperationalError(statement, None, Exception("server closed the connection unexpectedly"))

    sa_event.listen(container.engine, "before_cursor_execute", fail_on_decisions)
    try:
        response = client.post("/v1/events", json=event(), headers=auth)
    finally:
        sa_event.remove(container.engine, "before_cursor_execute", fail_on_decisions)
    assert response.status_code == 503
    with container.sessions.begin() as session:
        for table in (Contact, MomentEvent, Message):
            assert session.scalar(select(func.count()).select_from(table)) == 0, table
    assert client.post("/v1/events", json=event(), headers=auth).status_code == 201  # the retry succeeds
