"""Discovering new themes in the pool: the sentences that no theme of the codebook explains.

Discovery never edits existing themes: it proposes new ones (ids derived from their labels, with
their subthemes as children), gives them their member sentences, sets aside the sentences with no
content, then offers the rest of the pool to the new themes by the usual assignment rule.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from askwhy.analysis.discovery import DiscoveredTheme, discover_codebook
from askwhy.insights.code_responses import AssignmentRule, assign_pool, mention_rows, write_mentions
from askwhy.insights.vectors import stack, to_bytes
from askwhy.store.analysis_tables import Sentence, Theme
from askwhy.store.tables import Response

NO_CONTENT = "empty"
"""The theme state of a sentence with nothing to code (a greeting, "thanks", "ok"): never clustered."""


@dataclass(frozen=True)
class DiscoveryResult:
    pool: int
    """Sentences in the pool before discovery."""
    themes: list[str]
    """Ids of the top-level themes proposed (or found again), largest first."""
    themed: int
    """Pool sentences that now have a theme."""
    subthemes: list[str] = field(default_factory=list)
    no_content: int = 0
    """Pool sentences set aside as having nothing to code."""


def discover(
    *,
    session: Session,
    rule: AssignmentRule,
    now: datetime,
    min_theme_size: int | None = None,
    brand_terms: Collection[str] = (),
    include_simulated: bool = False,
) -> DiscoveryResult:
    """Cluster the pool into proposed themes with subthemes and assign the pool to them.

    Ids come from the themes' labels, so discovering the same sentences again finds the same themes:
    a theme that already exists keeps its label, status and edits and only gains members; a merged
    one passes its members on to the theme it was merged into. Other themes stay as they are.
    Simulated responses' sentences are left out unless ``include_simulated``: themes and their
    labels come from customers' words; assignment still codes the simulated ones afterwards.
    """
    pool = select(Sentence.id).where(Sentence.theme_state == "pool")
    if not include_simulated:
        pool = pool.join(Response, Response.id == Sentence.response_id).where(Response.simulated.is_(False))
    rows = list(
        session.execute(
            select(
                Sentence.id,
                Sentence.response_id,
                Sentence.text,
                Sentence.sentiment,
                Sentence.sentiment_score,
                Sentence.embedding,
            )
            .where(Sentence.id.in_(pool.scalar_subquery()))
            .order_by(Sentence.id)
        )
    )
    if not rows:
        return DiscoveryResult(pool=0, themes=[], themed=0)
    found = discover_codebook(
        [r.text for r in rows],
        stack([r.embedding for r in rows]),
        min_theme_size=min_theme_size,
        sentiments=[r.sentiment_score for r in rows],
        brand_terms=brand_terms,
    )
    sentence_ids = [r.id for r in rows]
    mentions: list[dict[str, object]] = []
    members_themed: set[int] = set()
    tops, subs = [], []
    for discovered in found.themes:
        top = _stored(session, discovered, sentence_ids=sentence_ids, now=now, parent_id=None)
        tops.append(top.id)
        mentions.extend(_mentions(rows, discovered, top.id))
        for child in discovered.subthemes:
            sub = _stored(session, child, sentence_ids=sentence_ids, now=now, parent_id=top.id)
            subs.append(sub.id)
            mentions.extend(_mentions(rows, child, sub.id))
        members_themed.update(rows[i].id for i in discovered.members)
    unique = list({(m["sentence_id"], m["theme_id"]): m for m in mentions}.values())
    write_mentions(session=session, mentions=unique, themed=sorted(members_themed), pooled=[])
    empty = [rows[i].id for i in found.no_content]
    for start in range(0, len(empty), 5000):
        chunk = empty[start : start + 5000]
        session.execute(update(Sentence).where(Sentence.id.in_(chunk)).values(theme_state=NO_CONTENT))
    themed = len(members_themed)
    if tops:
        themed += assign_pool(session=session, rule=rule, theme_ids=tops)
    return DiscoveryResult(pool=len(rows), themes=tops, themed=themed, subthemes=subs, no_content=len(empty))


def _mentions(rows: list[Any], discovered: DiscoveredTheme, theme_id: str) -> list[dict[str, object]]:
    vectors = stack([rows[i].embedding for i in discovered.members])
    similarities = vectors @ discovered.centroid
    return [
        mention
        for i, similarity in zip(discovered.members, similarities, strict=True)
        for mention in mention_rows(
            sentence_id=rows[i].id,
            response_id=rows[i].response_id,
            sentiment=rows[i].sentiment,
            matches=[(theme_id, round(float(similarity), 4))],
        )
    ]


def _stored(
    session: Session,
    discovered: DiscoveredTheme,
    *,
    sentence_ids: list[int],
    now: datetime,
    parent_id: str | None,
) -> Theme:
    """The theme with the discovered id: the existing one (followed through merges), or a new proposal."""
    theme = session.get(Theme, discovered.id)
    seen: set[str] = set()
    while theme is not None and theme.status == "merged" and theme.merged_into_id and theme.id not in seen:
        seen.add(theme.id)
        theme = session.get(Theme, theme.merged_into_id)
    if theme is not None:
        return theme
    theme = Theme(
        id=discovered.id,
        label=discovered.label[:200],
        description=discovered.description,
        status="proposed",
        parent_id=parent_id,
        keywords=list(discovered.keywords),
        centroid=to_bytes(discovered.centroid),
        examples=[sentence_ids[i] for i in discovered.quotes],
        created_at=now,
        updated_at=now,
    )
    session.add(theme)
    session.flush()
    return theme
