"""A large, realistic program for the workspace benchmark, written straight into the store's tables.

100,000 NPS responses over 180 days on three channels, each with its conversation (four
messages), its analysis, one or two sentences with 384-dimension embeddings, and mentions of a
two-level codebook of 50 accepted themes (10 top-level themes with 4 subthemes each). Rows go in
with bulk Core inserts, in batches, so seeding takes a minute or two rather than the hours the
interviewer and the analysis would take to produce the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, Table, insert
from sqlalchemy import text as sql
from sqlalchemy.orm import Session, sessionmaker

from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, Theme, ThemeMention
from askwhy.store.tables import Conversation, Message, Response

PROGRAM = "post-checkout"
CHANNELS = ("web", "whatsapp", "sms")
LANGUAGES = ("en", "en", "en", "fr", "de")
PLANS = ("free", "plus", "business")
REGIONS = ("EU", "US", "APAC")
DAYS = 180
DIMENSIONS = 384
BATCH = 5_000
TOPICS = {
    "Delivery": ("late parcel", "tracking updates", "courier manners", "damaged box"),
    "Checkout": ("card declined", "promo codes", "slow payment page", "guest checkout"),
    "Price": ("shipping fees", "value for money", "discounts", "price changes"),
    "Support": ("rude agent", "long wait", "helpful staff", "no reply to e-mail"),
    "Returns": ("refund delay", "return label", "exchange size", "return fees"),
    "Product quality": ("broken item", "good material", "colour differs", "size runs small"),
    "Website": ("search results", "site speed", "mobile app", "account login"),
    "Stock": ("out of stock", "back in stock alerts", "wrong item sent", "missing item"),
    "Packaging": ("too much plastic", "gift wrapping", "eco packaging", "box too big"),
    "Loyalty": ("points balance", "member prices", "birthday offer", "newsletter"),
}


@dataclass
class Codebook:
    """The seeded themes: ids of the top-level themes, each with its subthemes' ids and centroids."""

    tops: list[str] = field(default_factory=list)
    subs: dict[str, list[str]] = field(default_factory=dict)
    centroids: dict[str, np.ndarray] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def seed(engine: Engine, *, responses: int = 100_000, now: datetime | None = None) -> None:
    """Write ``responses`` responses of ``PROGRAM`` with everything the workspace pages read."""
    now = now or datetime.now(UTC)
    rng = random.Random(20260101)
    vectors = np.random.default_rng(7)
    book = _codebook(vectors, now=now)
    with engine.begin() as connection:
        connection.execute(insert(_table(Theme)), list(_theme_rows(book, now=now)))
    sentence_id = 0
    for start in range(0, responses, BATCH):
        rows = _Batch()
        for index in range(start, min(start + BATCH, responses)):
            sentence_id = rows.add(
                index, rng=rng, vectors=vectors, book=book, now=now, sentence_id=sentence_id
            )
        rows.write(engine)


