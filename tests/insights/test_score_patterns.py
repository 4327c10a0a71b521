"""Drivers and changes read from one grouped query of (score, themes mentioned) patterns give the
figures computed from every response and mention of the selection, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session

from askwhy.analysis.drivers import analyse_drivers
from askwhy.analysis.theme_patterns import ThemePatterns
from askwhy.bootstrap import Container
from askwhy.domain.scales import Metric
from askwhy.insights import measures
from askwhy.insights.scored import scored_responses, theme_names, themed_patterns, themed_scores
from askwhy.insights.selection import Selection
from askwhy.store import theme_patterns
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.tables import Response

START = datetime(2026, 3, 1, tzinfo=UTC)
THEMES = ("late", "price", "staff", "fit")
SELECTIONS = [
    Selection(program="shop"),
    Selection(program="shop", channel="sms", include_simulated=True),
    Selection(program="shop", since=date(2026, 3, 3), until=date(2026, 3, 6)),
    Selection(program="shop", segment={"plan": "plus"}),
]


def _seed(session: Session, *, responses: int, themes: tuple[str, ...] = THEMES, seed: int = 1) -> None:
    """Responses over a week: some unscored, some on another metric or program, some simulated;
    each with zero to three sentences, a sentence mentioning up to two themes, and a theme often
    mentioned twice in one response (it must count once)."""
    rng = random.Random(seed)
    for theme in themes:
        session.add(Theme(id=theme, label=theme, status="accepted", created_at=START, updated_at=START))
    session.flush()
    for _ in range(responses):
        at = START + timedelta(minutes=rng.randrange(7 * 24 * 60))
        response = Response(
            program=rng.choice(("shop", "shop", "shop", "bank")), guide_id="g",
            channel=rng.choice(("web", "sms")), metric=rng.choice(("nps", "nps", "nps", "csat")),
            score=rng.choice((None, 0, 3, 6, 7, 8, 9, 10)),
            band="x", language="en", completion="completed", simulated=rng.random() < 0.15,
            segment={"plan": rng.choice(("free", "plus"))}, responded_at=at, updated_at=at,
        )  # fmt: skip
        if response.metric == "csat" and response.score is not None:
            response.score = 1 + response.score % 5
        session.add(response)
        session.flush()
        for position in range(rng.choice((0, 1, 2, 3))):
            sentence = Sentence(
                response_id=response.id, position=position, kind="sentence", text="words",
                sentiment="neutral", sentiment_score=rng.uniform(-1, 1), embedding=b"", theme_state="themed",
            )  # fmt: skip
            session.add(sentence)
            session.flush()
            for theme in rng.sample(themes[:4] if rng.random() < 0.8 else themes, rng.choice((1, 2))):
                session.add(
                    ThemeMention(
                        sentence_id=sentence.id,
                        theme_id=theme,
                        response_id=response.id,
                        similarity=0.8,
                        polarity=0,
                    )
                )


def _reference(session: Session, selection: Selection, names: dict[str, str]) -> ThemePatterns:
    """The patterns counted from every response and mention, as the statistics read them before."""
    every = scored_responses(session=session, selection=selection, metric=Metric.NPS, segments=False)
    return ThemePatterns.of(themed_scores(session=session, scored=every, names=names, selection=selection))


@pytest.mark.parametrize("selection", SELECTIONS, ids=repr)
def test_the_grouped_query_counts_what_every_response_holds(
    container: Container, selection: Selection
) -> None:
    with container.sessions.begin() as session:
        _seed(session, responses=500)
    with container.reads() as session:
        names = theme_names(session=session, max_themes=3, selection=selection)  # one theme left out
        counted = themed_patterns(session=session, selection=selection, metric=Metric.NPS, names=names)
        reference = _reference(session, selection, names)
    assert counted.n == reference.n > 50
    assert np.array_equal(counted.scores, reference.scores)
    assert np.array_equal(counted.mentions, reference.mentions)
    assert np.array_equal(counted.counts, reference.counts)
    assert counted.sentiment is not None
    assert reference.sentiment is not None
    assert counted.sentiment == pytest.approx(reference.sentiment, abs=1e-12)


def test_the_drivers_figure_is_the_one_from_every_response(container: Container) -> None:
    selection = Selection(program="shop")
    with container.sessions.begin() as session:
        _seed(session, responses=400, seed=2)
    with container.reads() as session:
        report, ids = measures.drivers(session=session, selection=selection, resamples=40)
        names = theme_names(session=session, max_themes=25, selection=selection)
        every = scored_responses(session=session, selection=selection, metric=Metric.NPS, segments=False)
        reference = analyse_drivers(
            themed_scores(session=session, scored=every, names=names, selection=selection),
            metric=Metric.NPS,
            resamples=40,
        )
        without_feelings, _ = measures.drivers(
            session=session, selection=selection, resamples=40, feelings=False
        )
    assert ids == {label: theme_id for theme_id, label in names.items()}
    figures = [
        (d.theme, d.mentions, d.impact, d.weight, d.weight_low, d.weight_high, d.significant)
        for d in report.drivers
    ]
    assert figures == [
        (d.theme, d.mentions, d.impact, d.weight, d.weight_low, d.weight_high, d.significant)
        for d in reference.drivers
    ]
    assert [d.mean_sentiment for d in report.drivers] == pytest.approx(
        [d.mean_sentiment for d in reference.drivers]
    )
    assert (report.overall, report.r_squared_low, report.r_squared_high) == (
        reference.overall, reference.r_squared_low, reference.r_squared_high,
    )  # fmt: skip
    assert [d.mean_sentiment for d in without_feelings.drivers] == [None] * len(names)
    assert [d.weight for d in without_feelings.drivers] == [d.weight for d in report.drivers]


def test_more_themes_than_one_mask_holds(container: Container) -> None:
    themes = tuple(f"t{i:02d}" for i in range(130))  # three masks of 60 bits
    with container.sessions.begin() as session:
        _seed(session, responses=300, themes=themes, seed=3)
    selection = Selection(program="shop")
    with container.reads() as session:
        ids = list(reversed(themes))  # the most often mentioned (t00–t03) in the last mask
        counted = theme_patterns.score_patterns(
            session=session, restrict=selection.apply, metric="nps", theme_ids=ids
        )
        names = {theme_id: theme_id for theme_id in ids}
        reference = _reference(session, selection, names)
    expected = {
        (int(score), frozenset(t for t, m in zip(ids, row, strict=True) if m)): int(n)
        for score, row, n in zip(reference.scores, reference.mentions, reference.counts, strict=True)
    }
    assert {(p.score, p.themes): p.responses for p in counted} == expected
    assert any(len(themes) > 1 and not themes <= set(THEMES) for _, themes in expected)
