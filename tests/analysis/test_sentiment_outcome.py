"""Without a score, the share of negative responses is the outcome drivers and changes explain."""

from __future__ import annotations

import numpy as np
import pytest

from askwhy.analysis.sentiment_outcome import (
    SentimentOutcome,
    benjamini_hochberg,
    sentiment_change,
    sentiment_drivers,
)


def outcome(rows: list[tuple[int, int, bool]]) -> SentimentOutcome:
    """(mentions delivery, mentions price, negative) per response."""
    return SentimentOutcome.build(
        themes=["late delivery", "price"],
        mentions=[[d, p] for d, p, _ in rows],
        negative=[n for _, _, n in rows],
        sentiment=[-0.7 if n else 0.5 for _, _, n in rows],
    )


def test_a_theme_that_comes_with_complaints_drives_the_negative_share() -> None:
    rows = (
        [(1, 0, True)] * 40
        + [(1, 0, False)] * 5
        + [(0, 1, False)] * 30
        + [(0, 1, True)] * 5
        + [(0, 0, False)] * 20
    )
    report = sentiment_drivers(outcome(rows))

    first, second = report.drivers
    assert first.theme == "late delivery"
    assert first.significant
    assert first.negative_with == pytest.approx(100 * 40 / 45)
    assert first.impact == pytest.approx(report.negative_share - 100 * 5 / 55)
    assert second.impact is not None
    assert second.impact < 0
    assert report.negative_share == pytest.approx(45.0)


def test_the_change_adds_up_to_the_themes_and_a_baseline_exactly() -> None:
    before = outcome([(1, 0, True)] * 5 + [(1, 0, False)] * 5 + [(0, 1, False)] * 40 + [(0, 0, False)] * 50)
    after = outcome([(1, 0, True)] * 30 + [(1, 0, False)] * 5 + [(0, 1, False)] * 30 + [(0, 0, False)] * 35)

    change = sentiment_change(before, after)

    assert change.delta == pytest.approx(change.after - change.before)
    assert change.baseline + sum(e.effect for e in change.effects) == pytest.approx(change.delta)
    assert change.effects[0].theme == "late delivery"
    assert change.effects[0].effect > 20
    assert change.significant


def test_benjamini_hochberg_rejects_only_what_survives_the_step_up() -> None:
    assert benjamini_hochberg([0.001, 0.02, 0.04, 0.5]) == [True, True, False, False]
    assert benjamini_hochberg([0.2, 0.3]) == [False, False]
    assert benjamini_hochberg([]) == []


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="rows"):
        SentimentOutcome.build(themes=["a"], mentions=[[1], [0]], negative=[1], sentiment=[0.0, 0.1])
    empty = SentimentOutcome.build(themes=["a"], mentions=np.zeros((0, 1)), negative=[], sentiment=[])
    with pytest.raises(ValueError, match="at least one"):
        sentiment_drivers(empty)
