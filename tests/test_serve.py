"""`askwhy serve` as a real process: it works its SQLite queue in a worker process beside itself,
and stores the webhook deliveries it keeps in one more; it starts either again if it dies, and
leaves none behind when it stops."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from askwhy.bootstrap import bootstrap
from askwhy.cli.context import GC_THRESHOLDS, settle_heap
from askwhy.cli.worker import ANALYSIS_YIELDS
from askwhy.conversations import start_conversation
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings
from tests.channels import whatsapp_deliveries as wa
from tests.fakes.graph_api import FakeGraphApi

TOKEN = "serve-test-token"
PHONE = "447700900123"


def wait_for(condition: Callable[[], object], *, seconds: float = 120, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def workers_of(pid: int) -> list[int]:
    """The worker processes among ``pid``'s children, the queue's and the inbox storer (not
    multiprocessing's own helpers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue  # it ended between the listing and the reading (a killed worker, reaped)
            if b"multiprocessing.spawn" in command and b"resource_tracker" not in command:
                found.append(int(child))
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi(access_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def server(settings: Settings, graph: FakeGraphApi) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`askwhy serve` with one worker process, WhatsApp pointed at the fake, one invited customer."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "ASKWHY_DATABASE_URL": settings.resolved_database_url, "ASKWHY_DATA_DIR": str(settings.data_dir),
        "ASKWHY_GUIDES_DIR": str(settings.guides_dir), "ASKWHY_SEED_DEMO": "false",
        "ASKWHY_LOG_LEVEL": "WARNING", "ASKWHY_WORKER_PROCESSES": "1", "ASKWHY_WORKER_THREADS": "2",
        "ASKWHY_WORKER_NICENESS": "7",
        "ASKWHY_WHATSAPP_PHONE_NUMBER_ID": wa.BUSINESS_NUMBER_ID, "ASKWHY_WHATSAPP_ACCESS_TOKEN": TOKEN,
        "ASKWHY_WHATSAPP_APP_SECRET": wa.APP_SECRET, "ASKWHY_WHATSAPP_API_BASE_URL": graph.base_url,
    }  # fmt: skip
    container = bootstrap(Settings(**{k.removeprefix("ASKWHY_").lower(): v for k, v in env.items()}))  # type: ignore[arg-type]
    with container.sessions.begin() as session:
        guide = container.guides["post-checkout"]
        start_conversation(session=session, guide=guide, program="post-checkout", channel=Channel.WHATSAPP,
                           channel_address=f"+{PHONE}", now=container.clock.now())  # fmt: skip
    container.close()
    command = [str(Path(sys.executable).parent / "askwhy"), "serve", "--port", str(port)]
    errors = (settings.data_dir / "serve.log").open("wb")  # what the server and its workers log
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=errors)
    errors.close()
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(healthy, seconds=180, what="askwhy serve to answer")
        yield process, base
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def answer(base: str, text: str) -> None:
    body = wa.encode(wa.delivery(wa.value(messages=[wa.text(text, sender=PHONE)])))
    response = httpx.post(f"{base}/webhooks/whatsapp", content=body, headers=wa.headers(body), timeout=10)
    assert response.status_code == 200, response.text


def expected_workers(settings: Settings) -> int:
    """A conversations worker and an analysis worker, and on SQLite the inbox storer (on
    PostgreSQL the queue stores the inbox)."""
    return 3 if settings.resolved_database_url.startswith("sqlite") else 2


def test_the_worker_processes_are_restarted_and_stopped_with_the_server(
    server: tuple[subprocess.Popen[bytes], str], graph: FakeGraphApi, settings: Settings
) -> None:
    process, base = server
    workers = workers_of(process.pid)
    assert len(workers) == expected_workers(settings)
    wait_for(lambda: len(graph.sent) == 1, what="the invitation to be sent by the worker")
    answer(base, "9")
    wait_for(lambda: len(graph.sent) == 2, what="the reply to the score")

    for worker in workers:
        os.kill(worker, signal.SIGKILL)
    wait_for(
        lambda: (
            len(restarted := workers_of(process.pid)) == len(workers) and not set(restarted) & set(workers)
        ),
        what="new worker processes",
    )
    restarted = workers_of(process.pid)
    answer(base, "the parcel came three days late")
    wait_for(lambda: len(graph.sent) == 3, what="the reply through the restarted processes")

    process.terminate()
    process.wait(timeout=30)
    wait_for(lambda: not any(map(is_running, restarted)), seconds=10, what="the workers to stop")


def test_workers_whose_server_was_killed_stop(
    server: tuple[subprocess.Popen[bytes], str], settings: Settings
) -> None:
    process, _ = server
    workers = workers_of(process.pid)
    assert len(workers) == expected_workers(settings)
    process.kill()
    process.wait(timeout=10)
    wait_for(lambda: not any(map(is_running, workers)), seconds=60, what="the orphaned workers to stop")


def test_sigterm_stops_the_workers_before_the_server_exits_0_leaving_no_leaked_semaphores(
    server: tuple[subprocess.Popen[bytes], str], graph: FakeGraphApi, settings: Settings
) -> None:
    process, _ = server
    wait_for(lambda: len(graph.sent) == 1, what="the invitation to be sent by the worker")
    killed = workers_of(process.pid)
    for worker in killed:  # a killed worker must leave nothing for the resource tracker either
        os.kill(worker, signal.SIGKILL)
    wait_for(
        lambda: len(restarted := workers_of(process.pid)) == len(killed) and not set(restarted) & set(killed),
        what="new worker processes",
    )
    workers = workers_of(process.pid)

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=90) == 0
    assert not any(map(is_running, workers)), "every worker stopped before the server exited"
    log = (settings.data_dir / "serve.log").read_text()
    assert "leaked semaphore" not in log
    assert "Traceback" not in log


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_the_queue_workers_yield_the_cpu_to_the_server_analysis_most_and_the_storer_does_not(
    server: tuple[subprocess.Popen[bytes], str], settings: Settings
) -> None:
    process, _ = server
    # the storer, the conversations' worker, and the analysis worker further below
    expected = [0, 7, 7 + ANALYSIS_YIELDS] if expected_workers(settings) == 3 else [7, 7 + ANALYSIS_YIELDS]

    def below() -> list[int]:
        return sorted(niceness(worker) - niceness(process.pid) for worker in workers_of(process.pid))

    wait_for(lambda: below() == expected, what=f"worker niceness {expected} (now {below()})")


def test_a_long_running_process_sets_its_start_up_objects_aside_from_collections() -> None:
    thresholds = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
