"""Servers the HTTP benchmarks start in a child process: askwhy itself, and a bare FastAPI app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
from fastapi import FastAPI


def askwhy_app() -> FastAPI:
    """askwhy's real app from ASKWHY_* settings (uvicorn factory), its heap settled as `askwhy serve`
    settles it before it takes requests (start-up set aside from the collector, fewer collections)."""
    from askwhy.bootstrap import bootstrap
    from askwhy.cli.context import settle_heap
    from askwhy.service.app import create_app

    app = create_app(bootstrap())
    settle_heap()
    return app


def bare_app() -> FastAPI:
    """The floor: a FastAPI app with one JSON endpoint that does no work."""
    app = FastAPI()

    @app.post("/echo")
    def echo(body: dict[str, object]) -> dict[str, object]:
        return {"ok": True, "received": body}

    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(factory: str, *, env: Mapping[str, str] | None = None, health: str = "/docs") -> Iterator[str]:
    """Run `uvicorn --factory bench.servers:<factory>` on a free loop-back port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", f"bench.servers:{factory}", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a loaded shared machine imports slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + health, timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{factory} did not start on {base}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
