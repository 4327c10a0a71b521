"""Why a metric changed between two periods: a decomposition over themes that adds up exactly.

In each period the per-respondent value y (NPS: +100 / 0 / −100) is regressed on the theme
indicators by least squares with an intercept, so mean(y) = α + Σₖ βₖ·x̄ₖ exactly. The change then
splits symmetrically (two-fold, Shapley-style averaging of both periods):

    ΔY = Σₖ (x̄₁ₖ − x̄₀ₖ)·(β₀ₖ + β₁ₖ)/2      volume: more or fewer customers raise the theme
       + Σₖ (β₁ₖ − β₀ₖ)·(x̄₀ₖ + x̄₁ₖ)/2      severity: the theme weighs more or less on the score
       + (α₁ − α₀)                         baseline: the score apart from all themes
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from askwhy.analysis.theme_patterns import ThemePatterns, as_patterns
from askwhy.analysis.themed import FloatArray, IntArray, ThemedScores, respondent_values
from askwhy.domain.changes import MetricChange, compare
from askwhy.domain.metrics import Statistic, estimate_from_histogram, resolve_statistic
from askwhy.domain.scales import Metric


@dataclass(frozen=True)
class ThemeEffect:
    """One theme's part in the change, in the metric's units."""

    theme: str
    volume_effect: float
    severity_effect: float
    share_before: float
    share_after: float
    coefficient_before: float | None
    """Points a mention of the theme adds to y before; None when nobody mentioned it then."""
    coefficient_after: float | None

    @property
    def total(self) -> float:
        return self.volume_effect + self.severity_effect


@dataclass(frozen=True)
class ChangeExplanation:
    """The change of a metric and its parts: ``baseline + Σ effects.total == change.delta``."""

    metric: Metric
    statistic: Statistic
    change: MetricChange
    baseline: float
    effects: tuple[ThemeEffect, ...]

    @property
    def label(self) -> str:
        return self.change.label

    @property
    def total(self) -> float:
        return self.change.delta

    @property
    def explained(self) -> float:
        """The sum of the parts; equals :attr:`total` up to floating-point rounding."""
        return self.baseline + sum(e.total for e in self.effects)


def explain_change(
    before: ThemedScores | ThemePatterns,
    after: ThemedScores | ThemePatterns,
    *,
    metric: Metric,
    statistic: Statistic | None = None,
    alpha: float = 0.05,
) -> ChangeExplanation:
    """Decompose the change from ``before`` to ``after`` over the union of both periods' themes.

    Effects are ordered by the size of their total, largest first. When a theme is mentioned in only
    one period its coefficient from that period is used for both, so its whole effect is volume.
    Themes that always co-occur cannot be told apart; least squares then shares their coefficient.
    Raises ValueError when a period has no responses. Per-response data is grouped into its
    patterns first: least squares over responses is the same fit weighted by each pattern's count.
    """
    chosen = resolve_statistic(metric, statistic)
    old, new = as_patterns(before), as_patterns(after)
    themes = tuple(dict.fromkeys(old.themes + new.themes))
    change = compare(
        estimate_from_histogram(old.histogram(metric), metric=metric, statistic=chosen),
        estimate_from_histogram(new.histogram(metric), metric=metric, statistic=chosen),
        alpha=alpha,
    )
    x0, x1 = _design(old, themes), _design(new, themes)
    alpha0, beta0 = _fit(x0, respondent_values(old.scores, metric=metric, statistic=chosen), old.counts)
    alpha1, beta1 = _fit(x1, respondent_values(new.scores, metric=metric, statistic=chosen), new.counts)
    mean0, mean1 = old.counts @ x0 / old.n, new.counts @ x1 / new.n
    seen0, seen1 = mean0 > 0, mean1 > 0
    b0 = np.where(seen0, beta0, beta1)  # an unseen theme borrows the other period's coefficient
    b1 = np.where(seen1, beta1, beta0)
    volume = (mean1 - mean0) * (b0 + b1) / 2
    severity = (b1 - b0) * (mean0 + mean1) / 2
    effects = [
        ThemeEffect(
            theme=theme,
            volume_effect=float(volume[k]),
            severity_effect=float(severity[k]),
            share_before=float(mean0[k]),
            share_after=float(mean1[k]),
            coefficient_before=float(beta0[k]) if seen0[k] else None,
            coefficient_after=float(beta1[k]) if seen1[k] else None,
        )
        for k, theme in enumerate(themes)
    ]
    effects.sort(key=lambda e: -abs(e.total))
    return ChangeExplanation(metric, chosen, change, alpha1 - alpha0, tuple(effects))


def change_rows(explanation: ChangeExplanation) -> list[dict[str, object]]:
    """The explanation as table rows (for CSV and HTML): one per theme, then baseline and total."""
    column = f"{explanation.label} change"
    rows: list[dict[str, object]] = [
        {
            "theme": e.theme,
            "share before %": round(100 * e.share_before, 1),
            "share after %": round(100 * e.share_after, 1),
            "volume effect": round(e.volume_effect, 2),
            "severity effect": round(e.severity_effect, 2),
            column: round(e.total, 2),
        }
        for e in explanation.effects
    ]
    empty = {"share before %": None, "share after %": None, "volume effect": None, "severity effect": None}
    rows.append({"theme": "(baseline)", **empty, column: round(explanation.baseline, 2)})
    rows.append({"theme": "(total)", **empty, column: round(explanation.total, 2)})
    return rows


def _design(data: ThemePatterns, themes: tuple[str, ...]) -> FloatArray:
    if data.n == 0:
        raise ValueError("a period without responses has no change to explain")
    rows = len(data.scores)
    return np.column_stack([data.column(theme) for theme in themes]) if themes else np.zeros((rows, 0))


def _fit(x: FloatArray, y: FloatArray, counts: IntArray) -> tuple[float, FloatArray]:
    """Least squares with an intercept over ``counts[p]`` copies of row p; minimum-norm when the
    design is singular. Scaling each row by √count gives the same sum of squares as the copies, and
    the same rows span the same space, so the minimum-norm solution is the one of the copies too."""
    root = np.sqrt(counts.astype(np.float64))
    design = np.column_stack([np.ones(len(y)), x]) * root[:, None]
    coefficients: FloatArray = np.linalg.lstsq(design, y * root, rcond=None)[0].astype(np.float64)
    return float(coefficients[0]), coefficients[1:]
