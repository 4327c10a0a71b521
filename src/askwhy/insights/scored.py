"""Loading scored responses and their themes from the store, as the statistics modules take them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from askwhy.analysis.theme_patterns import ThemePatterns
from askwhy.analysis.themed import ThemedScores
from askwhy.domain.grouping import ScoredResponse
from askwhy.domain.scales import SCALES, Metric
from askwhy.insights import pattern_days, selection_counts
from askwhy.insights.selection import Selection
from askwhy.store import scores, theme_patterns, theme_volumes
from askwhy.store.response_filters import Restrict


@dataclass(frozen=True)
class Scored:
    """Scored responses of one metric with their ids, in the same order."""

    metric: Metric
    ids: list[str]
    responses: list[ScoredResponse]


def main_metric(*, session: Session, selection: Selection) -> Metric | None:
    """The metric most responses in the selection were scored on (None when none was scored)."""
    counted = selection_counts.score_counts(
        session=session, selection=selection, metrics=[m.value for m in SCALES]
    )
    counts = Counter({Metric(metric): n for metric, n in counted.items()})
    return counts.most_common(1)[0][0] if counts else None


def scored_responses(
    *, session: Session, selection: Selection, metric: Metric, segments: bool = True
) -> Scored:
    """Every response of the selection scored on ``metric``, oldest first (without their segment
    values when ``segments`` is False: drivers and changes never read them)."""
    rows = scores.scored_in_selection(
        session=session, restrict=selection.apply, metric=metric.value, segments=segments
    )
    responses = [
        ScoredResponse(
            row.score,
            metric,
            row.responded_at,
            row.program,
            row.channel,
            {str(k): str(v) for k, v in row.segment.items()},
        )
        for row in rows
    ]
    return Scored(metric, [row.id for row in rows], responses)


def theme_names(
    *, session: Session, max_themes: int | None = None, selection: Selection | None = None
) -> dict[str, str]:
    """Theme id → a unique display label, for the live themes most mentioned in the selection first.

    Top-level themes only: a discovered subtheme's sentences already count for its parent theme.
    """
    ranked = selection_counts.most_mentioned_themes(
        session=session, selection=selection or Selection(), limit=max_themes
    )
    names: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for theme_id, label in ranked:
        seen[label] += 1
        names[theme_id] = label if seen[label] == 1 else f"{label} ({seen[label]})"
    return names


def _dated(selection: Selection | None) -> Restrict | None:
    """The selection's filter when it has dates: reading its mentions through its responses then
    reads a fraction of them; a whole program's are read faster theme by theme, the rows of other
    responses dropped in `themed_scores`."""
    return selection.apply if selection is not None and (selection.since or selection.until) else None


def has_themes(*, session: Session) -> bool:
    """True when the codebook holds a live theme (discovered or the guide's own)."""
    return theme_volumes.any_live_theme(session=session)


def themed_scores(
    *,
    session: Session,
    scored: Scored,
    names: dict[str, str],
    subset: list[int] | None = None,
    selection: Selection | None = None,
) -> ThemedScores:
    """Responses × themes mentions and mean sentiment, for the given rows of ``scored`` (all by default).

    Counted with numpy over every mention at once: a program of 100,000 responses has some 300,000.
    ``selection``, the one ``scored`` was loaded from (or narrower), spares loading the mentions of
    every other response."""
    rows = list(range(len(scored.ids))) if subset is None else subset
    position = {scored.ids[i]: k for k, i in enumerate(rows)}
    column = {theme_id: j for j, theme_id in enumerate(names)}
    mentions = np.zeros((len(rows), len(names)))
    sums = np.zeros(mentions.shape)
    if names and rows:
        found = [
            (k, column[m.theme_id], m.sentiment)
            for m in theme_volumes.mention_feelings(
                session=session, theme_ids=list(names), restrict=_dated(selection)
            )
            if (k := position.get(m.response_id)) is not None
        ]
        if found:
            at_row, at_column, feeling = (np.asarray(part) for part in zip(*found, strict=True))
            np.add.at(mentions, (at_row, at_column), 1)
            np.add.at(sums, (at_row, at_column), feeling)
    with np.errstate(invalid="ignore", divide="ignore"):
        sentiment_matrix = np.where(mentions > 0, sums / mentions, np.nan)
    mentions = np.minimum(mentions, 1)
    return ThemedScores.build(
        themes=list(names.values()),
        mentions=mentions,
        scores=[scored.responses[i].score for i in rows],
        sentiment=sentiment_matrix,
    )


def themed_patterns(
    *, session: Session, selection: Selection, metric: Metric, names: dict[str, str], feelings: bool = True
) -> ThemePatterns:
    """The selection's responses scored on ``metric`` counted by (score, which of ``names`` they
    mention): what driver and change analysis read, in one grouped query rather than every
    response. ``feelings`` adds each theme's mean sentiment (a second query, over the mentions'
    sentences), which only the drivers table shows."""
    ids = list(names)
    counted = pattern_days.score_patterns(
        session=session, selection=selection, metric=metric.value, theme_ids=ids
    )
    sentiment = None
    if feelings:
        felt = theme_patterns.theme_feelings(
            session=session, restrict=selection.apply, metric=metric.value, theme_ids=ids
        )
        sentiment = [felt[i].total / felt[i].responses if i in felt else np.nan for i in ids]
    return ThemePatterns.build(
        themes=list(names.values()),
        mentions=[[theme_id in row.themes for theme_id in ids] for row in counted],
        scores=[row.score for row in counted],
        counts=[row.responses for row in counted],
        sentiment=sentiment,
    )
