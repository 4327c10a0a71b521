"""Enriching stored responses: redacted text, language, sentiment, sentences with embeddings, themes.

Responses are enriched in batches (an import, or the conversations closed since the last run);
every sentence of a batch is embedded once and matched against the codebook straight away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from askwhy.analysis.answers import answers_in_context
from askwhy.analysis.enrichment import EnrichedText, Enricher
from askwhy.analysis.language import language_with_locale
from askwhy.insights.code_responses import AssignmentRule, match, mention_rows, theme_centres, write_mentions
from askwhy.insights.guide_themes import (
    GuideCodebook,
    fill_centres,
    guide_first,
    load_guide_codebook,
    store_centres,
)
from askwhy.insights.vectors import to_bytes
from askwhy.store import outbound_events
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence
from askwhy.store.tables import Response

ENRICHABLE = or_(Response.source == "import", Response.completion != "partial")
"""Conversations are analysed once closed; imported feedback at once."""
PENDING = or_(ResponseAnalysis.response_id.is_(None), Response.updated_at > ResponseAnalysis.enriched_at)
"""Never enriched, or changed since it was."""

ANALYSES = cast(Table, ResponseAnalysis.__table__)
SENTENCES = cast(Table, Sentence.__table__)
RESPONSES = cast(Table, Response.__table__)


def pending_responses(
    *,
    session: Session,
    limit: int | None = None,
    only: Sequence[str] | None = None,
    skip: Sequence[str] = (),
    conversations_only: bool = False,
) -> list[str]:
    """Ids of responses never enriched, or changed since they were, oldest first (among ``only``,
    leaving out ``skip``; only closed conversations' with ``conversations_only``).

    Ties go by the id in the imported file before the database's own id: the same file then makes
    the same batches whatever ids the database assigns, and a text's embedding (which moves in the
    last digits with what it is batched with) is the same in every run."""
    query = (
        select(Response.id)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(ENRICHABLE, PENDING)
        .order_by(Response.responded_at, Response.external_id, Response.id)
    )
    if only is not None:
        query = query.where(Response.id.in_(only))
    if skip:
        query = query.where(Response.id.not_in(skip))
    if conversations_only:
        query = query.where(Response.source != "import")
    return list(session.scalars(query.limit(limit) if limit else query))


@dataclass(frozen=True)
class _Seen:
    """A pending response as it stood when read, and whether it had been enriched before."""

    comment: str
    updated_at: datetime
    language: str
    enriched: bool
    guide_id: str | None = None
    answers: tuple[dict[str, object], ...] = ()
    """A conversation's answers, each with its question; none for imported feedback."""


def enrich_responses(
    *,
    sessions: sessionmaker[Session],
    enricher: Enricher,
    response_ids: Sequence[str],
    rule: AssignmentRule,
    now: datetime,
    reads: sessionmaker[Session] | None = None,
    after_store: Callable[[Session, list[str]], object] | None = None,
) -> int:
    """Enrich those of these responses still pending (replacing any earlier enrichment); returns how
    many sentences resulted.

    The model runs between a read (on ``reads``, which on SQLite takes no write turn) and one short
    writing transaction that only inserts rows prepared beforehand: on SQLite that transaction holds
    the only write turn, and webhooks must not wait for embeddings. A response edited while its text
    was being analysed is left pending for the next run. ``after_store`` runs in the storing
    transaction with the ids stored.
    """
    with (reads or sessions).begin() as session:
        seen = _pending(session=session, ids=response_ids, lock=False)
        guides = load_guide_codebook(session=session, guide_ids=[row.guide_id for row in seen.values()])
    if not seen:
        return 0
    fill_centres(guides, enricher.embedder)
    ids = sorted(seen)
    prepared = _Prepared.of(ids, _enriched(enricher, seen, ids, guides), enricher.model_name, now)
    with sessions.begin() as session:
        store_centres(session=session, codebook=guides)
        stored = _store(session=session, seen=seen, prepared=prepared, rule=rule, guides=guides)
        outbound_events.record_responses_completed(session=session, response_ids=stored, now=now)
        if after_store is not None and stored:
            after_store(session, stored)
    return sum(len(prepared.results[i].sentences) for i in stored)


