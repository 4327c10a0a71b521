"""The server never waits on a lock: while another connection holds the database and the webhook
inbox locked, provider webhooks and web chat answer 503 with Retry-After within 2 s, and
`/healthz` keeps answering at once, measured side by side on a real server (uvicorn, in a thread).
"""

from __future__ import annotations

import socket
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.twilio_signature import SIGNATURE_HEADER, sign
from askwhy.clock import FakeClock
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.inbox import deliveries
from tests.channels import whatsapp_deliveries as wa
from tests.channels.twilio_forms import ACCOUNT, PUBLIC, TOKEN, call_form, sid, sms_form

WEBHOOK_DEADLINE = 2.0
"""Seconds within which a webhook must have its 503 (the issue's bar)."""
FEW_SECONDS = 5.0
"""Seconds within which web chat must have its 503, and webhooks with an inline queue (tests and
demos, where deliveries are stored in the request, batch after batch): a few (a request may begin
more than one transaction, each waiting `Settings.request_lock_wait_seconds`), not a worker's 30."""
HEALTHZ_TYPICAL = 0.25
"""Seconds `/healthz` takes at the median meanwhile: milliseconds, with room for a busy machine,
far below a lock wait (`Settings.request_lock_wait_seconds`, 1 s)."""
HEALTHZ_BOUND = 1.5
"""Seconds `/healthz` may take at most meanwhile, on a test machine whose CPU others share."""


@pytest.fixture(params=[False, True], ids=["background-queue", "inline-queue"])
def served(
    request: pytest.FixtureRequest, settings: Settings, clock: FakeClock
) -> Iterator[tuple[Container, str]]:
    """askwhy with WhatsApp and Twilio configured, served by uvicorn on a free port."""
    configured = settings.model_copy(
        update={
            "queue_inline": request.param,
            "public_base_url": PUBLIC,
            "whatsapp_app_secret": SecretStr(wa.APP_SECRET),
            "twilio_account_sid": ACCOUNT,
            "twilio_auth_token": SecretStr(TOKEN),
            "twilio_api_base_url": "http://127.0.0.1:9",  # never called: nothing is sent here
        }
    )
    container = bootstrap(configured, clock=clock, senders={})
    if not request.param:
        container.inbox.count()  # opened (on PostgreSQL: its table created) before it is locked
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield container, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        if not request.param:
            with container.inbox.sessions.begin() as session:
                session.execute(deliveries.delete())
        container.close()


@contextmanager
def locked(container: Container) -> Iterator[None]:
    """Another connection holds the database (and the inbox file) locked for writing."""
    url = container.engine.url
    if url.get_backend_name() == "sqlite":
        paths = [url.database] + ([str(container.inbox.path)] if not container.settings.queue_inline else [])
        holders = [sqlite3.connect(path, isolation_level=None) for path in paths if path]
        for holder in holders:
            holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            for holder in holders:
                holder.execute("ROLLBACK")
                holder.close()
        return
    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as holder, holder.begin():
            tables = ["contacts", "conversations", "messages", "delivery_events"]
            if not container.settings.queue_inline:
                tables.append(deliveries.name)
            holder.execute(text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def whatsapp_request(base: str) -> httpx.Request:
    message = wa.text("9", sender="16505550170", message_id=f"wamid.LOCKED{time.monotonic_ns()}")
    body = wa.encode(wa.delivery(wa.value(messages=[message])))
    return httpx.Request("POST", f"{base}/webhooks/whatsapp", content=body, headers=wa.headers(body))


def twilio_request(base: str, path: str, form: dict[str, str]) -> httpx.Request:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        SIGNATURE_HEADER: sign(auth_token=TOKEN, url=PUBLIC + path, params=form),
    }
    return httpx.Request("POST", base + path, content=urlencode(form), headers=headers)


def timed(client: httpx.Client, request: httpx.Request) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.send(request)
    return response, time.monotonic() - started


def test_a_locked_database_gets_webhooks_a_quick_503_while_healthz_keeps_answering(
    served: tuple[Container, str],
) -> None:
    container, base = served
    requests = {
        "whatsapp": whatsapp_request(base),
        "twilio sms": twilio_request(base, "/webhooks/twilio/sms", sms_form("9")),
        "twilio voice": twilio_request(base, "/webhooks/twilio/voice", call_form(sid("CA"))),
        "web chat": httpx.Request("POST", f"{base}/v1/conversations", json={"program": "post-checkout"}),
    }
    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(len(requests)) as pool, locked(container):
        waiting: dict[str, Future[tuple[httpx.Response, float]]] = {
            name: pool.submit(timed, client, request) for name, request in requests.items()
        }
        health_times = []
        while not all(future.done() for future in waiting.values()):
            response, seconds = timed(client, httpx.Request("GET", f"{base}/healthz"))
            assert response.status_code == 200
            health_times.append(seconds)
            time.sleep(0.05)
        answered = {name: future.result() for name, future in waiting.items()}
    for name, (response, seconds) in answered.items():
        assert response.status_code == 503, (name, response.text)
        assert response.headers["Retry-After"], name
        inline = container.settings.queue_inline and name in ("whatsapp", "twilio sms")
        deadline = FEW_SECONDS if name == "web chat" or inline else WEBHOOK_DEADLINE
        assert seconds < deadline, (name, seconds)
    timings = {name: round(seconds, 3) for name, (_, seconds) in answered.items()}
    print(f"503 after {timings}; /healthz at most {max(health_times):.3f} s over {len(health_times)} calls")
    assert len(health_times) >= 5, "healthz was asked all along"
    assert statistics.median(health_times) < HEALTHZ_TYPICAL, health_times
    assert max(health_times) < HEALTHZ_BOUND, health_times
    with httpx.Client(timeout=30) as client:  # the lock gone, the same webhook goes through
        assert client.send(whatsapp_request(base)).status_code == 200
