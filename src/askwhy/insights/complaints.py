"""What drives complaints and what changed, on sentiment: the outcome when responses have no score.

Every analysed response has a sentiment, so every analysis can say which themes come with negative
responses, how the share of negative responses moved between the last two periods, and how it
differs between segments. Answers are plain dicts, shaped as the API and the report show them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.analysis.sentiment_outcome import SentimentOutcome, sentiment_change, sentiment_drivers
from askwhy.domain.grouping import Period, period_start
from askwhy.insights.scored import theme_names
from askwhy.insights.selection import Selection
from askwhy.store.analysis_tables import ResponseAnalysis, ThemeMention
from askwhy.store.tables import Response


class NothingFelt(LookupError):
    """No analysed response matches the question."""


@dataclass(frozen=True)
class Felt:
    """Analysed responses of a selection, oldest first, with their sentiment."""

    ids: list[str]
    dates: list[datetime]
    segments: list[dict[str, str]]
    negative: np.ndarray
    sentiment: np.ndarray


def felt_responses(*, session: Session, selection: Selection) -> Felt:
    query = selection.apply(
        select(Response.id, Response.responded_at, Response.segment, ResponseAnalysis.sentiment,
               ResponseAnalysis.sentiment_score)
        .join(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .order_by(Response.responded_at, Response.id)
    )  # fmt: skip
    rows = list(session.execute(query))
    if not rows:
        raise NothingFelt("no analysed responses match")
    return Felt(
        ids=[r.id for r in rows],
        dates=[r.responded_at for r in rows],
        segments=[{str(k): str(v) for k, v in (r.segment or {}).items()} for r in rows],
        negative=np.array([r.sentiment == "negative" for r in rows], dtype=np.float64),
        sentiment=np.array([float(r.sentiment_score) for r in rows], dtype=np.float64),
    )


def _mentions(session: Session, felt: Felt, names: dict[str, str]) -> np.ndarray:
    position = {response_id: i for i, response_id in enumerate(felt.ids)}
    column = {theme_id: j for j, theme_id in enumerate(names)}
    matrix = np.zeros((len(felt.ids), len(names)))
    if names:
        query = select(ThemeMention.response_id, ThemeMention.theme_id).where(
            ThemeMention.theme_id.in_(list(names))
        )
        for response_id, theme_id in session.execute(query):
            if response_id in position:
                matrix[position[response_id], column[theme_id]] = 1
    return matrix


def _outcome(felt: Felt, mentions: np.ndarray, names: dict[str, str], rows: list[int]) -> SentimentOutcome:
    return SentimentOutcome.build(
        themes=list(names.values()),
        mentions=mentions[rows],
        negative=felt.negative[rows],
        sentiment=felt.sentiment[rows],
    )


def choose_period(dates: list[datetime]) -> Period:
    """Months over half a year of data, weeks over three weeks, else days (as for scored metrics)."""
    span = dates[-1] - dates[0]
    if span > timedelta(days=180):
        return Period.MONTH
    return Period.WEEK if span > timedelta(days=21) else Period.DAY


def _share(felt: Felt, rows: list[int]) -> dict[str, Any]:
    return {
        "n": len(rows),
        "negative_share": round(float(100 * felt.negative[rows].mean()), 2),
        "mean_sentiment": round(float(felt.sentiment[rows].mean()), 4),
    }


def complaints(
    *,
    session: Session,
    selection: Selection,
    max_themes: int = 25,
    before: date | None = None,
    after: date | None = None,
) -> dict[str, Any]:
    """Negative share overall, per period and per segment, its drivers, and its last change."""
    felt = felt_responses(session=session, selection=selection)
    names = theme_names(session=session, max_themes=max_themes, selection=selection)
    mentions = _mentions(session, felt, names)
    every = list(range(len(felt.ids)))
    period = choose_period(felt.dates)
    starts = [period_start(d, period) for d in felt.dates]
    by_period: dict[date, list[int]] = defaultdict(list)
    for row, start in enumerate(starts):
        by_period[start].append(row)
    segments: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row, segment in enumerate(felt.segments):
        for key, value in segment.items():
            segments[key][value].append(row)
    drivers = sentiment_drivers(_outcome(felt, mentions, names, every))
    return {
        "overall": _share(felt, every),
        "period": period.value,
        "trend": [
            {"period": start.isoformat(), **_share(felt, rows)} for start, rows in sorted(by_period.items())
        ],
        "by_segment": {
            key: [{"value": value, **_share(felt, rows)} for value, rows in sorted(values.items())]
            for key, values in sorted(segments.items())
        },
        "drivers": [
            {
                "theme": d.theme,
                "theme_id": _id(names, d.theme),
                "mentions": d.mentions,
                "share": round(d.share, 4),
                "negative_with": round(d.negative_with, 2),
                "negative_without": None if d.negative_without is None else round(d.negative_without, 2),
                "impact": None if d.impact is None else round(d.impact, 2),
                "mean_sentiment": round(d.mean_sentiment, 4),
                "p_value": d.p_value,
                "significant": d.significant,
            }
            for d in drivers.drivers
        ],
        "change": _change(felt, mentions, names, by_period, period=period, before=before, after=after),
    }


def _change(
    felt: Felt,
    mentions: np.ndarray,
    names: dict[str, str],
    by_period: dict[date, list[int]],
    *,
    period: Period,
    before: date | None,
    after: date | None,
) -> dict[str, Any] | None:
    """The change of the negative share between two periods (the last two by default), or None."""
    if before is not None and after is not None:
        old, new = period_start(before, period), period_start(after, period)
    elif len(by_period) >= 2:
        old, new = sorted(by_period)[-2:]
    else:
        return None
    if old == new or not by_period.get(old) or not by_period.get(new):
        return None
    change = sentiment_change(
        _outcome(felt, mentions, names, by_period[old]), _outcome(felt, mentions, names, by_period[new])
    )
    return {
        "from": old.isoformat(),
        "to": new.isoformat(),
        "period": period.value,
        "before": {"n": len(by_period[old]), "negative_share": round(change.before, 2)},
        "after": {"n": len(by_period[new]), "negative_share": round(change.after, 2)},
        "delta": round(change.delta, 2),
        "p_value": change.p_value,
        "significant": change.significant,
        "baseline": round(change.baseline, 2),
        "effects": [
            {
                "theme": e.theme,
                "theme_id": _id(names, e.theme),
                "effect": round(e.effect, 2),
                "share_before": round(e.share_before, 4),
                "share_after": round(e.share_after, 4),
            }
            for e in change.effects
        ],
    }


def _id(names: dict[str, str], label: str) -> str:
    return next(theme_id for theme_id, name in names.items() if name == label)
