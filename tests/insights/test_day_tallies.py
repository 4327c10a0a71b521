"""The day tallies give the workspace the same counts as the responses themselves, after every
kind of change (new responses coded, a theme merged, a sentence's feeling revised, a response
moved to another channel or day, a response erased, its segment values changed, a bulk load
outside a session), both before the recount reaches the cells a change marked stale and after
it; so do the segment tallies for a selection of one segment value."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from askwhy.analysis.change import explain_change
from askwhy.bootstrap import Container
from askwhy.domain.grouping import Period, period_start
from askwhy.insights import measures, selection_counts
from askwhy.insights.scored import themed_scores
from askwhy.insights.segment_change import split_choices
from askwhy.insights.selection import Selection, start_of
from askwhy.store import conversation_listing as listing
from askwhy.store import (
    day_cells,
    day_recount,
    day_tallies,
    overview_counts,
    overview_scores,
    scores,
    theme_reading,
    theme_volumes,
)
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, Theme, ThemeMention
from askwhy.store.day_tally_tables import ResponseDay, SegmentResponseDay, StaleDayCell
from askwhy.store.tables import Response
from askwhy.tasks.analysis import SETTLE_DAY_TALLIES

START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
RESPONSES: Table = Response.__table__  # type: ignore[assignment]
THEMES = ("late", "price", "staff")
SELECTIONS = [
    Selection(),
    Selection(program="shop"),
    Selection(program="shop", include_simulated=True),
    Selection(program="shop", channel="sms"),
    Selection(program="shop", language="fr"),
    Selection(program="shop", since=date(2026, 3, 3), until=date(2026, 3, 6)),
    Selection(program="shop", channel="web", language="en", since=date(2026, 3, 2), until=date(2026, 3, 4)),
    Selection(program="bank", include_simulated=True),
    Selection(program="shop", segment={"plan": "plus"}),
    Selection(program="shop", channel="sms", since=date(2026, 3, 3), segment={"region": "EU"}),
    Selection(program="bank", include_simulated=True, segment={"plan": "free"}),
    Selection(program="shop", segment={"plan": "gold"}),
]


def _seed(sessions: sessionmaker[Session], *, responses: int, seed: int = 1) -> None:
    """Responses of two programs over a week, some simulated, some not analysed, each analysed one
    with one or two sentences mentioning one or two themes."""
    rng = random.Random(seed)
    with sessions.begin() as session:
        for theme in THEMES:
            if session.get(Theme, theme) is None:
                session.add(
                    Theme(id=theme, label=theme, status="accepted", created_at=START, updated_at=START)
                )
        session.flush()
        for _ in range(responses):
            _respond(session, rng)


def _respond(session: Session, rng: random.Random) -> None:
    at = START + timedelta(minutes=rng.randrange(7 * 24 * 60))
    response = Response(
        program=rng.choice(("shop", "shop", "bank")), guide_id="g", channel=rng.choice(("web", "sms")),
        metric=rng.choice(("nps", "nps", "csat")), score=rng.choice((None, 0, 3, 5, 7, 9, 10)), band="x",
        language=rng.choice(("en", "fr")), completion=rng.choice(("completed", "partial")),
        simulated=rng.random() < 0.2, segment=_segment(rng),
        responded_at=at, updated_at=at,
    )  # fmt: skip
    session.add(response)
    session.flush()
    if rng.random() < 0.15:
        return
    analysis = ResponseAnalysis(
        response_id=response.id, text="", language=response.language, sentiment="neutral",
        sentiment_score=0.0, model="m", enriched_at=at,
    )  # fmt: skip
    session.add(analysis)
    for position in range(rng.choice((1, 2))):
        feeling = rng.uniform(-1, 1)
        sentence = Sentence(
            response_id=response.id, position=position, kind="sentence", text="words",
            sentiment="neutral", sentiment_score=feeling, embedding=b"", theme_state="themed",
        )  # fmt: skip
        session.add(sentence)
        session.flush()
        for theme in rng.sample(THEMES, rng.choice((1, 2))):
            mention = ThemeMention(
                sentence_id=sentence.id, theme_id=theme, response_id=response.id, similarity=0.8,
                polarity=(feeling > 0.1) - (feeling < -0.1),
            )  # fmt: skip
            session.add(mention)


def _segment(rng: random.Random) -> dict[str, Any]:
    """A plan, most often a region, and now and then a value no segment filter can match on
    SQLite (a number, a list), or no segment values at all."""
    segment: dict[str, Any] = {"plan": rng.choice(("free", "plus"))}
    if rng.random() < 0.7:
        segment["region"] = rng.choice(("EU", "US"))
    if rng.random() < 0.1:
        segment["seats"] = rng.choice((3, [1, 2]))
    return segment if rng.random() < 0.95 else {}


def _assert_same(session: Session) -> None:
    """Every count the tallies give equals the one counted from the responses, for every selection."""
    for selection in SELECTIONS:
        assert selection_counts.tallied(session=session, selection=selection) is not None, "tallies settled"
        where = selection.apply
        direct = overview_counts.response_totals(session=session, restrict=where)
        got = selection_counts.totals(session=session, selection=selection)
        assert (got.responses, got.completed, got.enriched, got.newest, got.last_change) == (
            direct.responses, direct.completed, direct.enriched, direct.newest, direct.last_change,
        ), selection  # fmt: skip
        assert selection_counts.response_count(session=session, selection=selection) == direct.responses
        assert selection_counts.simulated_count(session=session, selection=selection) == (
            overview_counts.simulated_count(session=session, restrict=where)
        )
        metrics = ("nps", "csat", "ces")
        assert selection_counts.score_counts(session=session, selection=selection, metrics=metrics) == (
            scores.score_counts(session=session, restrict=where, metrics=metrics)
        )
        for metric in ("nps", "csat"):
            assert selection_counts.daily_score_histograms(
                session=session, selection=selection, metric=metric
            ) == overview_scores.daily_score_histograms(session=session, restrict=where, metric=metric)
        _assert_same_themes(selection_counts.theme_counts(session=session, selection=selection), (
            theme_volumes.theme_counts(session=session, restrict=where)
        ))  # fmt: skip
        split = date(2026, 3, 4)
        tallied_split = selection_counts.theme_counts_split(
            session=session, selection=selection, split_at=split
        )
        direct_split = theme_volumes.theme_counts_split(
            session=session, restrict=where, split_at=start_of(split)
        )
        for got_side, direct_side in zip(tallied_split, direct_split, strict=True):
            _assert_same_themes(got_side, direct_side)
        assert selection_counts.enriched_count(session=session, selection=selection) == (
            theme_volumes.enriched_count(session=session, restrict=where)
        )
        assert selection_counts.enriched_counts_split(
            session=session, selection=selection, split_at=split
        ) == (theme_volumes.enriched_counts_split(session=session, restrict=where, split_at=start_of(split)))
        assert selection_counts.analysed_per_day(session=session, selection=selection) == (
            theme_reading.analysed_per_day(session=session, restrict=where)
        )
        assert selection_counts.latest_analysed(session=session, selection=selection) == (
            theme_reading.latest_analysed(session=session, restrict=where)
        )
        for theme in THEMES:
            assert selection_counts.theme_responses_per_day(
                session=session, selection=selection, theme_id=theme
            ) == theme_reading.theme_responses_per_day(session=session, restrict=where, theme_id=theme)
        _assert_same_lists(session, selection)


def _assert_same_lists(session: Session, selection: Selection) -> None:
    """The channels and languages a comparison may split on are those the responses use."""
    choices = split_choices(session=session, selection=selection)
    for column in ("channel", "language"):
        direct = listing.distinct_values(session=session, restrict=selection.apply, column=column)
        assert choices[column] == direct, (selection, column)


def _assert_same_themes(
    got: dict[str, theme_volumes.ThemeCount], direct: dict[str, theme_volumes.ThemeCount]
) -> None:
    assert got.keys() == direct.keys()
    for theme, count in direct.items():
        assert (got[theme].mentions, got[theme].responses, got[theme].positive, got[theme].negative) == (
            count.mentions, count.responses, count.positive, count.negative,
        ), theme  # fmt: skip
        assert got[theme].sentiment == pytest.approx(count.sentiment, abs=1e-9)


def _first(session: Session, column: Any, *joined: Any) -> Any:
    query = select(column)
    for table in joined:
        query = query.join(table)
    return session.scalar(query.order_by(column).limit(1))


def _merge_into(s: Session, source: str, target: str) -> object:
    """The source theme's mentions moved to the target, as a merge does (a sentence in both keeps one)."""
    both = select(ThemeMention.sentence_id).where(ThemeMention.theme_id == target)
    s.execute(delete(ThemeMention).where(ThemeMention.theme_id == source, ThemeMention.sentence_id.in_(both)))
    return s.execute(update(ThemeMention).where(ThemeMention.theme_id == source).values(theme_id=target))


