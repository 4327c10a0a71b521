"""Reading the codebook: themes with their volume and sentiment, and a theme with its quotes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from askwhy.insights.codebook import get_theme
from askwhy.insights.selection import Selection
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, Theme, ThemeMention
from askwhy.store.tables import Response


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
    query = select(func.count()).select_from(ResponseAnalysis).join(Response)
    return int(session.scalar(selection.apply(query)) or 0)


def list_themes(
    *, session: Session, selection: Selection | None = None, include_merged: bool = False
) -> list[ThemeSummary]:
    """Every theme with its volume and sentiment in the selection: top-level themes first, each level
    most mentioned first."""
    selection = selection or Selection()
    counts = {row.theme_id: row for row in session.execute(_counts(selection))}
    total = enriched_count(session=session, selection=selection)
    themes = session.scalars(select(Theme).order_by(Theme.created_at, Theme.id))
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
    *, session: Session, theme_id: str, selection: Selection | None = None, quotes: int = 10
) -> ThemeDetail:
    """One theme with its quotes (chosen examples first, then the closest; no repeats) and children."""
    selection = selection or Selection()
    theme = get_theme(session=session, theme_id=theme_id)
    counts = {row.theme_id: row for row in session.execute(_counts(selection, theme_ids=[theme_id]))}
    total = enriched_count(session=session, selection=selection)
    return _detail(
        session=session,
        theme=theme,
        summary=_summary(theme, counts.get(theme_id), total),
        selection=selection,
        quotes=quotes,
        total=total,
    )


def theme_details(
    *, session: Session, themes: list[ThemeSummary], selection: Selection, quotes: int, total: int
) -> list[ThemeDetail]:
    """`show_theme` for many themes already summarised (by `list_themes`), without counting again."""
    return [
        _detail(
            session=session,
            theme=get_theme(session=session, theme_id=summary.id),
            summary=summary,
            selection=selection,
            quotes=quotes,
            total=total,
        )
        for summary in themes
    ]


def _detail(
    *, session: Session, theme: Theme, summary: ThemeSummary, selection: Selection, quotes: int, total: int
) -> ThemeDetail:
    query = (
        select(ThemeMention.similarity, Sentence, Response.responded_at)
        .join(Sentence, Sentence.id == ThemeMention.sentence_id)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(ThemeMention.theme_id == theme.id)
    )
    examples = [e for e in theme.examples if isinstance(e, int)]
    ordered = query.order_by(Sentence.id.in_(examples or [-1]).desc(), ThemeMention.similarity.desc())
    rows = session.execute(selection.apply(ordered).limit(quotes * 5))
    found: list[Quote] = []
    seen: set[str] = set()
    for similarity, s, when in rows:
        key = " ".join(s.text.lower().split())
        if key in seen or len(found) >= quotes:
            continue
        seen.add(key)
        found.append(
            Quote(s.id, s.response_id, s.text, s.sentiment, s.sentiment_score, round(similarity, 4), when)
        )
    children = []
    kids = list(session.scalars(select(Theme).where(Theme.parent_id == theme.id, Theme.status != "merged")))
    if kids:
        kid_counts = {
            row.theme_id: row for row in session.execute(_counts(selection, theme_ids=[k.id for k in kids]))
        }
        children = [_summary(kid, kid_counts.get(kid.id), total) for kid in kids]
    return ThemeDetail(summary, found, children)


def _counts(selection: Selection, *, theme_ids: list[str] | None = None):  # type: ignore[no-untyped-def]
    query = (
        select(
            ThemeMention.theme_id,
            func.count().label("mentions"),
            func.count(func.distinct(ThemeMention.response_id)).label("responses"),
            func.avg(Sentence.sentiment_score).label("sentiment"),
            func.sum(case((ThemeMention.polarity > 0, 1), else_=0)).label("positive"),
            func.sum(case((ThemeMention.polarity < 0, 1), else_=0)).label("negative"),
        )
        .join(Sentence, Sentence.id == ThemeMention.sentence_id)
        .join(Response, Response.id == ThemeMention.response_id)
        .group_by(ThemeMention.theme_id)
    )
    if theme_ids is not None:
        query = query.where(ThemeMention.theme_id.in_(theme_ids))
    return selection.apply(query)


def _summary(theme: Theme, counts: object | None, total: int) -> ThemeSummary:
    responses = int(getattr(counts, "responses", 0) or 0)
    sentiment = getattr(counts, "sentiment", None)
    return ThemeSummary(
        id=theme.id,
        label=theme.label,
        description=theme.description,
        status=theme.status,
        parent_id=theme.parent_id,
        merged_into_id=theme.merged_into_id,
        keywords=[str(k) for k in theme.keywords],
        mentions=int(getattr(counts, "mentions", 0) or 0),
        responses=responses,
        share=responses / total if total else None,
        sentiment=None if sentiment is None else round(float(sentiment), 4),
        positive=int(getattr(counts, "positive", 0) or 0),
        negative=int(getattr(counts, "negative", 0) or 0),
        created_at=theme.created_at,
        updated_at=theme.updated_at,
    )
