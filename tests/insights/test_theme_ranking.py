"""Drivers and changes rank themes within the selection asked about, not over the whole store."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.insights.scored import theme_names
from askwhy.insights.selection import Selection
from askwhy.store.analysis_tables import Theme, ThemeMention
from askwhy.store.tables import Response

pytest_plugins = ("tests.insights.fixtures",)


def _mentions_in(session, department: str) -> Counter[str]:  # type: ignore[no-untyped-def]
    query = (
        select(ThemeMention.theme_id, Response.segment)
        .join(Response, Response.id == ThemeMention.response_id)
        .join(Theme, Theme.id == ThemeMention.theme_id)
        .where(Theme.status != "merged")
    )
    return Counter(
        theme for theme, segment in session.execute(query) if segment.get("Department") == department
    )


def test_themes_are_ranked_by_their_mentions_in_the_selection(analysed: Container) -> None:
    tops = Selection(segment={"Department": "Tops"})
    with analysed.sessions() as session:
        counted = _mentions_in(session, "Tops")
        ranked = list(theme_names(session=session, selection=tops))
        overall = list(theme_names(session=session))
        top_two = list(theme_names(session=session, selection=tops, max_themes=2))
    assert ranked == sorted(counted, key=lambda theme: (-counted[theme], theme))
    assert top_two == ranked[:2]
    assert set(ranked) <= set(overall)
    assert ranked != overall  # the fixture's departments speak of different themes most
