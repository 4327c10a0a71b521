"""Closed conversations are analysed in batches: one run, one model call and one store per batch."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, select

from askwhy import conversations
from askwhy.analysis.embeddings import HashingEmbedder, Vectors
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.insights import analyse_responses
from askwhy.insights.analyse_responses import pending_responses
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence
from askwhy.store.database import READ_ONLY
from askwhy.store.tables import Message, Response
from askwhy.tasks import analysis

BROKEN = "zanzibar"
"""A word the failing embedder cannot take, standing for a text that breaks the model."""


class ScriptedEmbedder(HashingEmbedder):
    """Records each call's texts; fails on any batch holding the broken word while ``failing``."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []
        self.failing = True

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        if self.failing and any(BROKEN in text for text in texts):
            raise RuntimeError("the model cannot read this text")
        return super().encode(texts)

    def saw(self, word: str) -> int:
        """How many calls were given a text with this word."""
        return sum(any(word in text for text in call) for call in self.calls)


@pytest.fixture
def embedder() -> ScriptedEmbedder:
    return ScriptedEmbedder()


def _built(settings: Settings, clock: FakeClock, embedder: ScriptedEmbedder) -> Iterator[Container]:
    container = bootstrap(settings, clock=clock, embedder=embedder)
    yield container
    container.close()


@pytest.fixture
def container(settings: Settings, clock: FakeClock, embedder: ScriptedEmbedder) -> Iterator[Container]:
    yield from _built(settings, clock, embedder)


@pytest.fixture
def keeping_none(settings: Settings, clock: FakeClock, embedder: ScriptedEmbedder) -> Iterator[Container]:
    yield from _built(settings.model_copy(update={"raw_transcript_retention_days": 0}), clock, embedder)


def converse(container: Container, *comments: str) -> list[str]:
    """One open web chat conversation per comment, the customer having given a score and it."""
    ids = []
    with TestClient(create_app(container)) as client:
        for comment in comments:
            started = client.post("/v1/conversations", json={"program": "post-checkout"})
            assert started.status_code == 201, started.text
            conversation_id = started.json()["conversation_id"]
            token = {"Authorization": f"Bearer {started.json()['token']}"}
            for text in ("3", comment):
                said = client.post(
                    f"/v1/conversations/{conversation_id}/messages", json={"text": text}, headers=token
                )
                assert said.status_code == 200, said.text
            ids.append(conversation_id)
    return ids


def close_together(container: Container, conversation_ids: list[str]) -> None:
    """The customers went quiet: one transaction closes every conversation (as the idle sweep does)."""
    clock = container.clock
    assert isinstance(clock, FakeClock)
    clock.advance(hours=3)
    with container.sessions.begin() as session:
        for conversation_id in conversation_ids:
            assert conversations.close_if_idle(
                session=session, guides=container.guides, conversation_id=conversation_id, now=clock.now()
            )


def response_of(container: Container, conversation_id: str) -> str:
    with container.reads() as session:
        return session.scalars(select(Response.id).where(Response.conversation_id == conversation_id)).one()


def analysed(container: Container, conversation_id: str) -> bool:
    with container.reads() as session:
        return session.get(ResponseAnalysis, response_of(container, conversation_id)) is not None


