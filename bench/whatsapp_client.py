"""A small HTTP/1.1 keep-alive client on asyncio streams, for posting webhooks in the benchmark.

The benchmark measures the server; on a 2-core machine httpx's per-request work in the load
generator took CPU the server needed (about 1 ms a request). This client does only what a provider
posting webhooks does: POST a body with a few headers on a kept-alive connection, read the status
and the body. A connection the server closed is replaced, and the request sent again.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

KEEPALIVE_SECONDS = 2.0
"""Idle connections older than this are dropped: uvicorn closes them after 5 s."""


class ConnectionLost(Exception):
    """The server closed the connection before answering."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.idle_since = 0.0

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + body)
        try:
            status_line = await self.reader.readuntil(b"\r\n")
            headers = await self.reader.readuntil(b"\r\n\r\n")
            length, closing = _length_and_closing(headers)
            answer = await self.reader.readexactly(length) if length else b""
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise ConnectionLost(str(exc)) from None
        status = int(status_line.split(b" ", 2)[1])
        if closing:
            self.close()
        return status, answer

    @property
    def closed(self) -> bool:
        return self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


def _length_and_closing(headers: bytes) -> tuple[int, bool]:
    """The body's length and whether the server closes the connection after it."""
    length, closing = 0, False
    for line in headers.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        elif line.startswith(b"connection:") and b"close" in line:
            closing = True
    return length, closing


class WebhookClient:
    """POSTs to one server over a pool of kept-alive connections, as many as are in use at once."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._idle: list[_Connection] = []
        self.reconnects = 0

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST ``body``; returns the status and the response body."""
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        for attempt in range(3):
            connection = await self._connection(fresh=attempt > 0)
            try:
                status, answer = await connection.post(head, body)
            except ConnectionLost:
                connection.close()
                self.reconnects += 1
                continue
            self._release(connection)
            return status, answer
        raise ConnectionLost("the server closed three connections in a row")

    async def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def _connection(self, *, fresh: bool) -> _Connection:
        now = asyncio.get_running_loop().time()
        while self._idle and not fresh:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < KEEPALIVE_SECONDS:
                return connection
            connection.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Connection(reader, writer)

    def _release(self, connection: _Connection) -> None:
        if not connection.closed:
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.append(connection)
