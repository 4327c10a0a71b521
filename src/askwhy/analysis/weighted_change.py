"""A metric's change between two periods, weighted: each period's responders stand for that period's
invitations, and the change is the difference of the two weighted figures.

The periods' responders are different people, so the two estimates are independent: the change's
standard error is the root of the sum of their squared (linearised) errors, with Welch–Satterthwaite
degrees of freedom for Student's t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from askwhy.analysis.weighted_metrics import WeightedEstimate, WeightedMean, interval


@dataclass(frozen=True)
class WeightedChange:
    """After minus before, raw and weighted, the weighted change with its interval."""

    raw: float
    value: float
    low: float | None
    high: float | None
    confidence: float

    @property
    def significant(self) -> bool:
        """The weighted interval leaves out zero."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def weighted_change(
    before: WeightedEstimate, after: WeightedEstimate, *, confidence: float = 0.95
) -> WeightedChange:
    """The weighted change ``after − before`` with its interval (None, None when either side's
    error cannot be told)."""
    delta = after.value - before.value
    raw = after.raw.value - before.raw.value
    errors = (before.standard_error, after.standard_error)
    sides = (
        (before.standard_error, before.degrees_of_freedom),
        (after.standard_error, after.degrees_of_freedom),
    )
    if any(df < 1 or not math.isfinite(se) for se, df in sides):
        return WeightedChange(raw=raw, value=delta, low=None, high=None, confidence=confidence)
    variance = sum(se**2 for se in errors)
    spread = sum(se**4 / df for se, df in sides)
    df = max(1, int(variance**2 / spread)) if spread > 0 else min(df for _, df in sides)
    low, high = interval(
        WeightedMean(value=delta, standard_error=math.sqrt(variance), degrees_of_freedom=df), confidence
    )
    return WeightedChange(raw=raw, value=delta, low=low, high=high, confidence=confidence)
