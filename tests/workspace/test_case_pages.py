"""The Cases tab: the queue per team and owner with its measures, the case page with its history and
redacted conversation, and the forms analysts use (viewers read only, other programs 404, CSRF)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.people import Role
from askwhy.programs.startup import sync_from_folder
from askwhy.service.app import create_app
from askwhy.settings import Settings
from tests.cases.conftest import PROGRAM, write_program
from tests.cases.helpers import accept_contact, cases, events, say, start
from tests.workspace.conftest import SignIn

QUEUE = "/programs/post-checkout/cases"


@pytest.fixture
def container(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Container]:
    folder = tmp_path / "programs"
    write_program(folder, PROGRAM)
    built = bootstrap(
        settings.model_copy(update={"programs_dir": folder, "rate_limit_conversation_starts": "1000/minute"}),
        clock=clock,
        embedder=HashingEmbedder(),
    )
    sync_from_folder(sessions=built.sessions, guides=built.guides, folder=folder, now=clock.now())
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def opened(client: TestClient) -> dict:
    """A detractor who accepted contact: their case is in the care team's queue."""
    return accept_contact(client)


def case_path(container: Container) -> str:
    [case] = cases(container)
    return f"{QUEUE}/{case.id}"


def test_the_queue_shows_the_case_with_its_filters_and_measures(
    opened: dict, container: Container, sign_in: SignIn, clock: FakeClock
) -> None:
    browser = sign_in(None, programs={"post-checkout": Role.VIEWER})
    [case] = cases(container)
    page = browser.get(QUEUE)
    assert page.status_code == 200
    assert 'href="/programs/post-checkout/cases" aria-current="page"' in page.text
    assert f'href="{QUEUE}/{case.id}"' in page.text
    assert "accepted contact" in page.text
    assert "Time to first response" in page.text
    assert f'href="{QUEUE}/{case.id}"' in browser.get(QUEUE, params={"team": "care"}).text
    assert f'href="{QUEUE}/{case.id}"' in browser.get(QUEUE, params={"owner": case.owner}).text
    assert case.id not in browser.get(QUEUE, params={"team": "vip"}).text
    assert case.id not in browser.get(QUEUE, params={"status": "resolved"}).text
    assert case.id not in browser.get(QUEUE, params={"overdue": "true"}).text
    clock.advance(days=10)  # well past the SLA in business hours
    browser = sign_in(None, programs={"post-checkout": Role.VIEWER})  # the old session has expired
    overdue = browser.get(QUEUE, params={"overdue": "true"}).text
    assert case.id in overdue
    assert 'class="overdue problem"' in overdue


def test_an_analyst_replies_and_resolves_from_the_case_page(
    opened: dict, client: TestClient, container: Container, sign_in: SignIn
) -> None:
    browser = sign_in(Role.ANALYST)
    path = case_path(container)
    page = browser.get(path)
    assert page.status_code == 200
    assert "(redacted, last turns)" in page.text
    token = browser.csrf(path)
    sent = browser.post(f"{path}/reply", data={"csrf": token, "text": "A new parcel leaves today."})
    assert (sent.status_code, sent.headers["location"]) == (303, path)
    assert "waiting customer" in browser.get(path).text
    shown = client.get(
        f"/v1/conversations/{opened['conversation_id']}",
        headers={"Authorization": f"Bearer {opened['token']}"},
    ).json()
    assert shown["messages"][-1]["text"] == "A new parcel leaves today."
    say(client, opened, "thanks!")
    assert "customer replied" in browser.get(path).text

    assert browser.post(f"{path}/notes", data={"csrf": token, "text": "Courier called"}).status_code == 303
    resolved = browser.post(f"{path}/resolve", data={"csrf": token, "note": "Reshipped"})
    assert resolved.status_code == 303
    [case] = cases(container)
    assert case.status == "resolved"
    kinds = [event.kind for event in events(container, case.id)]
    assert kinds[-5:] == ["reply_sent", "customer_replied", "note_added", "status_changed", "follow_up_asked"]
    say(client, opened, "8")
    assert "answered 8/10" in browser.get(path).text


def test_an_action_the_case_cannot_take_is_shown_with_its_reason(
    opened: dict, container: Container, sign_in: SignIn
) -> None:
    browser = sign_in(Role.ANALYST)
    path = case_path(container)
    token = browser.csrf(path)
    empty = browser.post(f"{path}/reply", data={"csrf": token, "text": "   "})
    assert empty.status_code == 422
    assert "text: write 1 to" in empty.text
    stranger = browser.post(f"{path}/assign", data={"csrf": token, "owner": "eve@example.com"})
    assert stranger.status_code == 422
    assert "is not a member or lead" in stranger.text
    browser.post(f"{path}/status", data={"csrf": token, "to": "closed"})
    refused = browser.post(f"{path}/status", data={"csrf": token, "to": "open"})
    assert refused.status_code == 409


