"""Reading the codebook: themes with their volume and sentiment, and a theme with its quotes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.analysis.cleaning import readable_quote
from askwhy.analysis.quotes import speaking_quotes
from askwhy.insights import selection_counts
from askwhy.insights.codebook import get_theme
from askwhy.insights.program_codebook import of_program, program_theme_ids, program_wide, require_seen
from askwhy.insights.selection import Selection
from askwhy.insights.vectors import from_bytes
from askwhy.store import theme_volumes
from askwhy.store.analysis_tables import Theme
from askwhy.store.theme_quotes import live_subthemes, quote_candidates
from askwhy.store.theme_volumes import ThemeCount

NOT_MENTIONED = ThemeCount(mentions=0, responses=0, sentiment=None, positive=0, negative=0)


@dataclass(frozen=True)
class ThemeSummary:
    id: str
    label: str
    description: str
    status: str
    parent_id: str | None
    merged_into_id: str | None
    keywords: list[str]
    mentions: int
    """Sentences that speak of the theme."""
    responses: int
    share: float | None
    """Responses mentioning the theme / enriched responses in the selection (None when there are none)."""
    sentiment: float | None
    """Mean sentiment (−1..1) of the sentences that speak of it."""
    positive: int
    negative: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Quote:
    sentence_id: int
    response_id: str
    text: str
    """Redacted."""
    sentiment: str
    sentiment_score: float
    similarity: float
    responded_at: datetime


@dataclass(frozen=True)
class ThemeDetail:
    theme: ThemeSummary
    quotes: list[Quote]
    children: list[ThemeSummary] = field(default_factory=list)


def enriched_count(*, session: Session, selection: Selection) -> int:
    """Enriched responses in the selection: the denominator of a theme's share."""
    return selection_counts.enriched_count(session=session, selection=selection)


def list_themes(
    *,
    session: Session,
    selection: Selection | None = None,
    include_merged: bool = False,
    enriched: int | None = None,
) -> list[ThemeSummary]:
    """Every theme with its volume and sentiment in the selection (of the selection's program, the
    themes it sees: `program_codebook`): top-level themes first, each level most mentioned first.
    ``enriched``, when the caller has counted the selection's analysed responses already, saves
    counting them again."""
    selection = selection or Selection()
    counts = selection_counts.theme_counts(session=session, selection=selection)
    total = enriched_count(session=session, selection=selection) if enriched is None else enriched
    themes = theme_volumes.themes_oldest_first(session=session)
    if selection.program is not None:
        seen = program_theme_ids(
            session=session, program=selection.program, include_simulated=selection.include_simulated,
            themes=themes, mentioned=counts if program_wide(selection) else None,
        )  # fmt: skip
        themes = of_program(themes, seen)
    return summarised(themes, counts, total, include_merged=include_merged)


def summarised(
    themes: list[Theme], counts: Mapping[str, ThemeCount], total: int, *, include_merged: bool = False
) -> list[ThemeSummary]:
    """`list_themes` from counts already made: ``themes`` oldest first, ``total`` analysed responses."""
    summaries = [
        _summary(theme, counts.get(theme.id), total)
        for theme in themes
        if include_merged or theme.status != "merged"
    ]
    return sorted(summaries, key=lambda s: (is_subtheme(s, counts), -s.responses, -s.mentions, s.label))


def is_subtheme(summary: ThemeSummary, counts: Mapping[str, object]) -> bool:
    """True for a subtheme of a theme that is counted itself (a discovered subtheme); the children
    of a split theme take its place at the top level, since the split moved its mentions to them."""
    return summary.parent_id is not None and summary.parent_id in counts


