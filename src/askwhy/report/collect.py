"""Gathering every result a report shows, as the same plain shapes the API returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from askwhy.domain.scales import Metric
from askwhy.insights import measures, shapes
from askwhy.insights.complaints import NothingFelt, complaints
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import enriched_count, list_themes, theme_details
from askwhy.store.tables import Response

QUOTES_PER_THEME = 3


def collect(
    *,
    session: Session,
    selection: Selection,
    title: str,
    generated_at: datetime,
    metric: Metric | None = None,
    before: date | None = None,
    after: date | None = None,
    max_themes: int = 25,
    resamples: int = 200,
) -> dict[str, Any]:
    """Metrics, themes with quotes, drivers and the change, each None (with a note) when not possible."""
    notes: list[str] = []
    data: dict[str, Any] = {
        "title": title,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "responses": int(session.scalar(selection.apply(select(func.count()).select_from(Response))) or 0),
        "enriched": enriched_count(session=session, selection=selection),
        "notes": notes,
    }
    data["metrics"] = _attempt(
        notes,
        lambda: shapes.metrics(measures.metrics(session=session, selection=selection, metric=metric)),
    )
    listed = [t for t in list_themes(session=session, selection=selection) if t.mentions]
    counted = {t.id for t in listed}
    themes = [t for t in listed if t.parent_id not in counted]  # subthemes show under their theme
    details = theme_details(
        session=session, themes=themes, selection=selection, quotes=QUOTES_PER_THEME, total=data["enriched"]
    )
    data["themes"] = [shapes.theme_detail(detail) for detail in details]
    unscored: list[str] = []
    data["drivers"] = _attempt(
        unscored,
        lambda: shapes.drivers(
            *measures.drivers(
                session=session,
                selection=selection,
                metric=metric,
                max_themes=max_themes,
                resamples=resamples,
            )
        ),
    )
    data["change"] = _attempt(
        unscored,
        lambda: shapes.change(
            measures.change(
                session=session,
                selection=selection,
                metric=metric,
                before=before,
                after=after,
                max_themes=max_themes,
            )
        ),
    )
    data["complaints"] = None
    if data["metrics"] is None:
        # No score: sentiment is the outcome, so drivers and the change still answer "why".
        data["complaints"] = _attempt(
            notes,
            lambda: complaints(
                session=session, selection=selection, max_themes=max_themes, before=before, after=after
            ),
        )
    else:
        notes.extend(note for note in unscored if note not in notes)
    return data


def _attempt(notes: list[str], build: Any) -> dict[str, Any] | None:
    try:
        result: dict[str, Any] = build()
    except (measures.NothingToMeasure, NothingFelt, ValueError) as exc:
        notes.append(str(exc))
        return None
    return result
