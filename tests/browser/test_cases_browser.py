"""Closing the loop in real browsers: a customer asks for help in the web chat, the case reaches the
team's queue, the owner replies, the customer reads it, the owner resolves, the customer answers
the follow-up question. The queue and the case page are checked with axe-core."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.people import Role
from askwhy.people import accounts
from askwhy.programs.startup import sync_from_folder
from askwhy.settings import Settings
from askwhy.store.case_tables import Case
from tests.browser.accessibility import assert_accessible
from tests.browser.workspace_data import PASSWORD
from tests.cases.conftest import PROGRAM, write_program

pytestmark = pytest.mark.browser

OWNER = "ana@example.com"  # the care team's first member: round-robin gives her the first case
QUEUE_WAIT_SECONDS = 10


@pytest.fixture
def container(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Container]:
    folder = tmp_path / "programs"
    write_program(folder, PROGRAM)
    built = bootstrap(
        settings.model_copy(update={"programs_dir": folder}), clock=clock, embedder=HashingEmbedder()
    )
    sync_from_folder(sessions=built.sessions, guides=built.guides, folder=folder, now=clock.now())
    with built.sessions.begin() as session:
        accounts.create_person(
            session=session, email=OWNER, name="Ana", role=Role.ANALYST, password=PASSWORD, now=clock.now()
        )
    yield built
    built.close()


def bot_messages(page: Any) -> list[str]:
    return page.locator("#log .msg--out").all_inner_texts()


def send(page: Any, text: str) -> None:
    before = len(bot_messages(page))
    page.get_by_label("Your reply").fill(text)
    page.keyboard.press("Enter")
    # A function, not an expression: the page's CSP forbids eval, which Playwright uses for expressions.
    page.wait_for_function(f"() => document.querySelectorAll('#log .msg--out').length > {before}")


def send_quietly(page: Any, text: str) -> None:
    """A message to the case: no interviewer answers it, so wait for the chat to settle instead."""
    page.get_by_label("Your reply").fill(text)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('status').textContent === ''")


def only_case(container: Container) -> Case:
    with container.sessions() as session:
        return session.scalars(select(Case)).one()


def test_a_help_request_becomes_a_case_the_owner_answers_and_resolves(
    live_server: str, browser_page: Any, container: Container, screenshot: Callable[[Any, str], Path]
) -> None:
    customer = browser_page
    errors: list[Any] = []
    customer.on("pageerror", lambda error: errors.append(error))  # noqa: PLW0108 (Playwright cannot wrap a builtin)
    customer.goto(f"{live_server}/chat/post-checkout")
    customer.wait_for_selector("#log .msg--out")
    customer.get_by_role("button", name="3", exact=True).click()
    customer.wait_for_function("() => document.querySelectorAll('#log .msg--out').length > 1")
    send(customer, "my parcel is lost, can someone call me?")
    send(customer, "yes please")
    send(customer, "no")
    assert customer.get_by_label("Your reply").is_enabled(), "the case still listens after the interview"

    owner_context = customer.context.browser.new_context()
    owner = owner_context.new_page()
    owner.goto(f"{live_server}/sign-in")
    owner.get_by_label("E-mail").fill(OWNER)
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    owner.wait_for_url(f"{live_server}/")
    queue = f"{live_server}/programs/post-checkout/cases?team=care"
    deadline = time.monotonic() + QUEUE_WAIT_SECONDS
    owner.goto(queue)
    while owner.locator("table.case-queue a").count() == 0 and time.monotonic() < deadline:
        owner.wait_for_timeout(500)
        owner.goto(queue)
    assert owner.locator("table.case-queue a").count() == 1, "the case reaches the team's queue within 10 s"
    assert "help request" in owner.locator("table.case-queue").inner_text()
    screenshot(owner, "cases")
    assert_accessible(owner, "case queue")
    owner.locator("table.case-queue a").click()
    owner.wait_for_selector(".case-history")
    screenshot(owner, "case")
    assert_accessible(owner, "case page")
    owner.get_by_label("Reply to the customer").fill("Ana here: your parcel is found, it arrives tomorrow.")
    owner.get_by_role("button", name="Send reply").click()
    owner.wait_for_selector("text=reply sent")
    assert "waiting customer" in owner.locator(".case-status").inner_text()

    customer.reload()
    customer.wait_for_selector("#log .msg--out")
    assert bot_messages(customer)[-1].endswith("Ana here: your parcel is found, it arrives tomorrow.")
    send_quietly(customer, "Thank you Ana!")
    owner.reload()
    assert "in progress" in owner.locator(".case-status").inner_text()
    assert "customer replied" in owner.locator(".case-history").inner_text()

    owner.get_by_label("What was done").fill("Courier found the parcel")
    owner.get_by_role("button", name="Resolve").click()
    owner.wait_for_selector("text=follow up asked")
    customer.reload()
    customer.wait_for_selector("#log .msg--out")
    assert "Is this sorted for you now?" in bot_messages(customer)[-1]
    customer.get_by_label("Your reply").fill("9")
    customer.keyboard.press("Enter")
    customer.wait_for_selector("#message[disabled]")  # nothing waits for the customer any more

    owner.reload()
    assert "answered 9/10" in owner.locator(".case-facts").inner_text()
    case = only_case(container)
    assert (case.reason, case.status, case.follow_up_score) == ("help_request", "resolved", 9)
    assert errors == []
    owner_context.close()
