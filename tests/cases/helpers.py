"""Reading cases back from the store, and talking to the web chat as a customer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.store.case_tables import Case, CaseEvent


def start(client: TestClient, language: str = "en") -> dict:
    response = client.post("/v1/conversations", json={"program": "post-checkout", "language": language})
    assert response.status_code == 201, response.text
    return response.json()


def say(client: TestClient, opened: dict, text: str) -> dict:
    response = client.post(
        f"/v1/conversations/{opened['conversation_id']}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {opened['token']}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def accept_contact(client: TestClient) -> dict:
    """A detractor who explains, then says yes to the close-the-loop offer."""
    opened = start(client)
    answers = (
        "3", "my parcel arrived late and the box was crushed", "it ruined a gift, very annoying", "yes",
        "text me when it is late", "no",
    )  # fmt: skip
    for text in answers:
        reply = say(client, opened, text)
        if reply["messages"][-1]["question"] == "close_the_loop":
            break
    assert reply["messages"][-1]["question"] == "close_the_loop", reply
    assert say(client, opened, "yes please")["status"] == "completed"
    return opened


def cases(container: Container) -> list[Case]:
    with container.sessions() as session:
        return list(session.scalars(select(Case).order_by(Case.opened_at, Case.id)))


def events(container: Container, case_id: str) -> list[CaseEvent]:
    with container.sessions() as session:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        return list(session.scalars(query))