def _merge(s: Session) -> object:
    return _merge_into(s, "price", "late")


def _revise_feeling(s: Session) -> object:
    return s.execute(
        update(Sentence).where(Sentence.id == _first(s, Sentence.id)).values(sentiment_score=0.99)
    )


def _move(s: Session) -> object:
    moved = _first(s, Response.id, ResponseAnalysis)
    later = START + timedelta(days=9)
    return s.execute(
        update(Response).where(Response.id == moved).values(channel="whatsapp", responded_at=later)
    )


def _erase(s: Session) -> object:
    return s.execute(delete(Response).where(Response.id == _first(s, Response.id, ThemeMention)))


def _unanalyse(s: Session) -> object:
    gone = _first(s, ResponseAnalysis.response_id)
    return s.execute(delete(ResponseAnalysis).where(ResponseAnalysis.response_id == gone))


def _resegment(s: Session) -> object:
    moved = _first(s, Response.id, ResponseAnalysis)
    return s.execute(
        update(Response).where(Response.id == moved).values(segment={"plan": "gold", "region": "EU"})
    )


def _unmention(s: Session) -> object:
    return s.execute(
        delete(ThemeMention).where(ThemeMention.sentence_id == _first(s, ThemeMention.sentence_id))
    )


CHANGES: dict[str, Callable[[Session], object]] = {
    "a theme merged into another": _merge,
    "a sentence's feeling revised": _revise_feeling,
    "a response moved to another channel and day": _move,
    "a response erased with its analysis": _erase,
    "an analysis removed": _unanalyse,
    "a sentence's mentions removed": _unmention,
    "a response's segment values changed": _resegment,
}