def _transactions_until_the_batch_is_stored(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> list[bool]:
    """Whether each transaction begun writes, recorded from now until the batch's store returns."""
    writes: list[bool] = []
    listening = [True]

    def began(connection: Connection) -> None:
        if listening[0]:
            writes.append(not connection.get_execution_options().get(READ_ONLY))

    store = analyse_responses.enrich_responses

    def store_then_stop(**kwargs: Any) -> int:
        try:
            return store(**kwargs)
        finally:
            listening[0] = False

    event.listen(container.engine, "begin", began)
    monkeypatch.setattr(analyse_responses, "enrich_responses", store_then_stop)
    return writes


def test_conversations_closed_together_are_analysed_in_one_batch(
    container: Container, embedder: ScriptedEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    comments = ["The parcel came late.", "Support was rude to me.", "The price is fair."]
    ids = converse(container, *comments)
    assert embedder.calls == []
    writes = _transactions_until_the_batch_is_stored(container, monkeypatch)
    close_together(container, ids)
    # The closing transaction, then the batch: it reads without the write turn and stores in one.
    # What runs after the store (detection, routing) is other tasks' business.
    assert writes == [True, False, False, True], "close; find and read the batch; store it"
    assert all(analysed(container, i) for i in ids)
    assert len(embedder.calls) == 1, "one model call for the whole batch"
    assert all(any(comment in text for text in embedder.calls[0]) for comment in comments)
    with container.reads() as session:
        assert pending_responses(session=session) == []
        stored = session.scalars(select(Sentence.response_id).distinct()).all()
    assert sorted(stored) == sorted(response_of(container, i) for i in ids)


def test_a_response_that_fails_does_not_hold_up_the_others(
    container: Container, embedder: ScriptedEmbedder
) -> None:
    good, broken, also_good = converse(
        container, "The parcel came late.", f"Send it to {BROKEN} please.", "The price is fair."
    )
    close_together(container, [good, broken, also_good])
    assert analysed(container, good)
    assert analysed(container, also_good)
    assert not analysed(container, broken)
    tried = embedder.saw(BROKEN)
    assert tried == 2, "once in the batch, once alone"

    # Later closes are analysed without trying the failing one again, until the sweep does.
    later = converse(container, "Fast delivery, thanks.")
    close_together(container, later)
    assert analysed(container, later[0])
    assert embedder.saw(BROKEN) == tried
    container.jobs.enqueue("enrich_pending_responses")
    assert embedder.saw(BROKEN) == tried + 1
    assert not analysed(container, broken)

    embedder.failing = False  # the model mended: the next sweep analyses it
    container.jobs.enqueue("enrich_pending_responses")
    assert analysed(container, broken)
    with container.reads() as session:
        assert pending_responses(session=session) == []


def test_keeping_no_raw_text_purges_every_response_of_the_batch(keeping_none: Container) -> None:
    emails = [f"customer{i}@example.org" for i in range(3)]
    ids = converse(keeping_none, *(f"Write to me at {email} about the refund." for email in emails))
    close_together(keeping_none, ids)
    with keeping_none.reads() as session:
        for conversation_id in ids:
            response = session.get(Response, response_of(keeping_none, conversation_id))
            assert response is not None
            assert response.raw_purged_at == keeping_none.clock.now()
            assert "[email]" in response.comment
        texts = " ".join(session.scalars(select(Message.text)).all())
    assert all(email not in texts for email in emails)


def test_a_run_queued_by_an_earlier_version_still_analyses_its_response(container: Container) -> None:
    conversation_id = converse(container, "The parcel came late.")[0]
    with container.sessions.begin() as session:
        assert conversations.close_if_idle(
            session=session, guides=container.guides, conversation_id=conversation_id, now=_later(container)
        )
        session.info.pop(conversations.RESPONSES_CLOSED)  # as if closed by an earlier version
    assert not analysed(container, conversation_id)
    assert container.jobs.has(analysis.ANALYSE_RESPONSE)
    container.jobs.enqueue(analysis.ANALYSE_RESPONSE, response_of(container, conversation_id))
    assert analysed(container, conversation_id)


def _later(container: Container) -> datetime:
    clock = container.clock
    assert isinstance(clock, FakeClock)
    clock.advance(hours=3)
    return clock.now()


def test_overlapping_runs_do_not_take_the_same_responses() -> None:
    claims = analysis.Claims()
    pending = ["a", "b", "c", "d"]

    def first_two(skip: Collection[str]) -> list[str]:
        return [i for i in pending if i not in skip][:2]

    with claims.claim(first_two) as first, claims.claim(first_two) as second:
        assert first == ["a", "b"]
        assert second == ["c", "d"]
    with claims.claim(first_two) as again:
        assert again == ["a", "b"]
