"""Coding into the themes guides name: their centres, their keywords, and the topics probes ask.

A response is coded into its own guide's themes first: by the topic its question probed (an
answer to "what happened with the delivery?" belongs to the delivery theme it probes), by the
guide's keywords (the interviewer's own matching, so the report counts what the interview heard),
and by similarity to the theme's centre with the calibrated assignment rule. Discovery then
proposes only what none of them covers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from askwhy.analysis.answers import Topic
from askwhy.analysis.embeddings import Embedder, Vectors
from askwhy.analysis.enrichment import EnrichedSentence
from askwhy.analysis.guide_themes import guide_prefix, is_guide_theme, seed_texts
from askwhy.domain.guide import Theme as GuideTheme
from askwhy.insights.code_responses import ASSIGNABLE, AssignmentRule
from askwhy.insights.vectors import from_bytes, to_bytes, unit_mean
from askwhy.interview.themes import ThemeMatcher
from askwhy.store.analysis_tables import Theme

ANY_LANGUAGE = "xx"
"""The language code the keyword matcher is handed: stored keywords carry no language."""


@dataclass(frozen=True)
class SeedTheme:
    id: str
    label: str
    keywords: tuple[str, ...]
    centre: Vectors | None


@dataclass
class GuideCodebook:
    """The guide themes of the codebook (accepted or proposed, not merged away), by id."""

    themes: dict[str, SeedTheme]
    centres: dict[str, Vectors] = field(default_factory=dict)
    """Centres computed for this batch, to store with it."""
    _matchers: dict[str, ThemeMatcher] = field(default_factory=dict)

    def of_guide(self, guide_id: str | None) -> list[SeedTheme]:
        prefix = guide_prefix(guide_id) if guide_id else None
        return [t for i, t in sorted(self.themes.items()) if prefix and i.startswith(prefix)]

    def topics(self, guide_id: str | None) -> dict[str, Topic]:
        """The guide's themes by their key in the guide, as probe topics."""
        if not guide_id:
            return {}
        prefix = guide_prefix(guide_id)
        return {t.id.removeprefix(prefix): Topic(t.id, t.label) for t in self.of_guide(guide_id)}

    def keyword_hits(self, guide_id: str | None, text: str) -> list[str]:
        """Ids of the guide's themes whose keywords occur in ``text``, in reading order."""
        if not guide_id:
            return []
        if guide_id not in self._matchers:
            self._matchers[guide_id] = _matcher(
                tuple((t.id, t.label, t.keywords) for t in self.of_guide(guide_id))
            )
        return [match.theme.id for match in self._matchers[guide_id].find(text)]


def load_guide_codebook(*, session: Session, guide_ids: Sequence[str | None]) -> GuideCodebook:
    """The themes of these guides that can take mentions."""
    prefixes = sorted({guide_prefix(g) for g in guide_ids if g})
    if not prefixes:
        return GuideCodebook(themes={})
    of_guides = or_(*[Theme.id.startswith(prefix, autoescape=True) for prefix in prefixes])
    query = select(Theme.id, Theme.label, Theme.keywords, Theme.centroid).where(
        Theme.status.in_(ASSIGNABLE), of_guides
    )
    themes = {
        row.id: SeedTheme(
            row.id, row.label, tuple(row.keywords or ()), from_bytes(row.centroid) if row.centroid else None
        )
        for row in session.execute(query)
    }
    return GuideCodebook(themes=themes)


def fill_centres(codebook: GuideCodebook, embedder: Embedder) -> None:
    """Compute the centre of every guide theme with none for this model (new, or keywords changed)."""
    missing = [
        t for t in codebook.themes.values() if t.centre is None or t.centre.shape[-1] != embedder.dimension
    ]
    if not missing:
        return
    texts = [seed_texts([t.label], t.keywords) for t in missing]
    vectors = embedder.encode([text for group in texts for text in group])
    start = 0
    for theme, group in zip(missing, texts, strict=True):
        centre = unit_mean(vectors[start : start + len(group)])
        start += len(group)
        codebook.centres[theme.id] = centre
        codebook.themes[theme.id] = SeedTheme(theme.id, theme.label, theme.keywords, centre)


def store_centres(*, session: Session, codebook: GuideCodebook) -> None:
    """Store the centres computed for this batch (before sentences are matched against them)."""
    for theme_id, centre in codebook.centres.items():
        theme = session.get(Theme, theme_id)
        if theme is not None:
            theme.centroid = to_bytes(centre)
    session.flush()


def guide_first(
    codebook: GuideCodebook,
    *,
    guide_id: str | None,
    unit: EnrichedSentence,
    similar: Sequence[tuple[str, float]],
    rule: AssignmentRule,
    centres: Mapping[str, Vectors],
) -> list[tuple[str, float]]:
    """(theme id, similarity) for the themes a unit counts for: the theme its question probed and
    its guide's themes whose keywords it uses, all of them; then, up to the rule's maximum, the
    themes it is close to, leaving out other guides' themes."""
    named = [unit.topic] if unit.topic in codebook.themes else []
    named += codebook.keyword_hits(guide_id, unit.text)
    chosen: dict[str, float] = {}
    for theme_id in named:
        centre = centres.get(theme_id)
        if centre is not None and centre.shape[-1] == unit.vector.shape[-1]:
            chosen.setdefault(theme_id, round(float(unit.vector @ centre), 4))
        else:
            chosen.setdefault(theme_id, 1.0)
    mine = guide_prefix(guide_id) if guide_id else None
    for theme_id, similarity in similar:
        if len(chosen) >= max(rule.max_themes, len(named)):
            break
        if not is_guide_theme(theme_id) or (mine is not None and theme_id.startswith(mine)):
            chosen.setdefault(theme_id, similarity)
    return list(chosen.items())


@lru_cache(maxsize=64)
def _matcher(themes: tuple[tuple[str, str, tuple[str, ...]], ...]) -> ThemeMatcher:
    """The keyword matcher of a guide's themes (id, label, keywords), compiled once while they stay
    as they are: each analysis batch loads the codebook afresh, and compiling the keywords again
    took about a fifth of a small batch's CPU."""
    return ThemeMatcher([_matchable(SeedTheme(i, label, keywords, None)) for i, label, keywords in themes])


def _matchable(theme: SeedTheme) -> GuideTheme:
    """The stored theme in the shape the interviewer's keyword matcher reads; the matcher ignores
    languages, so the keywords, stored across languages, sit under one code."""
    text = {ANY_LANGUAGE: theme.label}
    return GuideTheme(
        id=theme.id, label=text, keywords={ANY_LANGUAGE: list(theme.keywords)}, acknowledge=text, probe=text
    )
