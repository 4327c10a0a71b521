"""The live overview: its fingerprint changes when a conversation completes, in whichever server
process asks, and the page carries what the poll script needs (its address, the interval)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.people import Role
from askwhy.service.app import create_app
from askwhy.settings import Settings
from tests.workspace.conftest import SignIn

pytest_plugins = ("tests.insights.fixtures",)
ANSWERS = [
    "9",
    "The delivery was fast and the courier was friendly",
    "It mattered a lot",
    "Nothing, keep it up",
]


@pytest.fixture
def container(insights_container: Container) -> Container:
    """The workspace's container with the hashing embedder, so no model is loaded."""
    return insights_container


@pytest.fixture
def other_process(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    """A second server on the same database, as another process behind a load balancer would be."""
    second = bootstrap(settings, clock=clock, embedder=HashingEmbedder())
    with TestClient(create_app(second)) as client:
        yield client
    second.close()


def complete_web_chat(client: TestClient, program: str = "post-checkout") -> None:
    """A customer answers the web chat until the interviewer closes the conversation."""
    opened = client.post("/v1/conversations", json={"program": program, "language": "en"})
    assert opened.status_code == 201, opened.text
    conversation, token = opened.json()["conversation_id"], opened.json()["token"]
    for text in [*ANSWERS, "no", "no", "no"]:
        answer = client.post(
            f"/v1/conversations/{conversation}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        if answer.json()["status"] == "completed":
            return
    raise AssertionError("the web chat did not complete")


def live(client: TestClient, **params: str) -> dict[str, object]:
    response = client.get("/programs/post-checkout/live", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, object] = response.json()
    return body


def test_the_fingerprint_changes_when_a_conversation_completes(sign_in: SignIn) -> None:
    browser = sign_in(Role.VIEWER)
    before = live(browser)
    assert (before["responses"], before["completed"], before["newest"]) == (0, 0, None)
    complete_web_chat(browser)
    after = live(browser)
    assert (after["responses"], after["completed"]) == (1, 1)
    assert after["newest"] is not None
    assert after["fingerprint"] != before["fingerprint"]
    page = browser.get("/programs/post-checkout").text
    assert f'data-fingerprint="{after["fingerprint"]}"' in page, "the page is drawn with the same fingerprint"
    assert 'data-figure="responses">1<' in page
    assert "1 completed" in page


def test_asking_again_with_nothing_new_gives_the_same_fingerprint(sign_in: SignIn) -> None:
    browser = sign_in(Role.VIEWER)
    complete_web_chat(browser)
    assert live(browser) == live(browser)


def test_another_server_process_sees_the_new_response(sign_in: SignIn, other_process: TestClient) -> None:
    browser = sign_in(Role.ANALYST)
    before = live(browser)
    complete_web_chat(other_process)
    after = live(browser)
    assert after["responses"] == 1
    assert after["fingerprint"] != before["fingerprint"]


def test_the_fingerprint_follows_the_filters(sign_in: SignIn) -> None:
    browser = sign_in(Role.VIEWER)
    sms_before = live(browser, channel="sms")
    complete_web_chat(browser)
    assert live(browser, channel="sms") == sms_before
    assert live(browser, channel="web")["responses"] == 1


def test_the_page_carries_the_live_script_its_address_and_interval(
    container: Container, sign_in: SignIn
) -> None:
    container.settings.workspace_poll_seconds = 2
    browser = sign_in(Role.VIEWER)
    page = browser.get("/programs/post-checkout", params={"channel": "web"})
    assert 'data-live="/programs/post-checkout/live?channel=web"' in page.text
    assert 'data-poll-seconds="2"' in page.text
    assert '<script src="http://testserver/static/workspace.js" defer></script>' in page.text
    assert "<script>" not in page.text, "no inline script: the policy allows only same-origin files"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    script = browser.get("/static/workspace.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "data-live" in script.text


def test_the_live_route_needs_a_session_and_a_role_in_the_program(
    client: TestClient, sign_in: SignIn
) -> None:
    signed_out = client.get("/programs/post-checkout/live", follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/sign-in"
    stranger = sign_in(None, programs={"support-call": Role.ANALYST})
    assert stranger.get("/programs/post-checkout/live").status_code == 404
