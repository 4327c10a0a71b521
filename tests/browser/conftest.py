"""A real server on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from askwhy.bootstrap import Container
from askwhy.service.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The widget test's shop and askwhy both run on loopback here; in real life neither is private.
    "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(container: Container) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (scripts/install-browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        context = browser.new_context()
        page = context.new_page()
        yield page
        context.close()
        browser.close()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images" / "workspace"
DOC_VIEW = {"x": 0, "y": 0, "width": 1280, "height": 960}
"""The top of a page as the docs show it: 1280 px wide, as much as a laptop screen shows."""


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``screenshot(page, "overview")`` saves artifacts/screenshots/<test>-overview.png.

    With ASKWHY_DOCS_SCREENSHOTS=1 the same view also becomes docs/images/workspace/overview.png,
    the picture docs/workspace.md shows (the top of the page, 1280 px wide, so the file stays small)."""

    def take(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if os.environ.get("ASKWHY_DOCS_SCREENSHOTS"):
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(DOC_IMAGES / f"{name}.png"), full_page=True, clip=DOC_VIEW)
        return path

    return take