def _pending(*, session: Session, ids: Sequence[str], lock: bool) -> dict[str, _Seen]:
    """The pending ones of these responses; locked (on PostgreSQL) in id order when storing.

    Locked first, then read: a locking read that waited for another worker's transaction would
    see that worker's response rows again but not the analyses it stored beside them, and take
    the responses for pending still. A read after the lock sees them."""
    if lock:
        session.execute(
            select(Response.id).where(Response.id.in_(ids)).order_by(Response.id).with_for_update()
        )
    query = (
        select(
            Response.id,
            Response.comment,
            Response.updated_at,
            Response.language,
            ResponseAnalysis.response_id.is_not(None),
            Response.guide_id,
            Response.source,
            Response.answers,
        )
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(Response.id.in_(ids), ENRICHABLE, PENDING)
        .order_by(Response.id)
    )
    rows = session.execute(query)
    return {
        id_: _Seen(
            comment,
            updated_at,
            language or "",
            bool(had),
            guide_id,
            tuple(answers or ()) if source != "import" else (),
        )
        for id_, comment, updated_at, language, had, guide_id, source, answers in rows
    }


def _enriched(
    enricher: Enricher, seen: dict[str, _Seen], ids: list[str], guides: GuideCodebook
) -> list[EnrichedText]:
    """Each response enriched in order: a conversation answer by answer, with the topics its
    questions probed; imported feedback as free text."""
    talks = [i for i in ids if seen[i].answers]
    texts = [i for i in ids if not seen[i].answers]
    results = dict(zip(texts, enricher.enrich([seen[i].comment for i in texts]), strict=True))
    answers = [answers_in_context(seen[i].answers, guides.topics(seen[i].guide_id)) for i in talks]
    results.update(zip(talks, enricher.enrich_answers(answers), strict=True))
    return [_with_locale(results[i], locale=seen[i].language) for i in ids]


def _with_locale(result: EnrichedText, *, locale: str) -> EnrichedText:
    """The response's language from its text, or from its conversation's locale when the text is
    too short to tell."""
    language = language_with_locale(result.language, locale=locale)
    return result if language == result.language else replace(result, language=language)


@dataclass(frozen=True)
class _Prepared:
    """The rows of a batch, built before the writing transaction so that it only inserts them."""

    results: dict[str, EnrichedText]
    analyses: dict[str, dict[str, Any]]
    sentences: dict[str, list[dict[str, Any]]]
    vectors: dict[str, np.ndarray[Any, Any]]

    @classmethod
    def of(cls, ids: Sequence[str], enriched: Sequence[EnrichedText], model: str, now: datetime) -> _Prepared:
        results = dict(zip(ids, enriched, strict=True))
        return cls(
            results=results,
            analyses={i: _analysis_row(i, r, model=model, now=now) for i, r in results.items()},
            sentences={i: _sentence_rows(i, r) for i, r in results.items()},
            vectors={i: np.stack([s.vector for s in r.sentences]) for i, r in results.items() if r.sentences},
        )


def _store(
    *,
    session: Session,
    seen: dict[str, _Seen],
    prepared: _Prepared,
    rule: AssignmentRule,
    guides: GuideCodebook,
) -> list[str]:
    """Store the batch's rows for the responses still as they were read; returns their ids.

    Locked, so two workers handed the same response (a batch run and the sweep) take turns; the
    second finds it enriched already and stores nothing.
    """
    current = _pending(session=session, ids=list(prepared.results), lock=True)
    ids = [
        i
        for i, row in current.items()
        if (row.comment, row.updated_at) == (seen[i].comment, seen[i].updated_at)
    ]
    if not ids:
        return []
    again = [i for i in ids if current[i].enriched]
    if again:
        session.execute(delete(Sentence).where(Sentence.response_id.in_(again)))
        session.execute(delete(ResponseAnalysis).where(ResponseAnalysis.response_id.in_(again)))
    session.execute(insert(ANALYSES), [prepared.analyses[i] for i in ids])
    languages = [
        {"b_id": i, "b_language": prepared.analyses[i]["language"]}
        for i in ids
        if not current[i].language and prepared.analyses[i]["language"] != "und"
    ]
    if languages:
        by_id = RESPONSES.c.id == bindparam("b_id")
        session.execute(update(RESPONSES).where(by_id).values(language=bindparam("b_language")), languages)
    _store_sentences(session=session, prepared=prepared, ids=ids, rule=rule, guides=guides, seen=seen)
    return ids


