"""Single sign-on in Chromium, under the real Content-Security-Policy and cookie rules: the button
on the sign-in page leaves for the provider (another site), the provider sends the browser back,
and the workspace opens; the flow cookie travels on that cross-site return."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from askwhy.bootstrap import bootstrap
from askwhy.clock import SystemClock
from askwhy.domain.people import Role
from askwhy.people import accounts
from askwhy.service.app import create_app
from askwhy.settings import Settings
from tests.browser.conftest import _free_port
from tests.conftest import GUIDES
from tests.fakes.oidc_issuer import FakeIssuer

pytestmark = pytest.mark.browser
NAME = "Acme SSO"


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, FakeIssuer]]:
    """askwhy at http://localhost:PORT and the provider at http://127.0.0.1:OTHER: two sites."""
    port = _free_port()
    base = f"http://localhost:{port}"
    with FakeIssuer(redirect_uri=f"{base}/sign-in/oidc/callback") as issuer:
        settings = Settings(
            database_url=database_url, data_dir=tmp_path, guides_dir=GUIDES, seed_demo=False,
            queue_inline=True, public_base_url=base, oidc_issuer=issuer.issuer,
            oidc_client_id=issuer.client_id, oidc_client_secret=issuer.client_secret, oidc_display_name=NAME,
        )  # fmt: skip
        container = bootstrap(settings, clock=SystemClock())
        with container.sessions.begin() as session:
            accounts.create_person(
                session=session,
                email=issuer.person.email,
                name="Ana",
                role=Role.ANALYST,
                now=container.clock.now(),
            )
        server = uvicorn.Server(
            uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield base, issuer
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


def test_signing_in_with_the_provider_in_a_real_browser(
    served: tuple[str, FakeIssuer], browser_page: Any, screenshot: Callable[[Any, str], Path]
) -> None:
    base, issuer = served
    page = browser_page
    violations: list[str] = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message.text),
    )
    page.goto(f"{base}/sign-in")
    button = page.get_by_role("link", name=f"Sign in with {NAME}")
    screenshot(page, "sign-in-single-sign-on")
    button.click()
    page.wait_for_url(f"{base}/")
    assert "Ana" in page.content()
    assert len(issuer.authorize_requests) == 1
    assert issuer.token_answers == [200]
    assert violations == [], "no Content-Security-Policy violation on the way"
