"""Assigning sentences to the themes of the codebook; a sentence no theme explains joins the pool."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from askwhy.analysis.assignment import STRONG_SIMILARITY, assign_themes
from askwhy.analysis.embeddings import Vectors
from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.insights.vectors import from_bytes, stack
from askwhy.store import theme_coding
from askwhy.store.analysis_tables import Sentence, Theme

ASSIGNABLE = ("proposed", "accepted")
"""Themes new sentences are matched against; merged or split themes have no centre of their own."""


@dataclass(frozen=True)
class AssignmentRule:
    """Cosines on the embedding model's own scale (`askwhy.analysis.similarity_scale`)."""

    threshold: float = 0.5
    margin: float = 0.08
    max_themes: int = 3
    strong: float = STRONG_SIMILARITY
    near_duplicate: float = NEAR_DUPLICATE
    """Two texts (quotes) or theme centres this close say the same thing."""


def theme_centres(*, session: Session, theme_ids: Sequence[str] | None = None) -> dict[str, Vectors]:
    """Centre vectors of the assignable themes (or of the given ones), by theme id."""
    query = select(Theme.id, Theme.centroid).where(Theme.status.in_(ASSIGNABLE), Theme.centroid.is_not(None))
    if theme_ids is not None:
        query = query.where(Theme.id.in_(theme_ids))
    return {theme_id: from_bytes(blob) for theme_id, blob in session.execute(query) if blob is not None}


def match(
    vectors: Vectors, centres: dict[str, Vectors], rule: AssignmentRule
) -> list[list[tuple[str, float]]]:
    """(theme id, similarity) pairs for each vector, most similar first; empty for the pool.

    Centres from another embedding model (another dimension) are ignored until rediscovered.
    """
    usable = {theme: centre for theme, centre in centres.items() if centre.shape[-1] == vectors.shape[-1]}
    return assign_themes(
        vectors,
        usable,
        threshold=rule.threshold,
        margin=rule.margin,
        max_themes=rule.max_themes,
        strong=rule.strong,
    )


POLARITY = {"positive": 1, "negative": -1}
"""A mention's direction by its sentence's sentiment label; neutral is 0."""


def mention_rows(
    *, sentence_id: int, response_id: str, sentiment: str, matches: Sequence[tuple[str, float]]
) -> list[dict[str, object]]:
    """Theme mention rows for one sentence, each with the direction of the sentence's sentiment label,
    so a theme's positive and negative counts agree with the labels its quotes show."""
    sign = POLARITY.get(sentiment, 0)
    return [
        {
            "sentence_id": sentence_id,
            "theme_id": theme_id,
            "response_id": response_id,
            "similarity": similarity,
            "polarity": sign,
        }
        for theme_id, similarity in matches
    ]


def assign_pool(*, session: Session, rule: AssignmentRule, theme_ids: Sequence[str] | None = None) -> int:
    """Match the pool (and any pending sentence) against themes; returns how many found a theme."""
    centres = theme_centres(session=session, theme_ids=theme_ids)
    if not centres:
        return 0
    query = select(Sentence.id, Sentence.response_id, Sentence.sentiment, Sentence.embedding).where(
        Sentence.theme_state.in_(("pool", "pending"))
    )
    themed = 0
    for batch in session.execute(query.execution_options(yield_per=5000)).partitions():
        rows = list(batch)
        matches = match(stack([r.embedding for r in rows]), centres, rule)
        mentions = [
            mention
            for row, found in zip(rows, matches, strict=True)
            for mention in mention_rows(
                sentence_id=row.id,
                response_id=row.response_id,
                sentiment=row.sentiment,
                matches=found,
            )
        ]
        hit = [row.id for row, found in zip(rows, matches, strict=True) if found]
        missed = [row.id for row, found in zip(rows, matches, strict=True) if not found]
        write_mentions(session=session, mentions=mentions, themed=hit, pooled=missed)
        themed += len(hit)
    return themed


def write_mentions(
    *, session: Session, mentions: Sequence[dict[str, object]], themed: Sequence[int], pooled: Sequence[int]
) -> None:
    """Store mentions and mark their sentences themed; mark the others as waiting in the pool.
    A mention another worker coding the same sentence stored first is kept, not an error."""
    theme_coding.insert_mentions_once(session=session, rows=mentions)
    for state, ids in (("themed", themed), ("pool", pooled)):
        for start in range(0, len(ids), 5000):
            chunk = list(ids[start : start + 5000])
            session.execute(update(Sentence).where(Sentence.id.in_(chunk)).values(theme_state=state))


def unit_of(blob: bytes) -> Vectors:
    """A stored vector, for callers that hold one blob."""
    return from_bytes(blob)
