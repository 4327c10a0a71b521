"""Simulated WhatsApp customers for the webhook benchmark: each answers the question it was sent,
through signed webhooks, and waits for the next question to reach the (fake) provider.

A share of the deliveries is sent a second time, as Meta does when it retries; every reply the
provider receives is counted per customer, so a retry that produced a second answer shows up.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

SCRIPTS = (
    ("6", "it was fine", "the parcel came three days late and the box was crushed"),
    ("9", "great prices and fast shipping", "nothing else"),
    ("2", "the courier never came", "I missed a birthday because of it"),
    ("a solid 8", "checkout was quick", "maybe cheaper delivery"),
    ("10!!!", "the support agent sorted my refund in minutes", "no, that's all"),
)
"""Three answers per customer: each gets exactly one question back from the post-checkout guide."""
KEEPALIVE_SECONDS = 2.0
"""Below uvicorn's 5 s keep-alive timeout, so a connection the server is closing is never reused."""


def signed(body: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def delivery(value: dict[str, Any]) -> bytes:
    change = {"value": {"messaging_product": "whatsapp", **value}, "field": "messages"}
    return json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"id": "1029", "changes": [change]}]}
    ).encode()


def text_delivery(*, phone: str, name: str, message_id: str, text: str, metadata: dict[str, str]) -> bytes:
    message = {"from": phone, "id": message_id, "timestamp": str(int(time.time())), "type": "text",
               "text": {"body": text}}  # fmt: skip
    contact = {"profile": {"name": name}, "wa_id": phone, "user_id": f"GB.{phone}"}
    return delivery({"metadata": metadata, "contacts": [contact], "messages": [message]})


def status_delivery(*, phone: str, wamid: str, metadata: dict[str, str]) -> bytes:
    stamp = str(int(time.time()))
    statuses = [
        {"id": wamid, "status": state, "timestamp": stamp, "recipient_id": phone}
        for state in ("delivered", "read")
    ]
    return delivery({"metadata": metadata, "statuses": statuses})


@dataclass
class Replies:
    """What the fake provider received, per customer phone; fed from the fake's server threads."""

    loop: asyncio.AbstractEventLoop
    received: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    keys: list[str] = field(default_factory=list)
    waiting: dict[str, asyncio.Future[tuple[float, str]]] = field(default_factory=dict)

    def on_send(self, body: dict[str, Any], wamid: str) -> None:
        arrived = time.perf_counter()
        self.loop.call_soon_threadsafe(self._arrived, str(body.get("to")), arrived, wamid,
                                       str(body.get("biz_opaque_callback_data")))  # fmt: skip

    def _arrived(self, phone: str, arrived: float, wamid: str, key: str) -> None:
        self.received[phone].append((arrived, wamid))
        self.keys.append(key)
        future = self.waiting.pop(phone, None)
        if future is not None and not future.done():
            future.set_result((arrived, wamid))

    def expect(self, phone: str) -> asyncio.Future[tuple[float, str]]:
        future: asyncio.Future[tuple[float, str]] = self.loop.create_future()
        self.waiting[phone] = future
        return future


@dataclass
class Load:
    base_url: str
    secret: str
    replies: Replies
    metadata: dict[str, str]
    duplicate_share: float = 0.10
    reply_timeout: float = 20.0
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    to_200: list[float] = field(default_factory=list)
    to_reply: list[float] = field(default_factory=list)
    messages: int = 0
    duplicates_sent: int = 0
    status_deliveries: int = 0
    errors: list[str] = field(default_factory=list)
    missing_replies: int = 0
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _background: set[asyncio.Task[None]] = field(default_factory=set)
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def run(self, phones: list[str], *, concurrency: int) -> float:
        """Hold every customer's conversation, ``concurrency`` at a time; returns the seconds taken."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        for phone in phones:
            queue.put_nowait(phone)
        started = time.perf_counter()
        await asyncio.gather(*(self._customers(queue) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        await asyncio.gather(*self._background)
        for client in self._clients:
            await client.aclose()
        return elapsed

    async def _customers(self, queue: asyncio.Queue[str]) -> None:
        # One small client per concurrent customer: a single pool of hundreds of connections costs
        # httpx more than the server it measures (about 120 against 370 requests/s here).
        client = _client(self.base_url, connections=3)
        self._clients.append(client)
        while not queue.empty():
            phone = queue.get_nowait()
            await self._conversation(client, phone, self.rng.choice(SCRIPTS))

    async def _conversation(self, client: httpx.AsyncClient, phone: str, script: tuple[str, ...]) -> None:
        for text in script:
            body = text_delivery(phone=phone, name=f"Customer {phone[-4:]}", message_id=f"wamid.IN{next(self._ids):09d}",
                                 text=text, metadata=self.metadata)  # fmt: skip
            reply = self.replies.expect(phone)
            sent_at = time.perf_counter()
            await self._post(client, body)
            self.messages += 1
            if self.rng.random() < self.duplicate_share:
                self._later(self._retry(client, body))
            try:
                arrived, wamid = await asyncio.wait_for(reply, self.reply_timeout)
            except TimeoutError:
                self.missing_replies += 1
                return
            self.to_reply.append(arrived - sent_at)
            self._later(self._statuses(client, phone, wamid))

    async def _retry(self, client: httpx.AsyncClient, body: bytes) -> None:
        await asyncio.sleep(self.rng.uniform(0.0, 0.3))
        await self._post(client, body)
        self.duplicates_sent += 1

    async def _statuses(self, client: httpx.AsyncClient, phone: str, wamid: str) -> None:
        await self._post(client, status_delivery(phone=phone, wamid=wamid, metadata=self.metadata))
        self.status_deliveries += 1

    async def _post(self, client: httpx.AsyncClient, body: bytes) -> None:
        """Deliver once; a dropped keep-alive connection is retried, as the provider would."""
        for _ in range(3):
            started = time.perf_counter()
            try:
                response = await client.post(
                    "/webhooks/whatsapp", content=body, headers=signed(body, self.secret)
                )
            except httpx.TransportError as exc:
                self.errors.append(f"{type(exc).__name__}")
                continue
            self.to_200.append(time.perf_counter() - started)
            if response.status_code != 200:
                self.errors.append(f"{response.status_code} {response.text[:200]}")
            return

    def _later(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _client(base_url: str, *, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=KEEPALIVE_SECONDS
    )
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30)


async def flood(
    base_url: str, path: str, bodies: list[bytes], secret: str, *, concurrency: int
) -> tuple[float, list[float]]:
    """Post every body as fast as ``concurrency`` clients can: (seconds, time to each response)."""
    timings: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def client_loop() -> None:
        async with _client(base_url, connections=1) as client:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(path, content=body, headers=signed(body, secret))
                timings.append(time.perf_counter() - started)
                response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return time.perf_counter() - started, timings
