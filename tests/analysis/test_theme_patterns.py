"""Drivers and changes from responses counted by (score, themes mentioned) pattern: the same
figures as from one row per response, the bootstrap the same in distribution and stable for a seed."""

from __future__ import annotations

import numpy as np
import pytest

from askwhy.analysis.change import explain_change
from askwhy.analysis.drivers import analyse_drivers
from askwhy.analysis.relative_weights import (
    RelativeWeights,
    bootstrap_pattern_weights,
    bootstrap_relative_weights,
    relative_weights,
)
from askwhy.analysis.theme_patterns import ThemePatterns
from askwhy.analysis.themed import ThemedScores, respondent_values
from askwhy.domain.scales import Metric


def _responses(n: int, seed: int = 0) -> ThemedScores:
    """A real driver (late), a theme that travels with it (courier), and one that means nothing."""
    rng = np.random.default_rng(seed)
    late = rng.random(n) < 0.2
    courier = late & (rng.random(n) < 0.6) | (rng.random(n) < 0.05)
    packaging = rng.random(n) < 0.25
    scores = rng.choice([10, 9, 8, 7, 6, 3], size=n, p=[0.35, 0.2, 0.15, 0.1, 0.1, 0.1])
    scores = np.where(late & (rng.random(n) < 0.7), rng.integers(0, 6, n), scores)
    return ThemedScores.build(
        themes=["late", "courier", "packaging"],
        mentions=np.column_stack([late, courier, packaging]),
        scores=scores,
    )


def test_responses_collapse_into_their_distinct_patterns() -> None:
    data = ThemedScores.build(
        themes=["late", "price"],
        mentions=[[1, 0], [0, 0], [1, 0], [1, 1], [0, 0], [1, 0]],
        scores=[2, 10, 2, 5, 10, 9],
        sentiment=[[-0.5, np.nan], [np.nan] * 2, [-0.1, np.nan], [0.0, 0.4], [np.nan] * 2, [0.3, np.nan]],
    )
    patterns = ThemePatterns.of(data)
    rows = {
        (int(s), tuple(int(v) for v in m), int(c))
        for s, m, c in zip(patterns.scores, patterns.mentions, patterns.counts, strict=True)
    }
    assert rows == {(2, (1, 0), 2), (10, (0, 0), 2), (5, (1, 1), 1), (9, (1, 0), 1)}
    assert patterns.n == 6
    for ours, theirs in zip(patterns.histograms(Metric.NPS), data.histograms(Metric.NPS), strict=True):
        assert np.array_equal(ours, theirs)
    assert patterns.shares() == pytest.approx([4 / 6, 1 / 6])
    assert patterns.sentiment == pytest.approx([(-0.5 - 0.1 + 0.0 + 0.3) / 4, 0.4])


def test_the_order_responses_come_in_changes_nothing_for_a_seed() -> None:
    data = _responses(800)
    order = np.random.default_rng(3).permutation(data.n)
    shuffled = ThemedScores.build(
        themes=data.themes, mentions=data.mentions[order], scores=data.scores[order]
    )
    first = analyse_drivers(data, metric=Metric.NPS, resamples=60, seed=4)
    assert analyse_drivers(shuffled, metric=Metric.NPS, resamples=60, seed=4) == first
    assert analyse_drivers(ThemePatterns.of(shuffled), metric=Metric.NPS, resamples=60, seed=4) == first
    assert analyse_drivers(data, metric=Metric.NPS, resamples=60, seed=5) != first


def _pattern_fit(data: ThemedScores, *, resamples: int, seed: int) -> RelativeWeights:
    patterns = ThemePatterns.of(data)
    y = respondent_values(patterns.scores, metric=Metric.NPS)
    return bootstrap_pattern_weights(patterns.mentions, y, patterns.counts, resamples=resamples, seed=seed)