def test_viewers_read_only_other_programs_404_and_forms_need_their_token(
    opened: dict, container: Container, sign_in: SignIn
) -> None:
    path = case_path(container)
    viewer = sign_in(None, programs={"post-checkout": Role.VIEWER})
    page = viewer.get(path)
    assert page.status_code == 200
    assert "Send reply" not in page.text
    token = viewer.csrf(path)
    assert viewer.post(f"{path}/reply", data={"csrf": token, "text": "hi"}).status_code == 403
    assert viewer.post(f"{path}/resolve", data={"csrf": token}).status_code == 403

    outsider = sign_in(None, programs={"other-program": Role.ADMIN})
    assert outsider.get(QUEUE).status_code == 404
    assert outsider.get(path).status_code == 404

    analyst = sign_in(Role.ANALYST)
    assert analyst.post(f"{path}/reply", data={"csrf": "0" * 64, "text": "hi"}).status_code == 403
    assert analyst.post(f"{path}/reply", data={"text": "hi"}).status_code == 403
    assert analyst.get(f"{QUEUE}/no-such-case").status_code == 404
    [case] = cases(container)
    elsewhere = f"/programs/trial-end/cases/{case.id}"  # a program the analyst sees, not the case's
    assert analyst.get(elsewhere).status_code == 404
    token = analyst.csrf(path)
    assert analyst.post(f"{elsewhere}/reply", data={"csrf": token, "text": "hi"}).status_code == 404
    [case] = cases(container)
    assert case.status == "open"


FORMS = {
    "assign": {"owner": "bruno@example.com"},
    "status": {"to": "in_progress"},
    "notes": {"text": "a note"},
    "reply": {"text": "hello"},
    "resolve": {"note": "done"},
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_case_form_refuses_viewers_other_programs_and_forged_posts(
    form: str, opened: dict, container: Container, sign_in: SignIn
) -> None:
    path = case_path(container)
    [case] = cases(container)
    viewer = sign_in(None, programs={"post-checkout": Role.VIEWER})
    assert viewer.post(f"{path}/{form}", data={"csrf": viewer.csrf(path), **FORMS[form]}).status_code == 403

    owner_elsewhere = sign_in(None, programs={"trial-end": Role.OWNER})
    token = owner_elsewhere.csrf("/")
    assert owner_elsewhere.get(path).status_code == 404
    assert owner_elsewhere.post(f"{path}/{form}", data={"csrf": token, **FORMS[form]}).status_code == 404
    stolen = f"/programs/trial-end/cases/{case.id}/{form}"  # the id carried over to a program they own
    assert owner_elsewhere.post(stolen, data={"csrf": token, **FORMS[form]}).status_code == 404

    analyst = sign_in(Role.ANALYST)
    assert analyst.post(f"{path}/{form}", data=FORMS[form]).status_code == 403
    other_person = sign_in(Role.ANALYST).csrf(path)  # a token of another person's session
    assert analyst.post(f"{path}/{form}", data={"csrf": other_person, **FORMS[form]}).status_code == 403

    [after] = cases(container)
    assert (after.status, after.owner) == ("open", case.owner)
    assert [event.kind for event in events(container, case.id)] == ["opened", "assigned"]


def test_case_forms_and_the_cases_api_refuse_oversized_bodies_before_reading_them(
    opened: dict, client: TestClient, container: Container, sign_in: SignIn
) -> None:
    path = case_path(container)
    analyst = sign_in(Role.ANALYST)
    huge = "x" * (container.settings.body_limit_bytes + 1)
    assert analyst.post(f"{path}/notes", data={"csrf": analyst.csrf(path), "text": huge}).status_code == 413
    [case] = cases(container)
    too_big = client.post(
        f"/v1/cases/{case.id}/notes", content=huge, headers={"Content-Type": "application/json"}
    )
    assert too_big.status_code == 413  # before the key is even checked
    long_note = analyst.post(f"{path}/notes", data={"csrf": analyst.csrf(path), "text": "y" * 5001})
    assert long_note.status_code == 422  # within the body limit, over the note's own
    assert [event.kind for event in events(container, case.id)] == ["opened", "assigned"]


def test_the_measures_show_each_team_with_its_times_sla_and_recovered_share(
    opened: dict, client: TestClient, container: Container, sign_in: SignIn, clock: FakeClock
) -> None:
    path = case_path(container)
    clock.advance(hours=2)
    browser = sign_in(Role.ANALYST)
    token = browser.csrf(path)
    assert browser.post(f"{path}/notes", data={"csrf": token, "text": "Calling"}).status_code == 303
    clock.advance(hours=1)
    assert browser.post(f"{path}/resolve", data={"csrf": token, "note": "Reshipped"}).status_code == 303
    say(client, opened, "8")  # the detractor's follow-up answer: passive, so recovered
    page = browser.get(QUEUE).text
    table = page[page.index('<table class="case-measures">') :]
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [
                " ".join(re.sub(r"<[^>]+>", " ", cell).split())
                for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            ]
            for row in re.findall(r"<tr>(.*?)</tr>", table[: table.index("</table>")], flags=re.S)
        )
    }
    expected = ["1", "0", "2.0", "3.0", "100% of 1", "100% of 1"]
    assert rows["All teams"] == expected
    assert rows["care"] == expected


def test_a_case_whose_customer_refused_contact_is_marked_and_offers_no_reply(
    client: TestClient, container: Container, sign_in: SignIn
) -> None:
    opened = start(client)
    say(client, opened, "8")
    say(client, opened, "my order never arrived, but no need to call me")
    say(client, opened, "that's all")
    browser = sign_in(Role.ANALYST)
    assert "do not contact" in browser.get(QUEUE).text
    path = case_path(container)
    page = browser.get(path).text
    assert "Do not contact: the customer refused contact" in page
    assert '/reply"' not in page  # the reply form gives way to the mark
    assert '/notes"' in page  # the team still works the case
    refused = browser.post(f"{path}/reply", data={"csrf": browser.csrf(path), "text": "Hello?"})
    assert refused.status_code == 422
    assert "asked not to be contacted" in refused.text
    [case] = cases(container)
    assert case.status == "open"
