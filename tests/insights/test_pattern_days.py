"""Score patterns kept per day between views count what the responses hold after every kind of
change: read while the change's cells wait to be recounted, after the recount, and when the
recount ran between two views (the cells unmarked again, but numbered anew)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from askwhy.bootstrap import Container
from askwhy.insights import pattern_days
from askwhy.insights.selection import Selection
from askwhy.store import day_cells, theme_patterns
from askwhy.store.tables import Response
from tests.insights.test_day_tallies import CHANGES, THEMES, _seed, _settle_everything

SELECTIONS = [
    Selection(program="shop"),
    Selection(program="shop", include_simulated=True),
    Selection(program="shop", channel="web", since=date(2026, 3, 3), until=date(2026, 3, 6)),
    Selection(program="shop", segment={"plan": "plus"}),
    Selection(program="bank", since=date(2026, 3, 4)),
]


def _patterns(found: list[theme_patterns.ScorePattern]) -> Counter[tuple[int, frozenset[str]]]:
    return Counter({(p.score, p.themes): p.responses for p in found})


def _assert_same(session: Session) -> None:
    for selection in SELECTIONS:
        for metric in ("nps", "csat"):
            kept = pattern_days.score_patterns(
                session=session, selection=selection, metric=metric, theme_ids=THEMES
            )
            direct = theme_patterns.score_patterns(
                session=session, restrict=selection.apply, metric=metric, theme_ids=THEMES
            )
            assert _patterns(kept) == _patterns(direct), (selection, metric)
            assert all(p.responses > 0 for p in kept)


def test_patterns_kept_per_day_match_the_responses_from_the_first_view(container: Container) -> None:
    _seed(container.sessions, responses=200)
    with container.reads() as session:
        _assert_same(session)  # every cell marked: every day counted
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)  # every cell numbered anew
        _assert_same(session)  # every day from memory


@pytest.mark.parametrize("change", list(CHANGES))
def test_patterns_kept_per_day_follow_every_change(container: Container, change: str) -> None:
    _seed(container.sessions, responses=200)
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)
    with container.sessions.begin() as session:
        CHANGES[change](session)
    with container.reads() as session:
        _assert_same(session)  # the marked days counted again
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)  # recounted: numbered anew, counted again


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_recounted_between_two_views_is_not_missed(container: Container, change: str) -> None:
    _seed(container.sessions, responses=200)
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)
    with container.sessions.begin() as session:
        CHANGES[change](session)
    _settle_everything(container)  # no view saw the marks
    with container.reads() as session:
        _assert_same(session)


def test_only_the_days_a_change_touched_are_counted_again(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(container.sessions, responses=200)
    _settle_everything(container)
    selection = Selection(program="shop")
    asked: list[list[date]] = []
    counting = pattern_days._count

    def spy(
        session: Session, selection: Selection, metric: str, theme_ids: object, days: list[date], **kw: object
    ) -> object:
        asked.append(days)
        return counting(session, selection, metric, theme_ids, days, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pattern_days, "_count", spy)
    with container.reads() as session:
        pattern_days.score_patterns(session=session, selection=selection, metric="nps", theme_ids=THEMES)
        assert len(asked[-1]) == 7, "the first view counts the week"
        pattern_days.score_patterns(session=session, selection=selection, metric="nps", theme_ids=THEMES)
        assert asked[-1] == [], "a view with nothing changed counts nothing"
    with container.sessions.begin() as session:
        rescored = session.scalar(  # a response the selection counts: ids are random
            select(Response.id)
            .where(Response.program == "shop", Response.simulated.is_(False), Response.metric == "nps")
            .limit(1)
        )
        session.execute(update(Response).where(Response.id == rescored).values(score=1))
    with container.reads() as session:
        cells = day_cells.with_stale(session=session, cells=day_cells.Cells(program="shop"))
        assert cells is not None
        pattern_days.score_patterns(session=session, selection=selection, metric="nps", theme_ids=THEMES)
        assert asked[-1] == sorted({key.day for key in cells.stale})
        assert len(asked[-1]) == 1
