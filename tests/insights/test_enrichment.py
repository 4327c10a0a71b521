"""Enrichment: redacted text, one embedding per distinct sentence, sentiment, and the job at close."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from askwhy.analysis.embeddings import HashingEmbedder, Vectors
from askwhy.analysis.enrichment import Enricher
from askwhy.bootstrap import Container
from askwhy.clock import FakeClock
from askwhy.insights.analyse_responses import enrich_responses, pending_responses
from askwhy.insights.code_responses import AssignmentRule
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence
from askwhy.store.tables import Response

pytest_plugins = ("tests.insights.fixtures",)


def _enrich(container: Container, embedder: HashingEmbedder, response_ids: list[str]) -> int:
    return enrich_responses(
        sessions=container.sessions,
        enricher=Enricher(embedder),
        response_ids=response_ids,
        rule=AssignmentRule(),
        now=container.clock.now(),
    )


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        return super().encode(texts)


def _response(container: Container, comment: str, external_id: str) -> str:
    now = container.clock.now()
    with container.sessions.begin() as session:
        row = Response(
            program="shop",
            guide_id="import",
            channel="import",
            metric="none",
            band="unknown",
            comment=comment,
            source="import",
            external_id=external_id,
            language="",
            completion="completed",
            responded_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def test_batches_follow_the_files_ids_not_the_databases(insights_container: Container) -> None:
    """The same file makes the same batches whatever ids the database gives its rows."""
    file_ids = [f"row-{n}" for n in (5, 2, 7, 0, 3, 6, 1, 4)]
    stored = {_response(insights_container, f"comment {name}", name): name for name in file_ids}
    with insights_container.sessions.begin() as session:
        pending = pending_responses(session=session)
    assert [stored[i] for i in pending] == sorted(file_ids)


def test_stored_text_is_redacted_and_every_sentence_has_one_embedding(insights_container: Container) -> None:
    comment = (
        "The courier was late again. Write to me at jane.doe@example.com or call +1 415 555 2671! "
        "Fast delivery but rude support."
    )
    response_id = _response(insights_container, comment, "x1")
    embedder = CountingEmbedder()
    _enrich(insights_container, embedder, [response_id])
    with insights_container.sessions() as session:
        analysis = session.get(ResponseAnalysis, response_id)
        sentences = list(session.scalars(select(Sentence).where(Sentence.response_id == response_id)))
    assert analysis is not None
    stored = [analysis.text, *(s.text for s in sentences)]
    for secret in ("jane.doe@example.com", "555 2671", "415"):
        assert all(secret not in text for text in stored)
    assert set(analysis.pii_found) == {"email", "phone"}
    assert analysis.language == "en"
    assert analysis.sentences == len(sentences) == 4
    assert [s.kind for s in sentences] == ["sentence", "sentence", "clause", "clause"]
    assert all(len(s.embedding) == 4 * embedder.dimension for s in sentences)
    assert len(embedder.calls) == 1
    assert len(embedder.calls[0]) == 4
    vectors = np.frombuffer(sentences[0].embedding, dtype="<f4")
    assert abs(float(np.linalg.norm(vectors)) - 1) < 1e-5
    fast, rude = sentences[2], sentences[3]
    assert fast.sentiment_score > rude.sentiment_score


def test_identical_sentences_in_a_batch_are_embedded_once(insights_container: Container) -> None:
    ids = [_response(insights_container, f"Great price. Order {i} was fine.", f"d{i}") for i in range(3)]
    embedder = CountingEmbedder()
    _enrich(insights_container, embedder, ids)
    assert len(embedder.calls) == 1
    assert sorted(embedder.calls[0]) == sorted(
        {"Great price.", "Order 0 was fine.", "Order 1 was fine.", "Order 2 was fine."}
    )


def test_closing_a_conversation_enriches_its_response(
    insights_container: Container, insights_client: TestClient
) -> None:
    opened = insights_client.post(
        "/v1/conversations", json={"program": "post-checkout", "language": "en"}
    ).json()
    conversation_id = opened["conversation_id"]
    token = {"Authorization": f"Bearer {opened['token']}"}
    answers = iter(
        [
            "3",
            "The parcel arrived a week late and support never answered my email at bob@example.com.",
            "It mattered a lot, I needed it for a birthday.",
            "Ship on time and answer emails.",
            "No, that's all.",
        ]
    )
    status = opened["status"]
    while status == "active":
        reply = insights_client.post(
            f"/v1/conversations/{conversation_id}/messages", json={"text": next(answers, "no")}, headers=token
        )
        status = reply.json()["status"]
    assert status == "completed"
    with insights_container.sessions() as session:
        response = session.scalars(select(Response).where(Response.conversation_id == conversation_id)).one()
        analysis = session.get(ResponseAnalysis, response.id)
        sentences = list(session.scalars(select(Sentence).where(Sentence.response_id == response.id)))
        assert pending_responses(session=session) == []
    assert analysis is not None
    assert analysis.sentences == len(sentences) > 0
    assert "bob@example.com" not in analysis.text
    assert "[email]" in analysis.text


def test_open_conversations_wait_and_the_sweep_enriches_what_was_left(insights_container: Container) -> None:
    from askwhy.tasks.analysis import sweep

    ids = [_response(insights_container, "Too expensive for what it is.", f"s{i}") for i in range(3)]
    with insights_container.sessions() as session:
        assert sorted(pending_responses(session=session)) == sorted(ids)
    assert sweep(insights_container) == 3
    assert sweep(insights_container) == 0


class WritingEmbedder(HashingEmbedder):
    """Writes to the response from another thread while the model runs, as a webhook would."""

    def __init__(self, container: Container, response_id: str, *, edit: bool) -> None:
        super().__init__()
        self.container, self.response_id, self.edit = container, response_id, edit
        self.wrote_in_time = False

    def encode(self, texts: Sequence[str]) -> Vectors:
        worker = threading.Thread(target=self._write)
        worker.start()
        worker.join(timeout=3)
        self.wrote_in_time = not worker.is_alive()
        worker.join()
        return super().encode(texts)

    def _write(self) -> None:
        with self.container.sessions.begin() as session:
            values: dict[str, object] = {"segment": {"touched": "yes"}}
            if self.edit:
                values |= {"comment": "Changed my mind: all good.", "updated_at": self.container.clock.now()}
            session.execute(update(Response).where(Response.id == self.response_id).values(**values))


def test_the_model_runs_while_other_writers_go_ahead(insights_container: Container) -> None:
    response_id = _response(insights_container, "The courier was late again.", "w1")
    embedder = WritingEmbedder(insights_container, response_id, edit=False)
    stored = _enrich(insights_container, embedder, [response_id])
    assert embedder.wrote_in_time
    assert stored == 1
    with insights_container.sessions() as session:
        assert session.get(ResponseAnalysis, response_id) is not None


def test_a_response_edited_while_analysed_stays_pending(insights_container: Container) -> None:
    response_id = _response(insights_container, "The courier was late again.", "w2")
    clock = insights_container.clock
    assert isinstance(clock, FakeClock)
    clock.advance(seconds=5)
    embedder = WritingEmbedder(insights_container, response_id, edit=True)
    stored = _enrich(insights_container, embedder, [response_id])
    assert stored == 0
    with insights_container.sessions() as session:
        assert session.get(ResponseAnalysis, response_id) is None
        assert pending_responses(session=session, only=[response_id]) == [response_id]