class _Batch:
    """The rows of every table for a slice of responses, written in one transaction."""

    def __init__(self) -> None:
        self.tables: dict[Table, list[dict[str, Any]]] = {
            _table(t): [] for t in (Conversation, Message, Response, ResponseAnalysis, Sentence, ThemeMention)
        }

    def add(
        self,
        index: int,
        *,
        rng: random.Random,
        vectors: np.random.Generator,
        book: Codebook,
        now: datetime,
        sentence_id: int,
    ) -> int:
        at = now - timedelta(seconds=rng.uniform(0, DAYS * 86_400))
        top = rng.choice(book.tops)
        sub = rng.choice(book.subs[top])
        score = _score(rng, troubled=book.tops.index(top) % 3 == 0)
        band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        channel, language = rng.choice(CHANNELS), rng.choice(LANGUAGES)
        comment = f"Mostly about {book.labels[sub]}: it shaped my {band} score of {score}."
        ids = f"{index:08d}{rng.getrandbits(96):024x}"
        conversation, response = "c" + ids[1:], "r" + ids[1:]
        self._conversation(
            conversation, channel=channel, language=language, at=at, score=score, comment=comment
        )
        self.tables[_table(Response)].append({
            "id": response, "conversation_id": conversation, "contact_id": None, "program": PROGRAM,
            "guide_id": PROGRAM, "channel": channel, "metric": "nps", "score": score, "band": band,
            "answers": [{"question": "score", "text": str(score)}, {"question": "why", "text": comment}],
            "comment": comment, "source": "conversation", "external_id": None, "language": language,
            "completion": "completed" if rng.random() < 0.9 else "partial", "close_the_loop": None,
            "simulated": False, "segment": {"plan": rng.choice(PLANS), "region": rng.choice(REGIONS)},
            "responded_at": at, "updated_at": at, "raw_purged_at": None,
        })  # fmt: skip
        feeling = (score - 5) / 5
        self.tables[_table(ResponseAnalysis)].append({
            "response_id": response, "text": comment, "pii_found": [], "language": language,
            "sentiment": _sentiment(feeling), "sentiment_score": feeling, "sentences": 1, "model": "bench",
            "enriched_at": at,
        })  # fmt: skip
        themes = [(top, sub)] + (
            [(t := rng.choice(book.tops), rng.choice(book.subs[t]))] if rng.random() < 0.5 else []
        )
        for position, (parent, child) in enumerate(dict.fromkeys(themes)):
            sentence_id += 1
            vector = book.centroids[child] + vectors.normal(0, 0.04, DIMENSIONS)
            vector /= np.linalg.norm(vector)
            self.tables[_table(Sentence)].append({
                "id": sentence_id, "response_id": response, "position": position, "kind": "sentence",
                "text": comment if position == 0 else f"Also {book.labels[child]}.", "sentiment": _sentiment(feeling),
                "sentiment_score": feeling, "embedding": vector.astype(np.float32).tobytes(), "theme_state": "themed",
            })  # fmt: skip
            polarity = (feeling > 0.1) - (feeling < -0.1)
            for theme in (parent, child):
                self.tables[_table(ThemeMention)].append({
                    "sentence_id": sentence_id, "theme_id": theme, "response_id": response,
                    "similarity": 0.8, "polarity": polarity,
                })  # fmt: skip
        return sentence_id

    def _conversation(
        self, conversation: str, *, channel: str, language: str, at: datetime, score: int, comment: str
    ) -> None:
        self.tables[_table(Conversation)].append({
            "id": conversation, "contact_id": None, "program": PROGRAM, "guide_id": PROGRAM, "channel": channel,
            "status": "completed", "language": language, "state": {}, "simulated": False,
            "started_at": at - timedelta(minutes=3), "last_activity_at": at, "ended_at": at,
            "channel_address": None, "reply_window_until": None,
        })  # fmt: skip
        turns = [
            ("out", "How likely are you to recommend us to a friend?", "score"),
            ("in", str(score), "score"),
            ("out", "What is the main reason for your score?", "why"),
            ("in", comment, "why"),
        ]
        for seq, (direction, text, question) in enumerate(turns, start=1):
            self.tables[_table(Message)].append({
                "conversation_id": conversation, "seq": seq, "direction": direction, "channel": channel,
                "text": text, "question": question, "choices": [], "media_type": None, "provider_message_id": None,
                "status": "received" if direction == "in" else "delivered", "to_address": None,
                "idempotency_key": None, "attempts": 0, "next_attempt_at": None, "sent_at": None,
                "delivered_at": None, "read_at": None, "error_code": None, "error_reason": None,
                "processed_at": at if direction == "in" else None, "payload": {}, "raw_purged_at": None,
                "created_at": at - timedelta(minutes=3 - seq * 0.5),
            })  # fmt: skip

    def write(self, engine: Engine) -> None:
        with engine.begin() as connection:
            for table, rows in self.tables.items():
                if rows:
                    connection.execute(insert(table), rows)


