"""Key drivers: how much each theme moves the metric.

For every theme: how often it is mentioned and how it feels, the metric among those who mention it
and those who do not, the "NPS impact" (points the theme costs or earns the overall metric), and
its Johnson relative weight with a bootstrap interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from askwhy.analysis.relative_weights import bootstrap_pattern_weights
from askwhy.analysis.theme_patterns import ThemePatterns, as_patterns
from askwhy.analysis.themed import IntArray, ThemedScores, respondent_values
from askwhy.domain.metrics import MetricEstimate, Statistic, estimate_from_histogram, resolve_statistic
from askwhy.domain.scales import SCALES, Metric


@dataclass(frozen=True)
class Driver:
    """One theme's part in the metric."""

    theme: str
    mentions: int
    share: float
    """Share of responses mentioning the theme, 0..1."""
    mean_sentiment: float | None
    """Mean sentiment (−1..1) where the theme is mentioned; None without mentions or sentiment."""
    with_theme: MetricEstimate | None
    without_theme: MetricEstimate | None
    impact: float | None
    """Metric overall − metric of the responses that do not mention the theme: the points the theme
    moves the overall metric (negative: it costs points). None when every response mentions it."""
    weight: float
    """Johnson relative weight: the part of R² the theme carries."""
    weight_low: float
    weight_high: float
    significant: bool
    """True when the theme's weight beats a random predictor's across the bootstrap interval."""


@dataclass(frozen=True)
class DriverReport:
    metric: Metric
    statistic: Statistic
    overall: MetricEstimate
    r_squared: float
    r_squared_low: float
    r_squared_high: float
    drivers: tuple[Driver, ...]
    resamples: int
    confidence: float

    @property
    def impact_label(self) -> str:
        """ "NPS impact", "CSAT impact", ...: the name of :attr:`Driver.impact` in every output."""
        return f"{self.overall.label} impact"


def analyse_drivers(
    data: ThemedScores | ThemePatterns,
    *,
    metric: Metric,
    statistic: Statistic | None = None,
    resamples: int = 300,
    confidence: float = 0.95,
    seed: int = 0,
) -> DriverReport:
    """Drivers of the metric, ordered by relative weight (largest first).

    Relative weights regress the per-respondent value whose mean is the metric (NPS: +100 promoter,
    0 passive, −100 detractor; top-2-box: 100 or 0; means: the raw score) on the theme indicators.
    Per-response data is first grouped into its patterns (`ThemePatterns`): the same figure.
    """
    chosen = resolve_statistic(metric, statistic)
    patterns = as_patterns(data)
    with_counts, total_counts = patterns.histograms(metric)
    overall = _estimate(total_counts, metric, chosen, confidence)
    if overall is None:
        raise ValueError("driver analysis needs at least one scored response")
    y = respondent_values(patterns.scores, metric=metric, statistic=chosen)
    fitted = bootstrap_pattern_weights(
        patterns.mentions, y, patterns.counts, resamples=resamples, confidence=confidence, seed=seed
    )
    drivers = []
    for j, theme in enumerate(patterns.themes):
        with_theme = _estimate(with_counts[j], metric, chosen, confidence)
        without_theme = _estimate(total_counts - with_counts[j], metric, chosen, confidence)
        drivers.append(
            Driver(
                theme=theme,
                mentions=int(with_counts[j].sum()),
                share=float(with_counts[j].sum() / patterns.n),
                mean_sentiment=_mean_sentiment(patterns, j),
                with_theme=with_theme,
                without_theme=without_theme,
                impact=None if without_theme is None else overall.value - without_theme.value,
                weight=float(fitted.weights[j]),
                weight_low=float(fitted.low[j]),
                weight_high=float(fitted.high[j]),
                significant=bool(fitted.significant[j]),
            )
        )
    return DriverReport(
        metric=metric,
        statistic=chosen,
        overall=overall,
        r_squared=fitted.r_squared,
        r_squared_low=fitted.r_squared_low,
        r_squared_high=fitted.r_squared_high,
        drivers=tuple(sorted(drivers, key=lambda d: -d.weight)),
        resamples=resamples,
        confidence=confidence,
    )


def driver_rows(report: DriverReport) -> list[dict[str, object]]:
    """The report as table rows (for CSV and HTML); the impact column is named ``report.impact_label``."""
    label = report.overall.label
    return [
        {
            "theme": d.theme,
            "mentions": d.mentions,
            "share %": round(100 * d.share, 1),
            "mean sentiment": None if d.mean_sentiment is None else round(d.mean_sentiment, 2),
            f"{label} with theme": _value(d.with_theme),
            f"{label} without theme": _value(d.without_theme),
            report.impact_label: None if d.impact is None else round(d.impact, 2),
            "relative weight": round(d.weight, 4),
            "weight low": round(d.weight_low, 4),
            "weight high": round(d.weight_high, 4),
            "significant": d.significant,
        }
        for d in report.drivers
    ]


def _estimate(
    counts: IntArray, metric: Metric, statistic: Statistic, confidence: float
) -> MetricEstimate | None:
    if counts.sum() == 0:
        return None
    low = SCALES[metric].low
    histogram = {low + i: int(c) for i, c in enumerate(counts) if c}
    return estimate_from_histogram(histogram, metric=metric, statistic=statistic, confidence=confidence)


def _mean_sentiment(data: ThemePatterns, j: int) -> float | None:
    if data.sentiment is None or not np.isfinite(data.sentiment[j]):
        return None
    return float(data.sentiment[j])


def _value(estimate: MetricEstimate | None) -> float | None:
    return None if estimate is None else round(estimate.value, 2)