def show_theme(
    *,
    session: Session,
    theme_id: str,
    near_duplicate: float,
    selection: Selection | None = None,
    quotes: int = 10,
) -> ThemeDetail:
    """One theme with its quotes (chosen examples first, then the closest; no repeats, two quotes
    repeating each other at `near_duplicate`, the embedding model's own level) and children;
    `ThemeNotFound` if the selection's program does not see it (`program_codebook`)."""
    selection = selection or Selection()
    require_seen(
        session=session, program=selection.program, theme_ids=[theme_id],
        include_simulated=selection.include_simulated,
    )  # fmt: skip
    theme = get_theme(session=session, theme_id=theme_id)
    counts = selection_counts.theme_counts(session=session, selection=selection, theme_ids=[theme_id])
    total = enriched_count(session=session, selection=selection)
    return _detail(
        session=session,
        theme=theme,
        summary=_summary(theme, counts.get(theme_id), total),
        selection=selection,
        quotes=quotes,
        near_duplicate=near_duplicate,
        total=total,
    )


def theme_details(
    *,
    session: Session,
    themes: list[ThemeSummary],
    selection: Selection,
    quotes: int,
    total: int,
    near_duplicate: float,
) -> list[ThemeDetail]:
    """`show_theme` for many themes already summarised (by `list_themes`), without counting again."""
    return [
        _detail(
            session=session,
            theme=get_theme(session=session, theme_id=summary.id),
            summary=summary,
            selection=selection,
            quotes=quotes,
            near_duplicate=near_duplicate,
            total=total,
        )
        for summary in themes
    ]


def _detail(
    *,
    session: Session,
    theme: Theme,
    summary: ThemeSummary,
    selection: Selection,
    quotes: int,
    near_duplicate: float,
    total: int,
) -> ThemeDetail:
    return ThemeDetail(
        summary,
        _quotes(
            session=session, theme=theme, selection=selection, quotes=quotes, near_duplicate=near_duplicate
        ),
        _children(session=session, theme=theme, selection=selection, total=total),
    )


def theme_quotes(
    *, session: Session, theme_id: str, selection: Selection, quotes: int, near_duplicate: float
) -> list[Quote]:
    """`show_theme`'s quotes alone, without counting the theme and its children."""
    return _quotes(
        session=session,
        theme=get_theme(session=session, theme_id=theme_id),
        selection=selection,
        quotes=quotes,
        near_duplicate=near_duplicate,
    )


def _quotes(
    *, session: Session, theme: Theme, selection: Selection, quotes: int, near_duplicate: float
) -> list[Quote]:
    candidates = quote_candidates(
        session=session,
        restrict=selection.apply,
        theme_id=theme.id,
        examples=[e for e in theme.examples if isinstance(e, int)],
        limit=quotes * 5,
    )
    texts = [c.sentence.text for c in candidates]
    vectors = [from_bytes(c.sentence.embedding) for c in candidates]
    picked = speaking_quotes(texts, vectors, k=quotes, near_duplicate=near_duplicate)
    return [
        Quote(
            c.sentence.id,
            c.sentence.response_id,
            readable_quote(c.sentence.text),
            c.sentence.sentiment,
            c.sentence.sentiment_score,
            round(c.similarity, 4),
            c.responded_at,
        )
        for c in (candidates[i] for i in picked)
    ]


def _children(*, session: Session, theme: Theme, selection: Selection, total: int) -> list[ThemeSummary]:
    kids = live_subthemes(session=session, theme_id=theme.id)
    if not kids:
        return []
    counts = selection_counts.theme_counts(
        session=session, selection=selection, theme_ids=[kid.id for kid in kids]
    )
    return [_summary(kid, counts.get(kid.id), total) for kid in kids]


def _summary(theme: Theme, counts: ThemeCount | None, total: int) -> ThemeSummary:
    counts = counts or NOT_MENTIONED
    responses, sentiment = counts.responses, counts.sentiment
    return ThemeSummary(
        id=theme.id,
        label=theme.label,
        description=theme.description,
        status=theme.status,
        parent_id=theme.parent_id,
        merged_into_id=theme.merged_into_id,
        keywords=[str(k) for k in theme.keywords],
        mentions=counts.mentions,
        responses=responses,
        share=responses / total if total else None,
        sentiment=None if sentiment is None else round(sentiment, 4),
        positive=counts.positive,
        negative=counts.negative,
        created_at=theme.created_at,
        updated_at=theme.updated_at,
    )
