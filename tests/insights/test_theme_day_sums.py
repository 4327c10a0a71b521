"""Theme sums kept per day between views count what the mentions hold after every kind of change:
read while the change's cells wait to be recounted, after the recount, and when the recount ran
between two views; a view after a change reads only the days it touched."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from askwhy.bootstrap import Container
from askwhy.insights import selection_counts, theme_day_sums
from askwhy.insights.selection import Selection, start_of
from askwhy.store import day_cells, theme_volumes
from askwhy.store.tables import Response
from tests.insights.test_day_tallies import CHANGES, _assert_same_themes, _seed, _settle_everything
from tests.insights.test_pattern_days import SELECTIONS

SPLIT = date(2026, 3, 4)


def _assert_same(session: Session) -> None:
    for selection in SELECTIONS:
        tallied = selection_counts.tallied(session=session, selection=selection)
        assert tallied is not None
        _assert_same_themes(
            selection_counts.theme_counts(session=session, selection=selection),
            theme_volumes.theme_counts(session=session, restrict=selection.apply),
        )
        kept = selection_counts.theme_counts_split(session=session, selection=selection, split_at=SPLIT)
        direct = theme_volumes.theme_counts_split(
            session=session, restrict=selection.apply, split_at=start_of(SPLIT)
        )
        for got, want in zip(kept, direct, strict=True):
            _assert_same_themes(got, want)
        assert selection_counts.most_mentioned_themes(
            session=session, selection=selection, limit=None
        ) == theme_volumes.most_mentioned_themes(session=session, restrict=selection.apply), selection


def test_sums_kept_per_day_match_the_mentions_from_the_first_view(container: Container) -> None:
    _seed(container.sessions, responses=200)
    with container.reads() as session:
        _assert_same(session)  # every cell marked: every day counted
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)  # every cell numbered anew
    with container.reads() as session:
        _assert_same(session)  # every day from memory


@pytest.mark.parametrize("change", list(CHANGES))
def test_sums_kept_per_day_follow_every_change(container: Container, change: str) -> None:
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


def test_only_the_days_a_change_touched_are_read_again(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(container.sessions, responses=200)
    _settle_everything(container)
    selection = Selection(program="shop")
    asked: list[list[date]] = []
    counting = theme_day_sums._count

    def spy(session: Session, cells: day_cells.Cells, days: list[date]) -> object:
        asked.append(days)
        return counting(session, cells, days)

    monkeypatch.setattr(theme_day_sums, "_count", spy)
    with container.reads() as session:
        selection_counts.theme_counts(session=session, selection=selection)
        first = asked[-1]
        assert len(first) == 7, "the first view reads the week"
    with container.reads() as session:
        selection_counts.theme_counts(session=session, selection=selection)
        assert asked[-1] == [], "a view with nothing changed reads nothing"
    with container.sessions.begin() as session:
        rescored = session.scalar(  # a response the selection counts: ids are random
            select(Response.id).where(Response.program == "shop", Response.simulated.is_(False)).limit(1)
        )
        session.execute(
            update(Response)
            .where(Response.id == rescored)
            .values(responded_at=start_of(first[0]) + timedelta(hours=1))
        )
    with container.reads() as session:
        cells = day_cells.with_stale(session=session, cells=day_cells.Cells(program="shop"))
        assert cells is not None
        selection_counts.theme_counts(session=session, selection=selection)
        assert asked[-1] == sorted({key.day for key in cells.stale})
        assert 1 <= len(asked[-1]) <= 2, "the day the response left and the day it joined"
