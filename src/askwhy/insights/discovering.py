"""Discovering new themes in the pool: the sentences that no theme of the codebook explains.

Discovery never touches existing themes: it proposes new ones (with fresh ids), gives them their
member sentences, then offers the rest of the pool to the new themes by the usual assignment rule.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.analysis.discovery import DiscoveredTheme, discover_themes
from askwhy.insights.assigning import AssignmentRule, assign_pool, mention_rows, write_mentions
from askwhy.insights.vectors import stack, to_bytes
from askwhy.store.analysis_tables import Sentence, Theme
from askwhy.store.base import new_id


@dataclass(frozen=True)
class DiscoveryResult:
    pool: int
    """Sentences in the pool before discovery."""
    themes: list[str]
    """Ids of the proposed themes, largest first."""
    themed: int
    """Pool sentences that now have a theme."""


def discover(
    *,
    session: Session,
    rule: AssignmentRule,
    now: datetime,
    min_theme_size: int = 5,
    brand_terms: Collection[str] = (),
) -> DiscoveryResult:
    """Cluster the pool into proposed themes and assign the pool to them; other themes stay as they are."""
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
            .where(Sentence.theme_state == "pool")
            .order_by(Sentence.id)
        )
    )
    if not rows:
        return DiscoveryResult(pool=0, themes=[], themed=0)
    found = discover_themes(
        [r.text for r in rows],
        stack([r.embedding for r in rows]),
        min_theme_size=min_theme_size,
        sentiments=[r.sentiment_score for r in rows],
        brand_terms=brand_terms,
    )
    created = []
    members_themed: list[int] = []
    mentions: list[dict[str, object]] = []
    sentence_ids = [r.id for r in rows]
    themes = [_theme(discovered, sentence_ids=sentence_ids, now=now) for discovered in found]
    session.add_all(themes)
    session.flush()
    for theme, discovered in zip(themes, found, strict=True):
        created.append(theme.id)
        vectors = stack([rows[i].embedding for i in discovered.members])
        similarities = vectors @ discovered.centroid
        mentions.extend(
            mention
            for i, similarity in zip(discovered.members, similarities, strict=True)
            for mention in mention_rows(
                sentence_id=rows[i].id,
                response_id=rows[i].response_id,
                sentiment=rows[i].sentiment,
                matches=[(theme.id, round(float(similarity), 4))],
            )
        )
        members_themed.extend(rows[i].id for i in discovered.members)
    write_mentions(session=session, mentions=mentions, themed=members_themed, pooled=[])
    themed = len(members_themed)
    if created:
        themed += assign_pool(session=session, rule=rule, theme_ids=created)
    return DiscoveryResult(pool=len(rows), themes=created, themed=themed)


def _theme(discovered: DiscoveredTheme, *, sentence_ids: list[int], now: datetime) -> Theme:
    return Theme(
        id=new_id(),
        label=discovered.label[:200],
        description=discovered.description,
        status="proposed",
        keywords=list(discovered.keywords),
        centroid=to_bytes(discovered.centroid),
        examples=[sentence_ids[i] for i in discovered.quotes],
        created_at=now,
        updated_at=now,
    )