def _settle_everything(container: Container) -> None:
    day_recount.settle_everything(sessions=container.sessions)
    with container.reads() as session:
        assert session.scalar(select(StaleDayCell.program)) is None, "every cell recounted"


def test_the_tallies_count_what_the_responses_hold(container: Container) -> None:
    _seed(container.sessions, responses=300)
    with container.reads() as session:
        assert session.scalar(select(StaleDayCell.program)) is not None, "writes only mark cells"
        _assert_same(session)
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_tallies_follow_every_change_before_and_after_the_recount(
    container: Container, change: str
) -> None:
    _seed(container.sessions, responses=200)
    _settle_everything(container)
    with container.sessions.begin() as session:
        CHANGES[change](session)
    with container.reads() as session:
        assert session.scalar(select(StaleDayCell.program)) is not None, "the change marked its cells"
        _assert_same(session)
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)


def test_a_write_does_not_recount_before_it_commits(container: Container) -> None:
    _seed(container.sessions, responses=50)
    _settle_everything(container)
    with container.reads() as session:
        tallies_before = session.execute(
            select(ResponseDay).order_by(*ResponseDay.__table__.primary_key)
        ).all()
    _seed(container.sessions, responses=50, seed=2)
    with container.reads() as session:
        tallies_after = session.execute(
            select(ResponseDay).order_by(*ResponseDay.__table__.primary_key)
        ).all()
        assert [row[0].responses for row in tallies_after] == [row[0].responses for row in tallies_before]
        _assert_same(session)


def test_responses_coded_later_join_the_tallies(container: Container) -> None:
    _seed(container.sessions, responses=150, seed=1)
    container.jobs.enqueue(SETTLE_DAY_TALLIES)  # the analysis worker's run each minute
    with container.reads() as session:
        assert session.scalar(select(StaleDayCell.program)) is None, "every cell recounted"
    _seed(container.sessions, responses=150, seed=2)
    with container.reads() as session:
        _assert_same(session)


