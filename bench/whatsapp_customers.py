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

from bench.whatsapp_client import ConnectionLost, WebhookClient

SCRIPTS = (
    ("6", "it was fine", "the parcel came three days late and the box was crushed"),
    ("9", "great prices and fast shipping", "nothing else"),
    ("2", "the courier never came", "I missed a birthday because of it"),
    ("a solid 8", "checkout was quick", "maybe cheaper delivery"),
    ("10!!!", "the support agent sorted my refund in minutes", "no, that's all"),
)
"""Three answers per customer: each gets exactly one question back from the post-checkout guide."""


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


def status_delivery(
    *, phone: str, wamid: str, metadata: dict[str, str], callback_data: str | None = None
) -> bytes:
    """Delivered and read, as Meta reports them: with the ``biz_opaque_callback_data`` the message
    was sent with, when it had one."""
    stamp = str(int(time.time()))
    statuses = [
        {"id": wamid, "status": state, "timestamp": stamp, "recipient_id": phone}
        for state in ("delivered", "read")
    ]
    if callback_data is not None:
        for status in statuses:
            status["biz_opaque_callback_data"] = callback_data
    return delivery({"metadata": metadata, "statuses": statuses})


@dataclass
class Replies:
    """What the fake provider received, per customer phone; fed from the fake's server threads."""

    loop: asyncio.AbstractEventLoop
    received: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    keys: list[str] = field(default_factory=list)
    waiting: dict[str, asyncio.Future[tuple[float, str, str]]] = field(default_factory=dict)

    def on_send(self, body: dict[str, Any], wamid: str) -> None:
        arrived = time.perf_counter()
        self.loop.call_soon_threadsafe(self._arrived, str(body.get("to")), arrived, wamid,
                                       str(body.get("biz_opaque_callback_data")))  # fmt: skip

    def _arrived(self, phone: str, arrived: float, wamid: str, key: str) -> None:
        self.received[phone].append((arrived, wamid))
        self.keys.append(key)
        future = self.waiting.pop(phone, None)
        if future is not None and not future.done():
            future.set_result((arrived, wamid, key))

    def expect(self, phone: str) -> asyncio.Future[tuple[float, str, str]]:
        future: asyncio.Future[tuple[float, str, str]] = self.loop.create_future()
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

    async def run(self, phones: list[str], *, concurrency: int) -> float:
        """Hold every customer's conversation, ``concurrency`` at a time; returns the seconds taken."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        for phone in phones:
            queue.put_nowait(phone)
        client = WebhookClient(self.base_url)
        started = time.perf_counter()
        await asyncio.gather(*(self._customers(client, queue) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        await asyncio.gather(*self._background)
        await client.close()
        return elapsed

    async def _customers(self, client: WebhookClient, queue: asyncio.Queue[str]) -> None:
        while not queue.empty():
            phone = queue.get_nowait()
            await self._conversation(client, phone, self.rng.choice(SCRIPTS))

    async def _conversation(self, client: WebhookClient, phone: str, script: tuple[str, ...]) -> None:
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
                arrived, wamid, key = await asyncio.wait_for(reply, self.reply_timeout)
            except TimeoutError:
                self.missing_replies += 1
                return
            self.to_reply.append(arrived - sent_at)
            self._later(self._statuses(client, phone, wamid, key))

    async def _retry(self, client: WebhookClient, body: bytes) -> None:
        await asyncio.sleep(self.rng.uniform(0.0, 0.3))
        await self._post(client, body)
        self.duplicates_sent += 1

    async def _statuses(self, client: WebhookClient, phone: str, wamid: str, key: str) -> None:
        body = status_delivery(phone=phone, wamid=wamid, metadata=self.metadata, callback_data=key)
        await self._post(client, body)
        self.status_deliveries += 1

    async def _post(self, client: WebhookClient, body: bytes) -> None:
        """Deliver once; a dropped keep-alive connection is retried by the client, as a provider would."""
        started = time.perf_counter()
        try:
            status, answer = await client.post("/webhooks/whatsapp", body, signed(body, self.secret))
        except (ConnectionLost, OSError) as exc:
            self.errors.append(f"{type(exc).__name__}")
            return
        self.to_200.append(time.perf_counter() - started)
        if status != 200:
            self.errors.append(f"{status} {answer[:200].decode(errors='replace')}")

    def _later(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


async def flood(
    base_url: str, path: str, bodies: list[bytes], secret: str, *, concurrency: int
) -> tuple[float, list[float]]:
    """Post every body as fast as ``concurrency`` clients can: (seconds, time to each response)."""
    timings: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    client = WebhookClient(base_url)

    async def client_loop() -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            status, _ = await client.post(path, body, signed(body, secret))
            timings.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"the bare endpoint answered {status}")

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed, timings