def _assert_close(ours: RelativeWeights, theirs: RelativeWeights) -> None:
    """Two bootstraps of the same data agree up to their own resampling noise: each bound within
    a quarter of the interval's width (about three standard errors of a 2.5% quantile of 400)."""
    width = theirs.high - theirs.low
    assert np.all(np.abs(ours.low - theirs.low) <= 0.25 * width)
    assert np.all(np.abs(ours.high - theirs.high) <= 0.25 * width)
    r2_width = theirs.r_squared_high - theirs.r_squared_low
    assert abs(ours.r_squared_low - theirs.r_squared_low) <= 0.25 * r2_width
    assert abs(ours.r_squared_high - theirs.r_squared_high) <= 0.25 * r2_width
    assert np.array_equal(ours.significant, theirs.significant)


def test_the_pattern_bootstrap_gives_the_per_response_figure() -> None:
    data = _responses(3000, seed=1)
    y = respondent_values(data.scores, metric=Metric.NPS)
    per_response = bootstrap_relative_weights(data.mentions, y, resamples=400, seed=2)
    by_pattern = _pattern_fit(data, resamples=400, seed=9)
    weights, r_squared = relative_weights(data.mentions, y)
    assert by_pattern.weights == pytest.approx(weights, rel=1e-9, abs=1e-12)
    assert by_pattern.weights == pytest.approx(per_response.weights, rel=1e-9, abs=1e-12)
    assert by_pattern.r_squared == pytest.approx(r_squared, rel=1e-9)
    _assert_close(by_pattern, per_response)
    late, _, packaging = by_pattern.significant
    assert late  # beats the coin
    assert not packaging  # says nothing of the score


def test_resampling_rows_or_counting_by_multinomial_agree() -> None:
    # One row per response has as many rows as responses, so its responses are drawn one by one;
    # the patterns are few, so they are drawn as a multinomial: the same distribution both ways.
    data = _responses(3000, seed=6)
    y = respondent_values(data.scores, metric=Metric.NPS)
    one_by_one = bootstrap_pattern_weights(
        data.mentions, y, np.ones(data.n, dtype=np.int64), resamples=400, seed=1
    )
    counted = _pattern_fit(data, resamples=400, seed=1)
    assert counted.weights == pytest.approx(one_by_one.weights, rel=1e-9, abs=1e-12)
    _assert_close(counted, one_by_one)


def test_least_squares_on_counted_patterns_is_the_fit_on_every_response() -> None:
    # Twin themes make the design singular: the minimum-norm split must be the same either way.
    rng = np.random.default_rng(8)
    n = 600
    late = rng.random(n) < 0.3
    mentions = np.column_stack([late, late, rng.random(n) < 0.2])
    scores = np.where(late, rng.integers(0, 7, n), rng.integers(6, 11, n))
    before = ThemedScores.build(themes=["a", "b", "c"], mentions=mentions[:300], scores=scores[:300])
    after = ThemedScores.build(themes=["a", "b", "c"], mentions=mentions[300:], scores=scores[300:])
    explained = explain_change(ThemePatterns.of(before), ThemePatterns.of(after), metric=Metric.NPS)
    for data, coefficient in ((before, "coefficient_before"), (after, "coefficient_after")):
        design = np.column_stack([np.ones(data.n), data.mentions])
        expected = np.linalg.lstsq(design, respondent_values(data.scores, metric=Metric.NPS), rcond=None)[0]
        effects = {e.theme: getattr(e, coefficient) for e in explained.effects}
        assert [effects[t] for t in data.themes] == pytest.approx(expected[1:], abs=1e-8)
    assert explained.explained == pytest.approx(explained.total)


def test_bad_patterns_are_refused() -> None:
    with pytest.raises(ValueError, match="mentions"):
        ThemePatterns.build(themes=["a"], mentions=[[1], [0]], scores=[5], counts=[1])
    with pytest.raises(ValueError, match="0 or 1"):
        ThemePatterns.build(themes=["a"], mentions=[[2]], scores=[5], counts=[1])
    with pytest.raises(ValueError, match="negative"):
        ThemePatterns.build(themes=["a"], mentions=[[1]], scores=[5], counts=[-1])
    empty = ThemePatterns.build(themes=[], mentions=[[], []], scores=[3, 4], counts=[2, 0])
    assert (empty.n, len(empty.scores)) == (2, 1)
