"""The web chat: page, widget, and the conversation API behind them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from askwhy.bootstrap import Container
from askwhy.store.tables import Conversation, Message, Response


def start(client: TestClient, program: str = "post-checkout", language: str = "en") -> dict:
    response = client.post("/v1/conversations", json={"program": program, "language": language})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(opened: dict) -> dict[str, str]:
    """The header that carries a conversation's token, from the answer that started it."""
    return {"Authorization": f"Bearer {opened['token']}"}


def say(client: TestClient, opened: dict, text: str, **extra: str) -> dict:
    response = client.post(
        f"/v1/conversations/{opened['conversation_id']}/messages",
        json={"text": text, **extra},
        headers=bearer(opened),
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_chat_page_is_served_with_accessible_controls_and_no_cdn(client: TestClient) -> None:
    page = client.get("/chat/post-checkout")
    assert page.status_code == 200
    html = page.text
    assert '<meta name="viewport"' in html
    assert 'aria-live="polite"' in html
    assert '<label for="message"' in html
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert all(url.startswith(str(client.base_url)) for url in external), external
    for asset in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html):
        assert client.get(asset).status_code == 200


def test_unknown_program_is_404(client: TestClient) -> None:
    assert client.get("/chat/nope").status_code == 404
    response = client.post("/v1/conversations", json={"program": "nope"})
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_widget_script_is_served(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert "data-program" in response.text or "dataset.program" in response.text


def test_conversation_asks_score_then_why_and_stores_the_answer(
    client: TestClient, container: Container
) -> None:
    opened = start(client)
    assert opened["status"] == "active"
    assert opened["messages"][-1]["question"] == "metric"
    assert len(opened["messages"][-1]["choices"]) == 11
    reply = say(client, opened, "9")
    assert reply["messages"][-1]["question"].startswith("why")
    with container.sessions() as session:
        response = session.scalars(select(Response)).one()
        assert response.score == 9
        assert response.band == "promoter"
        assert response.channel == "web"


def test_conversation_resumes_with_its_whole_transcript(client: TestClient) -> None:
    opened = start(client)
    say(client, opened, "6")
    again = client.get(f"/v1/conversations/{opened['conversation_id']}", headers=bearer(opened)).json()
    directions = [m["direction"] for m in again["messages"]]
    assert directions[:3] == ["out", "in", "out"]
    assert [m["seq"] for m in again["messages"]] == sorted(m["seq"] for m in again["messages"])


def test_a_retried_message_is_stored_once(client: TestClient, container: Container) -> None:
    opened = start(client)
    first = say(client, opened, "8", client_message_id="abc-1")
    retry = say(client, opened, "8", client_message_id="abc-1")
    assert not first["duplicate"]
    assert retry["duplicate"]
    assert retry["messages"] == []
    with container.sessions() as session:
        count = session.scalar(select(func.count()).select_from(Message).where(Message.direction == "in"))
    assert count == 1


def test_bad_input_names_the_field(client: TestClient) -> None:
    opened = start(client)
    url = f"/v1/conversations/{opened['conversation_id']}/messages"
    response = client.post(url, json={"txt": "hi"}, headers=bearer(opened))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"
    too_long = client.post(url, json={"text": "a" * 5001}, headers=bearer(opened))
    assert too_long.status_code == 422


def test_unknown_conversation_is_404(client: TestClient) -> None:
    response = client.post("/v1/conversations/0000/messages", json={"text": "hello"})
    assert response.status_code == 404


def test_spanish_conversation_is_answered_in_spanish(client: TestClient, container: Container) -> None:
    opened = start(client, language="es")
    say(client, opened, "nueve")
    with container.sessions() as session:
        conversation = session.scalars(select(Conversation)).one()
    assert conversation.language == "es"


def test_a_turn_reads_its_response_without_flushing_and_writes_in_one_flush(
    client: TestClient, container: Container
) -> None:
    opened = start(client)
    flushes: list[int] = []

    def count(session: object, _context: object) -> None:
        flushes.append(1)

    event.listen(container.sessions, "after_flush", count)
    try:
        reply = say(client, opened, "9")
    finally:
        event.remove(container.sessions, "after_flush", count)
    assert reply["messages"]
    assert len(flushes) == 1
    with container.sessions() as session:
        response = session.scalars(
            select(Response).where(Response.conversation_id == opened["conversation_id"])
        ).one()
        assert response.score == 9
