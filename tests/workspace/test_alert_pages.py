"""The Alerts tab: a program's alerts with their evidence and redacted quotes for everyone with a role
in it; acknowledge, snooze and resolve for analysts and above (viewers read only, CSRF, other
programs' alerts 404, a resolved alert 409)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.alerts import AlertQuote, Evidence, evidence_to_json
from askwhy.domain.people import Role
from askwhy.settings import Settings
from askwhy.store import alerts
from askwhy.store.alert_tables import AlertRow
from askwhy.store.alerts import EpisodeKey, NewAlert
from tests.alerts.streams import add_late_theme, seed_history
from tests.workspace.conftest import SignIn

PAGE = "/programs/post-checkout/alerts"


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    """Two programs with responses; one open alert in each."""
    built = bootstrap(settings, clock=clock, embedder=HashingEmbedder())
    add_late_theme(built)
    seed_history(built, days=2, per_day=5)
    seed_history(built, days=2, per_day=5, program="onboarding", first_sentence=20_000_000)
    yield built
    built.close()


def open_alert(container: Container, program: str = "post-checkout") -> str:
    now = container.clock.now()
    evidence = Evidence(
        what="late delivery: 35.0% of responses today (14 of 40), up from 4.9%",
        value=0.35, baseline=0.049, low=3.1, high=None, since=now, n=40, baseline_n=2240,
        test="beta-binomial upper tail: p=1e-09", p_value=1e-9,
        quotes=(AlertQuote("The delivery was three days late, write to me at [email] about it.", "r1", now),),
    )  # fmt: skip
    with container.sessions.begin() as session:
        row = alerts.open_alert(
            session=session,
            alert=NewAlert(EpisodeKey(program, "rising_theme", "late", ""), "late delivery", {}, "high",
                           evidence_to_json(evidence)),
            now=now,
        )  # fmt: skip
        assert row is not None
        return row.id


def state_of(container: Container, alert_id: str) -> AlertRow:
    with container.reads() as session:
        row = session.scalar(select(AlertRow).where(AlertRow.id == alert_id))
        assert row is not None
        return row


def test_a_viewer_reads_the_alerts_with_their_evidence_but_has_no_forms(
    container: Container, sign_in: SignIn
) -> None:
    alert_id = open_alert(container)
    browser = sign_in(None, programs={"post-checkout": Role.VIEWER})

    page = browser.get(PAGE)

    assert page.status_code == 200
    assert f'href="{PAGE}" aria-current="page"' in page.text
    assert "late delivery: 35.0% of responses today (14 of 40), up from 4.9%" in page.text
    assert "write to me at [email] about it" in page.text
    assert "beta-binomial upper tail" in page.text
    assert f"{PAGE}/{alert_id}/acknowledge" not in page.text
    token = browser.csrf(PAGE)
    refused = browser.post(f"{PAGE}/{alert_id}/acknowledge", data={"csrf": token})
    assert refused.status_code == 403
    assert state_of(container, alert_id).state == "open"


def test_an_analyst_acknowledges_snoozes_and_resolves(
    container: Container, sign_in: SignIn, clock: FakeClock
) -> None:
    alert_id = open_alert(container)
    browser = sign_in(None, programs={"post-checkout": Role.ANALYST}, name="ana")
    token = browser.csrf(PAGE)

    acknowledged = browser.post(f"{PAGE}/{alert_id}/acknowledge", data={"csrf": token})
    assert (acknowledged.status_code, acknowledged.headers["location"]) == (303, PAGE)
    row = state_of(container, alert_id)
    assert (row.state, row.acknowledged_by) == ("acknowledged", "ana-0@example.com")

    snoozed = browser.post(f"{PAGE}/{alert_id}/snooze", data={"csrf": token, "duration": "1d"})
    assert snoozed.status_code == 303
    row = state_of(container, alert_id)
    assert row.state == "snoozed"
    assert row.snoozed_until is not None
    assert abs(
        row.snoozed_until.replace(tzinfo=None) - (clock.now() + timedelta(days=1)).replace(tzinfo=None)
    ) < (timedelta(seconds=1))
    assert "until" in browser.get(PAGE, params={"state": "snoozed"}).text

    resolved = browser.post(f"{PAGE}/{alert_id}/resolve", data={"csrf": token, "note": "courier replaced"})
    assert resolved.status_code == 303
    row = state_of(container, alert_id)
    assert (row.state, row.resolved_by, row.note) == ("resolved", "ana-0@example.com", "courier replaced")
    page = browser.get(PAGE).text
    assert f"{PAGE}/{alert_id}/snooze" not in page, "a resolved alert has no forms"

    again = browser.post(f"{PAGE}/{alert_id}/acknowledge", data={"csrf": token})
    assert again.status_code == 409
    assert "was resolved" in again.text


def test_forms_need_their_token_a_known_duration_and_the_programs_own_alert(
    container: Container, sign_in: SignIn
) -> None:
    alert_id = open_alert(container)
    elsewhere = open_alert(container, program="onboarding")
    browser = sign_in(None, programs={"post-checkout": Role.ANALYST, "onboarding": Role.VIEWER})
    token = browser.csrf(PAGE)

    assert browser.post(f"{PAGE}/{alert_id}/acknowledge", data={"csrf": "0" * 64}).status_code == 403
    bad = browser.post(f"{PAGE}/{alert_id}/snooze", data={"csrf": token, "duration": "forever"})
    assert bad.status_code == 422
    assert "duration: one of 4h, 1d, 3d, 7d" in bad.text
    assert browser.post(f"{PAGE}/{elsewhere}/acknowledge", data={"csrf": token}).status_code == 404
    assert browser.post(f"{PAGE}/no-such-alert/resolve", data={"csrf": token}).status_code == 404
    assert state_of(container, alert_id).state == "open"
    assert state_of(container, elsewhere).state == "open"
    assert browser.get(PAGE, params={"state": "sleeping"}).status_code == 422


def test_a_program_without_a_role_is_not_found(container: Container, sign_in: SignIn) -> None:
    open_alert(container)
    browser = sign_in(None, programs={"onboarding": Role.ANALYST})
    assert browser.get(PAGE).status_code == 404
    assert "no alert" in browser.get("/programs/onboarding/alerts").text.lower()
