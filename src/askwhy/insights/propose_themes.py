"""Discovering new themes in the pool: the sentences that no theme of the codebook explains.

Re-running is incremental. New sentences were coded into the existing themes as they arrived; the
pool is what those themes do not explain. Discovery clusters the pool together with the sentences
already themed (the same context as the run before, so the same data finds the same themes and a
little more data nearly the same), then matches each theme found to the codebook
(`askwhy.analysis.theme_matching`): one that is an existing theme (same texts, same label or a
near-identical centre) gives its pool sentences to that theme, which keeps its id, label, status
and edits; only the rest become proposed themes, with ids derived from their content, when enough
pool sentences make them. The top level stays the codebook's where the data does not tell it from
the best count. Themed sentences stay where they are (people may have moved them), and
existing themes are never relabelled, recentred or removed here. Sentences with no content are set
aside, and the rest of the pool is offered to the themes found by the usual assignment rule.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import update
from sqlalchemy.orm import Session

from askwhy.analysis.discovered import text_key
from askwhy.analysis.discovery import discover_codebook, min_size_for
from askwhy.analysis.theme_matching import KnownTheme, Placement, place_themes, proposes
from askwhy.insights.code_responses import AssignmentRule, assign_pool, mention_rows, write_mentions
from askwhy.insights.vectors import from_bytes, stack, to_bytes
from askwhy.store import theme_coding, theme_members
from askwhy.store.analysis_tables import Sentence, Theme

NO_CONTENT = "empty"
"""The theme state of a sentence with nothing to code (a greeting, "thanks", "ok"): never clustered."""


@dataclass(frozen=True)
class DiscoveryResult:
    pool: int
    """Sentences in the pool before discovery."""
    themes: list[str]
    """Ids of the new top-level themes proposed, largest first."""
    themed: int
    """Pool sentences that now have a theme."""
    subthemes: list[str] = field(default_factory=list)
    no_content: int = 0
    """Pool sentences set aside as having nothing to code."""
    found_again: list[str] = field(default_factory=list)
    """Existing themes that themes found in the pool turned out to be: they gained those sentences."""


def discover(
    *,
    session: Session,
    rule: AssignmentRule,
    now: datetime,
    min_theme_size: int | None = None,
    brand_terms: Collection[str] = (),
    include_simulated: bool = False,
) -> DiscoveryResult:
    """Cluster the pool, give what existing themes explain to them, propose the rest, assign the pool.

    A theme found again keeps its id, label, status and edits and only gains members; a merged one
    passes its members on to the theme it was merged into. The codebook's top level (each sentence
    with its nearest top-level centre) stays where the data separates it within noise of the best
    count, so a little more data finds the same top level again. New themes' ids come from their
    content (their label, drawn from their texts), so the same sentences give the same ids in any
    order.
    Simulated responses' sentences are left out unless ``include_simulated``: themes and their
    labels come from customers' words; assignment still codes the simulated ones afterwards.
    Two runs take turns (on PostgreSQL), the second reading the pool the first left.
    """
    theme_coding.one_discovery_at_a_time(session=session)
    rows = theme_members.discovery_sentences(session=session, include_simulated=include_simulated)
    pooled = [i for i, r in enumerate(rows) if r.theme_state == "pool"]
    if not pooled:
        return DiscoveryResult(pool=0, themes=[], themed=0)
    known = [_known(t) for t in theme_members.live_themes(session=session)]
    tops = [k.centroid for k in known if k.parent_id is None and k.centroid is not None]
    found = discover_codebook(
        [r.text for r in rows],
        stack([r.embedding for r in rows]),
        min_theme_size=min_theme_size,
        sentiments=[r.sentiment_score for r in rows],
        brand_terms=brand_terms,
        near_duplicate=rule.near_duplicate,
        codebook=np.stack(tops) if len(tops) > 1 else None,
    )
    placements = place_themes(found.themes, [r.text for r in rows], known, near_duplicate=rule.near_duplicate)
    writing = _Writing(rows, set(pooled), min_theme_size or min_size_for(len(rows)), now)
    for placed in placements:
        writing.place(session, placed)
    unique = list({(m["sentence_id"], m["theme_id"]): m for m in writing.mentions}.values())
    write_mentions(session=session, mentions=unique, themed=sorted(writing.themed), pooled=[])
    empty = [rows[i].id for i in found.no_content if i in writing.pool]
    for start in range(0, len(empty), 5000):
        chunk = empty[start : start + 5000]
        session.execute(update(Sentence).where(Sentence.id.in_(chunk)).values(theme_state=NO_CONTENT))
    themed = len(writing.themed)
    if writing.tops or writing.again:
        themed += assign_pool(session=session, rule=rule, theme_ids=[*writing.tops, *writing.again])
    return DiscoveryResult(
        pool=len(pooled),
        themes=writing.tops,
        themed=themed,
        subthemes=writing.subs,
        no_content=len(empty),
        found_again=writing.again,
    )


@dataclass
class _Writing:
    """What one discovery run writes: only pool sentences are coded, themed ones stay where they are."""

    rows: list[Any]
    pool: set[int]
    least: int
    """A new theme needs this many pool sentences; fewer join its parent, or stay in the pool."""
    now: datetime
    mentions: list[dict[str, object]] = field(default_factory=list)
    themed: set[int] = field(default_factory=set)
    tops: list[str] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)
    again: list[str] = field(default_factory=list)

    def place(self, session: Session, placed: Placement) -> None:
        if not proposes(placed, self.pool, self.least):
            return
        top = _stored(session, placed, examples=self._examples(placed), now=self.now, parent_id=None)
        (self.again if placed.known else self.tops).append(top.id)
        self._code(placed, top.id)
        for child in placed.subthemes:
            if not proposes(child, self.pool, self.least):
                continue
            sub = _stored(session, child, examples=self._examples(child), now=self.now, parent_id=top.id)
            if child.known is None:
                self.subs.append(sub.id)
            self._code(child, sub.id)

    def _examples(self, placed: Placement) -> list[int]:
        """Its representative sentences among those it is given (themed ones stay in their themes)."""
        return [self.rows[i].id for i in placed.discovered.quotes if i in self.pool]

    def _pooled(self, placed: Placement) -> list[int]:
        return [i for i in placed.discovered.members if i in self.pool]

    def _code(self, placed: Placement, theme_id: str) -> None:
        members = self._pooled(placed)
        self.mentions.extend(_mentions(self.rows, members, placed.discovered.centroid, theme_id))
        self.themed.update(self.rows[i].id for i in members)


def _known(theme: theme_members.LiveTheme) -> KnownTheme:
    return KnownTheme(
        id=theme.id,
        label=theme.label,
        centroid=from_bytes(theme.centroid) if theme.centroid else None,
        texts=frozenset(text_key(t) for t in theme.texts),
        parent_id=theme.parent_id,
    )


def _mentions(
    rows: list[Any], members: list[int], centroid: NDArray[np.float32], theme_id: str
) -> list[dict[str, object]]:
    if not members:
        return []
    similarities = stack([rows[i].embedding for i in members]) @ centroid
    return [
        mention
        for i, similarity in zip(members, similarities, strict=True)
        for mention in mention_rows(
            sentence_id=rows[i].id,
            response_id=rows[i].response_id,
            sentiment=rows[i].sentiment,
            matches=[(theme_id, round(float(similarity), 4))],
        )
    ]


def _stored(
    session: Session,
    placed: Placement,
    *,
    examples: list[int],
    now: datetime,
    parent_id: str | None,
) -> Theme:
    """The theme a placement goes to: the existing one (followed through merges), or a new proposal."""
    theme = session.get(Theme, placed.id)
    seen: set[str] = set()
    while theme is not None and theme.status == "merged" and theme.merged_into_id and theme.id not in seen:
        seen.add(theme.id)
        theme = session.get(Theme, theme.merged_into_id)
    if theme is not None:
        return theme
    discovered = placed.discovered
    theme = Theme(
        id=placed.id,
        label=discovered.label[:200],
        description=discovered.description,
        status="proposed",
        parent_id=parent_id,
        keywords=list(discovered.keywords),
        centroid=to_bytes(discovered.centroid),
        examples=examples,
        created_at=now,
        updated_at=now,
    )
    session.add(theme)
    session.flush()
    return theme
