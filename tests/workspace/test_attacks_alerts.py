"""Attacks on the Alerts tab's forms (acknowledge, snooze, resolve), through the real app: a stolen or
guessed alert id, a viewer or someone of another program acting, a missing or borrowed CSRF token,
an oversized body, and hostile text in a note or in an alert's evidence."""

# The fixtures of test_alert_pages are imported, then named as the tests' arguments.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from sqlalchemy import update

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.store.alert_tables import AlertRow
from tests.workspace.conftest import SignIn
from tests.workspace.test_alert_pages import PAGE, container, open_alert, state_of  # noqa: F401

FORMS = {"acknowledge": {}, "snooze": {"duration": "1d"}, "resolve": {"note": "done"}}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_an_alert_of_another_program_is_not_found_never_forbidden(
    form: str, container: Container, sign_in: SignIn
) -> None:
    ours = open_alert(container)
    theirs = open_alert(container, program="onboarding")
    analyst = sign_in(None, programs={"post-checkout": Role.ANALYST})
    token = analyst.csrf(PAGE)
    stolen = analyst.post(f"{PAGE}/{theirs}/{form}", data={"csrf": token, **FORMS[form]})
    guessed = analyst.post(f"{PAGE}/alert-that-never-was/{form}", data={"csrf": token, **FORMS[form]})
    assert (stolen.status_code, guessed.status_code) == (404, 404)
    assert stolen.text == guessed.text.replace("alert-that-never-was", theirs), "the same answer as no alert"

    elsewhere = sign_in(None, programs={"onboarding": Role.OWNER})
    their_token = elsewhere.csrf("/programs/onboarding/alerts")
    assert elsewhere.get(PAGE).status_code == 404
    assert (
        elsewhere.post(f"{PAGE}/{ours}/{form}", data={"csrf": their_token, **FORMS[form]}).status_code == 404
    )
    carried = f"/programs/onboarding/alerts/{ours}/{form}"  # our id under a program they own
    assert elsewhere.post(carried, data={"csrf": their_token, **FORMS[form]}).status_code == 404
    assert (state_of(container, ours).state, state_of(container, theirs).state) == ("open", "open")


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_viewer_is_refused_alike_for_a_real_and_a_guessed_alert(
    form: str, container: Container, sign_in: SignIn
) -> None:
    ours = open_alert(container)
    viewer = sign_in(None, programs={"post-checkout": Role.VIEWER})
    token = viewer.csrf("/")
    real = viewer.post(f"{PAGE}/{ours}/{form}", data={"csrf": token, **FORMS[form]})
    guessed = viewer.post(f"{PAGE}/alert-that-never-was/{form}", data={"csrf": token, **FORMS[form]})
    assert (real.status_code, guessed.status_code) == (403, 403), "a 403 here confirms nothing"
    assert state_of(container, ours).state == "open"


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_needs_the_sessions_own_csrf_token(
    form: str, container: Container, sign_in: SignIn
) -> None:
    ours = open_alert(container)
    analyst = sign_in(None, programs={"post-checkout": Role.ANALYST})
    borrowed = sign_in(None, programs={"post-checkout": Role.ANALYST}).csrf(PAGE)
    for data in ({}, {"csrf": ""}, {"csrf": "0" * 64}, {"csrf": borrowed}):
        assert analyst.post(f"{PAGE}/{ours}/{form}", data={**data, **FORMS[form]}).status_code == 403, data
    signed_out = analyst.__class__(analyst.app, follow_redirects=False)
    assert signed_out.post(f"{PAGE}/{ours}/{form}", data={"csrf": borrowed, **FORMS[form]}).status_code in {
        303,
        403,
        404,
    }
    assert state_of(container, ours).state == "open"


@pytest.mark.parametrize("form", sorted(FORMS))
def test_an_oversized_form_is_refused_before_it_is_read(
    form: str, container: Container, sign_in: SignIn
) -> None:
    ours = open_alert(container)
    analyst = sign_in(None, programs={"post-checkout": Role.ANALYST})
    huge = "x" * (container.settings.body_limit_bytes + 1)
    answer = analyst.post(f"{PAGE}/{ours}/{form}", data={"csrf": analyst.csrf(PAGE), "note": huge})
    assert answer.status_code == 413
    assert state_of(container, ours).state == "open"


def test_a_note_too_long_or_holding_a_nul_is_refused_and_other_control_characters_kept_as_text(
    container: Container, sign_in: SignIn
) -> None:
    ours = open_alert(container)
    analyst = sign_in(None, programs={"post-checkout": Role.ANALYST})
    token = analyst.csrf(PAGE)
    too_long = analyst.post(f"{PAGE}/{ours}/resolve", data={"csrf": token, "note": "n" * 2001})
    assert too_long.status_code == 422
    assert state_of(container, ours).state == "open"
    with_nul = analyst.post(f"{PAGE}/{ours}/resolve", data={"csrf": token, "note": f"done\x00{SCRIPT}"})
    assert with_nul.status_code == 400, "no database error (PostgreSQL refuses a NUL in text)"
    assert with_nul.json()["errors"] == [{"field": "note", "message": "holds a NUL character"}]
    assert state_of(container, ours).state == "open"
    hostile = analyst.post(f"{PAGE}/{ours}/resolve", data={"csrf": token, "note": f"{SCRIPT}\x1b[31m"})
    assert hostile.status_code == 303
    assert state_of(container, ours).note == f"{SCRIPT}\x1b[31m"
    page = analyst.get(PAGE, params={"state": "resolved"})
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text


SCRIPT = "<script>alert(1)</script>"


def test_html_in_an_alerts_label_and_quotes_is_shown_as_text(container: Container, sign_in: SignIn) -> None:
    ours = open_alert(container)
    with container.sessions.begin() as session:
        row = session.get(AlertRow, ours)
        assert row is not None
        evidence = dict(row.evidence)
        evidence["what"] = f"{SCRIPT} what moved"
        evidence["quotes"] = [{**evidence["quotes"][0], "text": f'<img src=x onerror="alert(2)"> {SCRIPT}'}]
        session.execute(
            update(AlertRow).where(AlertRow.id == ours).values(label=f"{SCRIPT} late", evidence=evidence)
        )
    viewer = sign_in(None, programs={"post-checkout": Role.VIEWER})
    page = viewer.get(PAGE)
    assert page.status_code == 200
    assert "<script>" not in page.text.split("</head>")[1]
    assert "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; late" in page.text


@pytest.mark.parametrize("state", ["<script>", "open' OR '1'='1", "x" * 25])
def test_a_hostile_state_filter_is_a_clear_refusal(state: str, container: Container, sign_in: SignIn) -> None:
    viewer = sign_in(None, programs={"post-checkout": Role.VIEWER})
    answer = viewer.get(PAGE, params={"state": state})
    assert answer.status_code == 422
    assert "<script>" not in answer.text
