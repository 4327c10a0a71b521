"""What the chaos benchmark (`bench.chaos`) breaks: askwhy's processes, which it starts, kills and
starts again, and a fake Graph API that fails for a while; and the customers, who retry a webhook
until it is answered 200, as Meta does."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT
from bench.whatsapp_client import ConnectionLost, WebhookClient
from bench.whatsapp_customers import Load, Replies, signed
from tests.fakes.graph_api import FakeGraphApi

RETRY_WINDOW = (0.0, 0.3)
"""When a provider's second delivery of a webhook follows the first, in seconds."""


@dataclass
class FlakyGraphApi(FakeGraphApi):
    """The fake Graph API, answering 500 until ``failing_until`` and holding requests unanswered
    (a timeout) until ``hanging_until`` (monotonic clock), for ``hang_seconds`` each."""

    failing_until: float = 0.0
    hanging_until: float = 0.0
    hang_seconds: float = 11.0

    def _answer(self, path: str, authorization: str | None, body: dict[str, Any]) -> tuple[int, Any]:
        now = time.monotonic()
        if now < self.failing_until:
            return 500, {
                "error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 1}
            }
        if now < self.hanging_until:
            self._stopping.wait(self.hang_seconds)
            return 0, None
        return super()._answer(path, authorization, body)


@dataclass
class TimedReplies(Replies):
    """The replies, and since when each customer waiting for one has waited."""

    since: dict[str, float] = field(default_factory=dict)

    def expect(self, phone: str) -> asyncio.Future[tuple[float, str, str]]:
        self.since[phone] = time.monotonic()
        return super().expect(phone)

    def longest_wait(self) -> float:
        """How long the customer waiting longest for a question has waited (0 if none waits)."""
        now = time.monotonic()
        return max(
            (now - self.since[phone] for phone, f in self.waiting.items() if not f.done()), default=0.0
        )


@dataclass
class PacedLoad(Load):
    """Customers who arrive at a steady rate, think between answers, and retry a webhook until
    it is answered 200."""

    retry_window: tuple[float, float] = RETRY_WINDOW
    retried_posts: int = 0

    async def run_paced(self, phones: list[str], *, per_second: float) -> float:
        client = WebhookClient(self.base_url)
        started = time.perf_counter()

        async def customer(index: int, phone: str) -> None:
            await asyncio.sleep(index / per_second)
            await self._conversation(client, phone, self.rng.choice(SCRIPTS_PACED))

        await asyncio.gather(*(customer(i, phone) for i, phone in enumerate(phones)))
        elapsed = time.perf_counter() - started
        await asyncio.gather(*self._background)
        await client.close()
        return elapsed

    async def _post(self, client: WebhookClient, body: bytes) -> None:
        """Deliver until answered 200, backing off as a provider does; every failure is counted."""
        for attempt in range(60):
            started = time.perf_counter()
            try:
                status, answer = await client.post("/webhooks/whatsapp", body, signed(body, self.secret))
            except (ConnectionLost, OSError, asyncio.IncompleteReadError) as exc:  # the answer cut by a kill
                status, answer = 0, type(exc).__name__.encode()
            if status == 200:
                self.to_200.append(time.perf_counter() - started)
                return
            self.errors.append(f"{status} {answer[:200].decode(errors='replace')}")
            self.retried_posts += 1
            await asyncio.sleep(min(0.25 * 2**attempt, 2.0))

    async def _retry(self, client: WebhookClient, body: bytes) -> None:
        await asyncio.sleep(self.rng.uniform(*self.retry_window))
        await self._post(client, body)
        self.duplicates_sent += 1


SCRIPTS_PACED: tuple[tuple[str, ...], ...] = (
    ("6", "it was fine", "the parcel came three days late and the box was crushed"),
    ("9", "great prices and fast shipping", "nothing else"),
    ("2", "the courier never came", "I missed a birthday because of it"),
)


class Askwhy:
    """`askwhy serve` on ``port`` and ``workers`` `askwhy worker` processes, each logging to a file
    of its own in ``logs``; any of them can be killed and started again."""

    def __init__(self, env: dict[str, str], *, logs: Path, port: int, workers: int) -> None:
        self.env, self.logs, self.port = {**os.environ, **env}, logs, port
        self.base = f"http://127.0.0.1:{port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self._worker_count, self._started = workers, 0

    def start(self) -> None:
        self.start_server()
        self.workers = [self._spawn("worker") for _ in range(self._worker_count)]
        self.wait_healthy()

    def start_server(self) -> None:
        self.server = self._spawn("serve", "--port", str(self.port))

    def wait_healthy(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"askwhy serve did not answer on {self.base}")

    def kill_server(self) -> None:
        assert self.server is not None
        self.server.send_signal(signal.SIGKILL)
        self.server.wait()

    def kill_worker(self, number: int) -> None:
        """SIGKILL one `askwhy worker` and start it again at once (as a supervisor would)."""
        process = self.workers[number]
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.workers[number] = self._spawn("worker")

    def queue_workers_of_server(self) -> list[int]:
        """The server's own queue workers: its children running below its CPU priority."""
        assert self.server is not None
        mine = _niceness(self.server.pid)
        found = []
        for task in Path(f"/proc/{self.server.pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                command = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"multiprocessing.spawn" in command and _niceness(int(child)) > mine:
                    found.append(int(child))
        return found

    def stop(self) -> None:
        for process in [p for p in (self.server, *self.workers) if p is not None]:
            process.terminate()
        for process in [p for p in (self.server, *self.workers) if p is not None]:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self, *arguments: str) -> subprocess.Popen[bytes]:
        self._started += 1
        log = (self.logs / f"{arguments[0]}-{self._started}.log").open("wb")
        executable = str(Path(sys.executable).parent / "askwhy")
        process = subprocess.Popen(
            [executable, *arguments], env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
        )
        log.close()
        return process


def _niceness(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    except (FileNotFoundError, IndexError):
        return 0


FIRST_TURN = re.compile(
    r"first turn task \S+ taken ([\d.]+) s after the process started, ([\d.]+) s of CPU "
    r"\(pid \d+, started at ([\d.]+)\)"
)
"""The line a conversations worker logs as it takes its first turn (`askwhy.cli.first_turn`)."""


def first_turns(logs: Path, *, started_after: float) -> list[tuple[float, float]]:
    """Seconds from each worker process's start to its first turn, and of CPU it spent meanwhile,
    for the workers that started after ``started_after`` (Unix seconds): those started again
    after a kill."""
    found = []
    for path in sorted(logs.glob("*.log")):
        for match in FIRST_TURN.finditer(path.read_text(errors="replace")):
            if float(match[3]) >= started_after:
                found.append((float(match[1]), float(match[2])))
    return found


def errors_in_logs(logs: Path) -> list[str]:
    """Lines of askwhy's logs that report an error, a traceback or a leaked resource."""
    found = []
    for path in sorted(logs.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if any(mark in line for mark in ("ERROR", "Traceback", "leaked", "CRITICAL")):
                found.append(f"{path.stem}: {line.strip()[:160]}")
    return found
