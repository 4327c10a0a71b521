"""Enriching stored responses: redacted text, language, sentiment, sentences with embeddings, themes.

Responses are enriched in batches (an import) or one at a time (a closed conversation); either way
every sentence is embedded once and matched against the codebook straight away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from askwhy.analysis.enrichment import EnrichedText, Enricher
from askwhy.insights.assigning import AssignmentRule, match, mention_rows, theme_centres, write_mentions
from askwhy.insights.vectors import to_bytes
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence
from askwhy.store.tables import Response

ENRICHABLE = or_(Response.source == "import", Response.completion != "partial")
"""Conversations are analysed once closed; imported feedback at once."""


def pending_responses(
    *, session: Session, limit: int | None = None, only: Sequence[str] | None = None
) -> list[str]:
    """Ids of responses never enriched, or changed since they were, oldest first (among ``only``)."""
    query = (
        select(Response.id)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(ENRICHABLE)
        .where(
            or_(ResponseAnalysis.response_id.is_(None), Response.updated_at > ResponseAnalysis.enriched_at)
        )
        .order_by(Response.responded_at, Response.id)
    )
    if only is not None:
        query = query.where(Response.id.in_(only))
    return list(session.scalars(query.limit(limit) if limit else query))


def enrich_responses(
    *,
    sessions: sessionmaker[Session],
    enricher: Enricher,
    response_ids: Sequence[str],
    rule: AssignmentRule,
    now: datetime,
    after_store: Callable[[Session], object] | None = None,
) -> int:
    """Enrich those of these responses still pending (replacing any earlier enrichment); returns how
    many sentences resulted.

    The model runs between two short transactions, never inside one: on SQLite a transaction holds
    the only write turn, and webhooks must not wait for embeddings. A response edited while its text
    was being analysed is left pending for the next run; ``after_store`` runs in the storing
    transaction.
    """
    with sessions.begin() as session:
        pending = pending_responses(session=session, only=response_ids)
        read = {
            row.id: (row.comment, row.updated_at)
            for row in session.execute(
                select(Response.id, Response.comment, Response.updated_at).where(Response.id.in_(pending))
            )
        }
    if not read:
        return 0
    ids = sorted(read)
    results = dict(zip(ids, enricher.enrich([read[i][0] for i in ids]), strict=True))
    with sessions.begin() as session:
        # Locked, so two workers handed the same response (the close-of-conversation job and the sweep)
        # take turns; the second finds it enriched already and stores nothing.
        still_pending = set(pending_responses(session=session, only=ids))
        query = select(Response).where(Response.id.in_(ids)).order_by(Response.id).with_for_update()
        responses = [
            r
            for r in session.scalars(query)
            if r.id in still_pending and (r.comment, r.updated_at) == read[r.id]
        ]
        stored = _store(session=session, responses=responses, results=results, model=enricher.model_name,
                        rule=rule, now=now)  # fmt: skip
        if after_store is not None:
            after_store(session)
    return stored


def _store(
    *,
    session: Session,
    responses: list[Response],
    results: dict[str, EnrichedText],
    model: str,
    rule: AssignmentRule,
    now: datetime,
) -> int:
    if not responses:
        return 0
    ids = [r.id for r in responses]
    enriched = [results[i] for i in ids]
    session.execute(delete(Sentence).where(Sentence.response_id.in_(ids)))
    session.execute(delete(ResponseAnalysis).where(ResponseAnalysis.response_id.in_(ids)))
    for response, result in zip(responses, enriched, strict=True):
        session.add(_analysis(response.id, result, model=model, now=now))
        if not response.language and result.language != "und":
            response.language = result.language[:8]
    session.flush()
    return _store_sentences(session=session, responses=ids, enriched=enriched, rule=rule)


def enrich_pending(
    *,
    sessions: sessionmaker[Session],
    enricher: Enricher,
    rule: AssignmentRule,
    now: Callable[[], datetime],
    batch_size: int = 512,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Enrich every pending response in batches, one transaction each; returns how many were enriched."""
    with sessions.begin() as session:
        pending = pending_responses(session=session, limit=limit)
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        enrich_responses(sessions=sessions, enricher=enricher, response_ids=batch, rule=rule, now=now())
        if progress is not None:
            progress(len(batch))
    return len(pending)


def _analysis(response_id: str, result: EnrichedText, *, model: str, now: datetime) -> ResponseAnalysis:
    return ResponseAnalysis(
        response_id=response_id,
        text=result.text,
        pii_found=list(result.pii_found),
        language=result.language[:8],
        sentiment=result.sentiment,
        sentiment_score=result.sentiment_score,
        sentences=len(result.sentences),
        model=model[:200],
        enriched_at=now,
    )


def _store_sentences(
    *, session: Session, responses: Sequence[str], enriched: Sequence[EnrichedText], rule: AssignmentRule
) -> int:
    sentences = [(rid, s) for rid, result in zip(responses, enriched, strict=True) for s in result.sentences]
    if not sentences:
        return 0
    centres = theme_centres(session=session)
    matches = match(np.stack([s.vector for _, s in sentences]), centres, rule) if centres else []
    found = matches or [[] for _ in sentences]
    rows = [
        {
            "response_id": response_id,
            "position": s.position,
            "kind": s.kind,
            "text": s.text,
            "sentiment": s.sentiment,
            "sentiment_score": s.sentiment_score,
            "embedding": to_bytes(s.vector),
            "theme_state": "themed" if themes else "pool",
        }
        for (response_id, s), themes in zip(sentences, found, strict=True)
    ]
    ids = list(session.scalars(insert(Sentence).returning(Sentence.id, sort_by_parameter_order=True), rows))
    mentions = [
        mention
        for sentence_id, (response_id, s), themes in zip(ids, sentences, found, strict=True)
        for mention in mention_rows(
            sentence_id=sentence_id,
            response_id=response_id,
            sentiment=s.sentiment,
            matches=themes,
        )
    ]
    write_mentions(session=session, mentions=mentions, themed=[], pooled=[])
    return len(ids)