def test_a_change_across_many_cells_recounts_the_programs_whole(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(container.sessions, responses=200)
    _settle_everything(container)
    monkeypatch.setattr(day_recount, "MANY_CELLS", 3)
    with container.sessions.begin() as session:
        _merge_into(session, "staff", "late")
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)


def test_reads_count_from_the_responses_when_very_many_cells_wait(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(container.sessions, responses=100)
    monkeypatch.setattr(day_cells, "STALE_READ_AT_MOST", 2)
    selection = Selection(program="shop")
    with container.reads() as session:
        assert selection_counts.tallied(session=session, selection=selection) is None
        counted = selection_counts.totals(session=session, selection=selection).responses
        assert counted == overview_counts.response_totals(session=session, restrict=selection.apply).responses
    _settle_everything(container)
    with container.reads() as session:
        assert selection_counts.tallied(session=session, selection=selection) is not None


def test_rows_loaded_outside_a_session_are_counted_before_and_after_the_recount(
    container: Container,
) -> None:
    _seed(container.sessions, responses=50)
    _settle_everything(container)
    at = START + timedelta(days=2)
    with container.engine.begin() as connection:  # a bulk load: no session
        rows = [{
            "id": f"bulk{i}", "program": "shop", "guide_id": "g", "channel": "web", "metric": "nps",
            "score": 10, "band": "promoter", "answers": [], "comment": "", "source": "import",
            "language": "en", "completion": "completed", "simulated": False, "segment": {},
            "responded_at": at, "updated_at": at,
        } for i in range(5)]  # fmt: skip
        connection.execute(insert(RESPONSES), rows)
    with container.reads() as session:
        _assert_same(session)
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)


def test_two_segment_values_are_counted_from_the_responses(container: Container) -> None:
    _seed(container.sessions, responses=100)
    selection = Selection(program="shop", segment={"plan": "plus", "region": "EU"})
    with container.reads() as session:
        assert selection_counts.tallied(session=session, selection=selection) is None
        assert selection_counts.theme_counts(session=session, selection=selection) == (
            theme_volumes.theme_counts(session=session, restrict=selection.apply)
        )


def test_one_segment_value_is_read_from_the_segment_tallies(container: Container) -> None:
    _seed(container.sessions, responses=100)
    _settle_everything(container)
    selection = Selection(program="shop", segment={"plan": "plus"})
    with container.reads() as session:
        cells = selection_counts.tallied(session=session, selection=selection)
        assert cells is not None
        assert cells.segment == ("plan", "plus")
        tallied = session.scalar(
            select(func.sum(SegmentResponseDay.responses)).where(
                SegmentResponseDay.program == "shop", SegmentResponseDay.segment_value == "plus"
            )
        )
        assert tallied, "the segment tallies hold the value"
        assert selection_counts.response_count(session=session, selection=selection) == (
            overview_counts.response_totals(session=session, restrict=selection.apply).responses
        )


def test_theme_rankings_and_program_counts_match_the_responses(container: Container) -> None:
    _seed(container.sessions, responses=300)
    with container.sessions.begin() as session:  # a discovered subtheme of a coded theme ranks under it
        session.add(Theme(id="late-sub", label="late sub", status="accepted", parent_id="late",
                          created_at=START, updated_at=START))  # fmt: skip
        _merge_into(session, "staff", "late-sub")
    with container.reads() as session:
        for selection in SELECTIONS:
            for limit in (None, 1):
                assert selection_counts.most_mentioned_themes(
                    session=session, selection=selection, limit=limit
                ) == (
                    theme_volumes.most_mentioned_themes(
                        session=session, restrict=selection.apply, limit=limit
                    )
                )
        direct = overview_counts.responses_per_program(session=session)
        every = day_cells.with_stale(session=session, cells=day_cells.Cells(include_simulated=True))
        assert every is not None
        assert every.stale, "counted before the recount"
        assert day_tallies.responses_per_program(session=session, cells=every) == {
            program: (count.real, count.simulated) for program, count in direct.items()
        }


