# The workspace's sign_in fixture is imported, then named as the tests' argument.
# ruff: noqa: F811
"""Attacks on the cases API and the case forms, through the real app: a guessed case id, a key without
the scope or no key at all, hostile JSON (deep nesting, NUL, huge strings, the wrong shape), and
HTML in a note or a reply, which the case page shows as text."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.service import api_keys
from tests.workspace.conftest import (
    SignIn,
    sign_in,  # noqa: F401 (a fixture)
)

from .helpers import accept_contact, cases, events

WRITES = {
    "assign": {"owner": "bruno@example.com"},
    "status": {"status": "in_progress"},
    "notes": {"note": "a note"},
    "reply": {"text": "hello"},
    "resolve": {"note": "done"},
}
SCRIPT = "<script>alert(1)</script>"


def key(container: Container, *scopes: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(session=session, name="crm", scopes=scopes, now=container.clock.now())
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def case_id(client: TestClient, container: Container) -> str:
    accept_contact(client)
    [case] = cases(container)
    return case.id


def untouched(container: Container, case_id: str) -> None:
    [case] = cases(container)
    assert (case.status, case.owner) == ("open", "ana@example.com")
    assert [event.kind for event in events(container, case_id)] == ["opened", "assigned"]


@pytest.mark.parametrize("route", sorted(WRITES))
def test_a_guessed_case_is_404_and_a_key_without_the_scope_or_no_key_changes_nothing(
    route: str, client: TestClient, container: Container, case_id: str
) -> None:
    writer = key(container, "cases:write")
    guessed = client.post(f"/v1/cases/{case_id[:-1]}x/{route}", json=WRITES[route], headers=writer)
    assert guessed.status_code == 404
    assert guessed.json() == {"detail": "case not found"}
    assert client.post(f"/v1/cases/{case_id}/{route}", json=WRITES[route]).status_code == 401
    wrong = {"Authorization": "Bearer " + "k" * 40}
    assert client.post(f"/v1/cases/{case_id}/{route}", json=WRITES[route], headers=wrong).status_code == 401
    reader = client.post(f"/v1/cases/{case_id}/{route}", json=WRITES[route], headers=key(container, "read"))
    assert reader.status_code == 403
    assert "cases:write" in reader.text
    untouched(container, case_id)


def _nested(depth: int) -> str:
    return '{"text": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (_nested(5000), 400, "the JSON body is refused"),
        ('{"text": "hello\\u0000there"}', 400, "text"),
        ('{"text": "\\ud800"}', 400, "text"),
        ('{"text": "' + "x" * 2001 + '"}', 422, "text"),
        ('{"text": ["hello"]}', 422, "text"),
        ('["hello"]', 422, "body"),
        ('{"text": "hello"', 400, "JSON"),
    ],
    ids=["deep", "nul", "surrogate", "too-long", "list", "not-an-object", "truncated"],
)
def test_a_hostile_reply_body_is_a_clear_4xx_and_nothing_is_sent(
    body: str, status: int, says: str, client: TestClient, container: Container, case_id: str
) -> None:
    headers = {**key(container, "cases:write"), "Content-Type": "application/json"}
    answer = client.post(f"/v1/cases/{case_id}/reply", content=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert says in answer.text
    untouched(container, case_id)


def test_a_reply_over_the_body_limit_is_413_before_the_key_is_checked(
    client: TestClient, container: Container, case_id: str
) -> None:
    huge = '{"text": "' + "x" * container.settings.body_limit_bytes + '"}'
    answer = client.post(
        f"/v1/cases/{case_id}/reply", content=huge, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    untouched(container, case_id)


def test_html_in_a_note_and_a_reply_is_shown_as_text_on_the_case_page(
    container: Container, case_id: str, sign_in: SignIn
) -> None:
    path = f"/programs/post-checkout/cases/{case_id}"
    analyst = sign_in(Role.ANALYST)
    token = analyst.csrf(path)
    noted = analyst.post(
        f"{path}/notes", data={"csrf": token, "text": f'{SCRIPT}<img src=x onerror="alert(2)">'}
    )
    assert noted.status_code == 303, noted.text
    replied = analyst.post(f"{path}/reply", data={"csrf": token, "text": f"{SCRIPT} sorry"})
    assert replied.status_code == 303, replied.text
    page = analyst.get(path)
    assert page.status_code == 200
    body = page.text.split("</head>")[1]
    assert not re.search(r"<script>alert|<img src=x", body)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    queue = analyst.get("/programs/post-checkout/cases")
    assert "<script>alert" not in queue.text


def test_a_nul_in_a_case_form_is_a_400_naming_the_field(
    container: Container, case_id: str, sign_in: SignIn
) -> None:
    path = f"/programs/post-checkout/cases/{case_id}"
    analyst = sign_in(Role.ANALYST)
    answer = analyst.post(f"{path}/notes", data={"csrf": analyst.csrf(path), "text": "a\x00b"})
    assert answer.status_code == 400
    assert "text" in answer.json()["detail"]
    untouched(container, case_id)