def advance_sequences(engine: Engine) -> None:
    """PostgreSQL: move the sentences' id sequence past the ids the seeding wrote itself, so that
    sentences added later through the ORM get fresh ids (SQLite needs nothing)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        connection.execute(
            sql("SELECT setval(pg_get_serial_sequence('sentences', 'id'), (SELECT max(id) FROM sentences))")
        )


def code_new_response(sessions: sessionmaker[Session], *, number: int, now: datetime) -> None:
    """A change as the analysis makes one: a new response stored, analysed and coded into a theme
    and its subtheme, in one transaction through a writing session (which marks its day cell stale)."""
    rng = random.Random(number)
    top = f"t{rng.randrange(len(TOPICS)):02d}"
    child = f"{top}s{rng.randrange(4)}" + "0" * 26
    score = rng.randrange(11)
    feeling = (score - 5) / 5
    at = now + timedelta(seconds=number)
    comment = f"A new answer, number {number}, with a score of {score}."
    with sessions.begin() as session:
        response = Response(
            program=PROGRAM, guide_id=PROGRAM, channel="web", metric="nps", score=score,
            band="promoter" if score >= 9 else "passive" if score >= 7 else "detractor",
            answers=[{"question": "why", "text": comment}], comment=comment, language="en",
            completion="completed", segment={"plan": "plus", "region": "EU"}, responded_at=at, updated_at=at,
        )  # fmt: skip
        session.add(response)
        session.flush()
        session.add(ResponseAnalysis(
            response_id=response.id, text=comment, language="en", sentiment=_sentiment(feeling),
            sentiment_score=feeling, sentences=1, model="bench", enriched_at=at,
        ))  # fmt: skip
        sentence = Sentence(
            response_id=response.id, position=0, kind="sentence", text=comment, sentiment=_sentiment(feeling),
            sentiment_score=feeling, embedding=np.zeros(DIMENSIONS, np.float32).tobytes(), theme_state="themed",
        )  # fmt: skip
        session.add(sentence)
        session.flush()
        for theme in (top + "0" * 29, child):
            session.add(ThemeMention(
                sentence_id=sentence.id, theme_id=theme, response_id=response.id, similarity=0.8,
                polarity=(feeling > 0.1) - (feeling < -0.1),
            ))  # fmt: skip


def rename_theme(sessions: sessionmaker[Session], *, number: int, now: datetime) -> None:
    """A codebook edit: a subtheme renamed (its label and time of change)."""
    theme_id = f"t{number % len(TOPICS):02d}s{number % 4}" + "0" * 26
    with sessions.begin() as session:
        theme = session.get(Theme, theme_id)
        if theme is not None:
            theme.label = f"{theme.label.split(' #')[0]} #{number}"
            theme.updated_at = now + timedelta(seconds=number)


def _codebook(vectors: np.random.Generator, *, now: datetime) -> Codebook:
    book = Codebook()
    for number, (label, children) in enumerate(TOPICS.items()):
        top = f"t{number:02d}" + "0" * 29
        book.tops.append(top)
        book.labels[top] = label
        base = vectors.normal(0, 1, DIMENSIONS)
        book.centroids[top] = base / np.linalg.norm(base)
        book.subs[top] = []
        for child_number, child_label in enumerate(children):
            child = f"t{number:02d}s{child_number}" + "0" * 26
            nudged = book.centroids[top] + vectors.normal(0, 0.05, DIMENSIONS)
            book.centroids[child] = nudged / np.linalg.norm(nudged)
            book.subs[top].append(child)
            book.labels[child] = child_label
    return book


def _theme_rows(book: Codebook, *, now: datetime) -> Iterator[dict[str, Any]]:
    parents = {child: top for top, children in book.subs.items() for child in children}
    for theme, label in book.labels.items():
        yield {
            "id": theme, "label": label, "description": "", "status": "accepted",
            "parent_id": parents.get(theme), "merged_into_id": None, "keywords": label.split(),
            "centroid": book.centroids[theme].astype(np.float32).tobytes(), "examples": [],
            "created_at": now - timedelta(days=DAYS), "updated_at": now - timedelta(days=DAYS),
        }  # fmt: skip


def _score(rng: random.Random, *, troubled: bool) -> int:
    weights = [4, 2, 2, 3, 3, 5, 6, 10, 14, 22, 29] if not troubled else [9, 6, 7, 8, 8, 9, 8, 10, 10, 12, 13]
    return rng.choices(range(11), weights=weights)[0]


def _sentiment(score: float) -> str:
    return "positive" if score > 0.1 else "negative" if score < -0.1 else "neutral"


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table