@pytest.mark.parametrize("days", [None, (date(2026, 3, 3), date(2026, 3, 5))])
def test_a_change_is_explained_from_its_two_periods_as_from_every_response(
    container: Container, days: tuple[date, date] | None
) -> None:
    _seed(container.sessions, responses=400)
    selection = Selection(program="shop", channel="web")
    before, after = days or (None, None)
    with container.reads() as session:
        report = measures.change(
            session=session, selection=selection, period=Period.DAY, before=before, after=after
        )
        every = measures.load(session=session, selection=selection, metric=None, segments=False)
        starts = sorted({period_start(r.responded_at, Period.DAY) for r in every.responses})
        assert (report.before, report.after) == ((before, after) if days else (starts[-2], starts[-1]))
        names = dict(theme_volumes.most_mentioned_themes(session=session, restrict=selection.apply, limit=25))
        assert report.theme_ids == {label: theme_id for theme_id, label in names.items()}

        def rows(start: date) -> list[int]:
            return [
                i for i, r in enumerate(every.responses) if period_start(r.responded_at, Period.DAY) == start
            ]

        reference = explain_change(
            themed_scores(session=session, scored=every, names=names, subset=rows(report.before)),
            themed_scores(session=session, scored=every, names=names, subset=rows(report.after)),
            metric=every.metric,
        )
    assert report.explanation == reference


def test_a_recount_during_a_write_in_flight_keeps_that_write_counted(container: Container) -> None:
    """A recount that reads the marks while a writer of a marked cell has not committed must not
    clear the mark that writer relies on: each change adds a mark of its own, and a recount deletes
    only the marks it read (SQLite: the recount waits for the writer's turn instead)."""
    _seed(container.sessions, responses=100)
    _settle_everything(container)
    with container.sessions.begin() as session:
        _revise_feeling(session)  # the cell is marked, and stays so
    writer = container.sessions()
    writer.begin()
    _move(writer)  # a change in flight, its cells marked already or by now
    recount = threading.Thread(target=day_recount.settle_everything, kwargs={"sessions": container.sessions})
    recount.start()
    recount.join(timeout=1.0)
    writer.commit()
    writer.close()
    recount.join(timeout=30)
    assert not recount.is_alive()
    with container.reads() as session:
        _assert_same(session)  # exact now, the moved response's cells counted live or recounted
    _settle_everything(container)
    with container.reads() as session:
        _assert_same(session)  # and after the next recount, which found the writer's marks


@pytest.mark.parametrize("newest", [1, 5, 200])
def test_the_latest_change_is_that_of_every_response_the_selection_keeps(
    container: Container, monkeypatch: pytest.MonkeyPatch, newest: int
) -> None:
    _seed(container.sessions, responses=150)
    with container.sessions.begin() as session:  # later changes, in one program and another
        for number, response_id in enumerate(session.scalars(select(Response.id).limit(40))):
            at = START + timedelta(days=30, minutes=number)
            session.execute(update(Response).where(Response.id == response_id).values(updated_at=at))
    monkeypatch.setattr(overview_counts, "NEWEST_CHANGES", newest)
    with container.reads() as session:
        for selection in SELECTIONS:
            direct = overview_counts.response_totals(session=session, restrict=selection.apply)
            got = selection_counts.totals(session=session, selection=selection)
            assert got.last_change == direct.last_change, selection


def _lists(session: Session, selection: Selection) -> tuple[list[str], list[str]]:
    choices = split_choices(session=session, selection=selection)
    channels, languages = choices["channel"], choices["language"]
    assert isinstance(channels, list)
    assert isinstance(languages, list)
    return channels, languages


def test_a_channel_and_a_language_leave_the_lists_with_their_last_response(container: Container) -> None:
    _seed(container.sessions, responses=60)
    with container.sessions.begin() as session:
        rare = session.scalars(select(Response).limit(1)).one()
        rare.channel, rare.language, rare_id, program = "whatsapp", "de", rare.id, rare.program
    _settle_everything(container)
    shop = Selection(program=program, include_simulated=True)
    with container.reads() as session:
        channels, languages = _lists(session, shop)
        assert "whatsapp" in channels
        assert "de" in languages
    with container.sessions.begin() as session:
        session.execute(delete(Response).where(Response.id == rare_id))
    for settle in (False, True):
        if settle:
            _settle_everything(container)
        with container.reads() as session:
            channels, languages = _lists(session, shop)
            assert "whatsapp" not in channels
            assert "de" not in languages
            _assert_same_lists(session, shop)
