"""Loading scored responses and their themes from the store, as the statistics modules take them."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from askwhy.analysis.themed import ThemedScores
from askwhy.domain.grouping import ScoredResponse
from askwhy.domain.scales import SCALES, Metric
from askwhy.insights.selection import Selection
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.tables import Response


@dataclass(frozen=True)
class Scored:
    """Scored responses of one metric with their ids, in the same order."""

    metric: Metric
    ids: list[str]
    responses: list[ScoredResponse]


def main_metric(*, session: Session, selection: Selection) -> Metric | None:
    """The metric most responses in the selection were scored on (None when none was scored)."""
    query = selection.apply(
        select(Response.metric, func.count())
        .where(Response.score.is_not(None), Response.metric.in_([m.value for m in SCALES]))
        .group_by(Response.metric)
    )
    counts = Counter({Metric(metric): int(n) for metric, n in session.execute(query)})
    return counts.most_common(1)[0][0] if counts else None


def scored_responses(*, session: Session, selection: Selection, metric: Metric) -> Scored:
    """Every response of the selection scored on ``metric``, oldest first."""
    query = selection.apply(
        select(Response.id, Response.score, Response.responded_at, Response.program, Response.channel,
               Response.segment)
        .where(Response.metric == metric.value, Response.score.is_not(None))
        .order_by(Response.responded_at, Response.id)
    )  # fmt: skip
    ids, responses = [], []
    for row in session.execute(query):
        ids.append(row.id)
        segment = {str(k): str(v) for k, v in (row.segment or {}).items()}
        responses.append(
            ScoredResponse(int(row.score), metric, row.responded_at, row.program, row.channel, segment)
        )
    return Scored(metric, ids, responses)


def theme_names(
    *, session: Session, max_themes: int | None = None, selection: Selection | None = None
) -> dict[str, str]:
    """Theme id → a unique display label, for the live themes most mentioned in the selection first.

    Top-level themes only: a discovered subtheme's sentences already count for its parent theme.
    """
    parent = aliased(ThemeMention)
    query = (
        select(Theme.id, Theme.label)
        .join(ThemeMention, ThemeMention.theme_id == Theme.id)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(
            Theme.status != "merged",
            or_(Theme.parent_id.is_(None), ~exists().where(parent.theme_id == Theme.parent_id)),
        )
        .group_by(Theme.id, Theme.label)
        .order_by(func.count().desc(), Theme.id)
    )
    query = (selection or Selection()).apply(query)
    names: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for theme_id, label in session.execute(query.limit(max_themes) if max_themes else query):
        seen[label] += 1
        names[theme_id] = label if seen[label] == 1 else f"{label} ({seen[label]})"
    return names


def has_themes(*, session: Session) -> bool:
    """True when the codebook holds a live theme (discovered or the guide's own)."""
    return session.scalar(select(Theme.id).where(Theme.status != "merged").limit(1)) is not None


def themed_scores(
    *, session: Session, scored: Scored, names: dict[str, str], subset: list[int] | None = None
) -> ThemedScores:
    """Responses × themes mentions and mean sentiment, for the given rows of ``scored`` (all by default)."""
    rows = list(range(len(scored.ids))) if subset is None else subset
    position = {scored.ids[i]: k for k, i in enumerate(rows)}
    column = {theme_id: j for j, theme_id in enumerate(names)}
    mentions = np.zeros((len(rows), len(names)))
    feeling: dict[tuple[int, int], list[float]] = defaultdict(list)
    if names and rows:
        query = (
            select(ThemeMention.response_id, ThemeMention.theme_id, Sentence.sentiment_score)
            .join(Sentence, Sentence.id == ThemeMention.sentence_id)
            .where(ThemeMention.theme_id.in_(list(names)))
        )
        for response_id, theme_id, sentiment in session.execute(query):
            k = position.get(response_id)
            if k is not None:
                mentions[k, column[theme_id]] = 1
                feeling[(k, column[theme_id])].append(float(sentiment))
    sentiment_matrix = np.full(mentions.shape, np.nan)
    for (k, j), values in feeling.items():
        sentiment_matrix[k, j] = float(np.mean(values))
    return ThemedScores.build(
        themes=list(names.values()),
        mentions=mentions,
        scores=[scored.responses[i].score for i in rows],
        sentiment=sentiment_matrix,
    )