def _store_sentences(
    *,
    session: Session,
    prepared: _Prepared,
    ids: Sequence[str],
    rule: AssignmentRule,
    guides: GuideCodebook,
    seen: dict[str, _Seen],
) -> None:
    """Insert the sentences, each coded into its guide's themes first, then matched to the
    codebook as it stands in this transaction."""
    rows = [row for i in ids for row in prepared.sentences[i]]
    if not rows:
        return
    centres = theme_centres(session=session)
    vectors = [prepared.vectors[i] for i in ids if i in prepared.vectors]
    similar = match(np.concatenate(vectors), centres, rule) if centres else [[] for _ in rows]
    units = [(seen[i].guide_id, s) for i in ids for s in prepared.results[i].sentences]
    found = [
        guide_first(guides, guide_id=guide_id, unit=unit, similar=matches, rule=rule, centres=centres)
        for (guide_id, unit), matches in zip(units, similar, strict=True)
    ]
    if not any(found):
        session.execute(insert(SENTENCES), [row | {"theme_state": "pool"} for row in rows])
        return
    rows = [
        row | {"theme_state": "themed" if themes else "pool"} for row, themes in zip(rows, found, strict=True)
    ]
    sentence_ids = _inserted_sentences(session=session, rows=rows)
    mentions = [
        mention
        for sentence_id, row, themes in zip(sentence_ids, rows, found, strict=True)
        for mention in mention_rows(
            sentence_id=sentence_id,
            response_id=row["response_id"],
            sentiment=row["sentiment"],
            matches=themes,
        )
    ]
    write_mentions(session=session, mentions=mentions, themed=[], pooled=[])


def _inserted_sentences(*, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the sentence rows and return their ids in the rows' order.

    Inserted in one statement, then read back by response and position (unique): a RETURNING
    in the rows' order has no sentinel SQLite can sort by, so SQLAlchemy sent one INSERT a
    sentence there (seven in ten of the analysis worker's statements in the WhatsApp benchmark)."""
    session.execute(insert(SENTENCES), list(rows))
    responses = sorted({row["response_id"] for row in rows})
    found = session.execute(
        select(SENTENCES.c.response_id, SENTENCES.c.position, SENTENCES.c.id).where(
            SENTENCES.c.response_id.in_(responses)
        )
    )
    ids = {(response_id, position): id_ for response_id, position, id_ in found}
    return [ids[row["response_id"], row["position"]] for row in rows]


def enrich_pending(
    *,
    sessions: sessionmaker[Session],
    enricher: Enricher,
    rule: AssignmentRule,
    now: Callable[[], datetime],
    batch_size: int = 512,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    reads: sessionmaker[Session] | None = None,
) -> int:
    """Enrich every pending response in batches, one transaction each; returns how many were enriched."""
    with (reads or sessions).begin() as session:
        pending = pending_responses(session=session, limit=limit)
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        enrich_responses(
            sessions=sessions, reads=reads, enricher=enricher, response_ids=batch, rule=rule, now=now()
        )
        if progress is not None:
            progress(len(batch))
    return len(pending)


def _analysis_row(response_id: str, result: EnrichedText, *, model: str, now: datetime) -> dict[str, Any]:
    return {
        "response_id": response_id,
        "text": result.text,
        "pii_found": list(result.pii_found),
        "language": result.language[:8],
        "sentiment": result.sentiment,
        "sentiment_score": result.sentiment_score,
        "sentences": len(result.sentences),
        "model": model[:200],
        "enriched_at": now,
    }


def _sentence_rows(response_id: str, result: EnrichedText) -> list[dict[str, Any]]:
    return [
        {
            "response_id": response_id,
            "position": s.position,
            "kind": s.kind,
            "text": s.text,
            "sentiment": s.sentiment,
            "sentiment_score": s.sentiment_score,
            "embedding": to_bytes(s.vector),
        }
        for s in result.sentences
    ]
