"""A program worth looking at in the browser: a few hundred analysed responses with themes and chats.

Everything goes through askwhy's own paths: the comments are imported as a team would import its
survey export, analysed and themed by the use cases the worker runs, and the conversations are
web chats a customer had through the public chat API.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import httpx

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.domain.scales import Metric
from askwhy.insights import analyse_responses, importing, propose_themes
from askwhy.insights.feedback_files import ColumnMapping
from askwhy.people import accounts

PROGRAM = "post-checkout"
PASSWORD = "correct horse battery staple"
EMAIL = "jane.doe@example.com"
SECRET_ANSWER = f"The parcel came late, write to {EMAIL} about it please"
PHRASES = {
    "delivery": ["the delivery was late", "shipping took two weeks", "my parcel arrived late again"],
    "staff": ["the support agent was rude", "staff were rude and unhelpful", "rude support on the phone"],
    "price": ["great price for the quality", "the price is fair", "cheap price and good value"],
    "checkout": ["checkout was quick", "paying at checkout was easy", "the checkout page is simple"],
}
MAPPING = ColumnMapping(
    text="comment", score="score", metric=Metric.NPS, date="date", id="id", segments=("plan",)
)


@dataclass(frozen=True)
class Person:
    email: str
    password: str = PASSWORD


def write_comments(path: Path, rows: int = 240) -> Path:
    """Comments from September to December 2025; late deliveries grow in December and pull NPS down."""
    themes = list(PHRASES)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "comment", "score", "date", "plan"])
        for i in range(rows):
            month = 9 + (i * 4) // rows
            first = "delivery" if month == 12 and i % 3 else themes[i % 4]
            second = themes[(i // 4 + 1 + i) % 4]
            if second == first:
                second = themes[(themes.index(first) + 1) % 4]
            text = f"{PHRASES[first][i % 3].capitalize()}. {PHRASES[second][(i // 3) % 3].capitalize()}."
            if i % 40 == 0:
                text += f" Mail me at {EMAIL}."
            bad = any(word in text for word in ("late", "rude", "weeks"))
            score = (1 + i % 6) if bad else (8 + i % 3)
            writer.writerow(
                [f"r{i}", text, score, f"2025-{month:02d}-{1 + i % 28:02d}", ["free", "plus"][i % 2]]
            )
    return path


def chat(base_url: str, replies: tuple[str, ...] = ("3", SECRET_ANSWER, "that's all", "no")) -> str:
    """A web chat through the public API, as the widget has it; the conversation's id."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        opened = client.post("/v1/conversations", json={"program": PROGRAM, "language": "en"}).json()
        headers = {"Authorization": f"Bearer {opened['token']}"}
        reply = opened
        for text in replies:
            if reply["status"] != "active":
                break
            answer = client.post(
                f"/v1/conversations/{opened['conversation_id']}/messages",
                json={"text": text},
                headers=headers,
            )
            reply = answer.raise_for_status().json()
    return str(opened["conversation_id"])


def seed(container: Container, *, tmp_path: Path, base_url: str) -> str:
    """Import, analyse and theme the comments, and hold one web chat; the chat's conversation id."""
    importing.import_feedback(
        sessions=container.sessions, path=write_comments(tmp_path / "comments.csv"), mapping=MAPPING,
        program=PROGRAM, channel="import", now=container.clock.now(),
    )  # fmt: skip
    conversation = chat(base_url)
    rule = container.assignment_rule
    analyse_responses.enrich_pending(
        sessions=container.sessions, enricher=container.enricher, rule=rule, now=container.clock.now
    )
    with container.sessions.begin() as session:
        propose_themes.discover(session=session, rule=rule, now=container.clock.now(), min_theme_size=5)
    return conversation


def person(container: Container, role: Role) -> Person:
    """An account with a password, as `askwhy users create` makes it."""
    email = f"{role.value}@example.com"
    with container.sessions.begin() as session:
        accounts.create_person(
            session=session, email=email, name=f"Sam {role.value.title()}", role=role, password=PASSWORD,
            now=container.clock.now(),
        )  # fmt: skip
    return Person(email)
