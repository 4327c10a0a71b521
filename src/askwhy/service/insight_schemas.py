"""Response bodies of the insights API: the report's typed results, plus whether simulated data counted.

Each answer is built from the use case's dataclass, e.g. ``MetricsOut.of(report, simulated=...)``;
the fields, rounding and descriptions come from `askwhy.report.results`, so the API, summary.json and
the report page say the same numbers.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from askwhy.report.results import (
    ChangeResult,
    DriverResult,
    DriversResult,
    EffectResult,
    MetricsResult,
    Result,
    ThemeDetailResult,
    ThemeResult,
)
from askwhy.report.weighting_results import WeightedChangeResult, WeightedResult

SIMULATED = "included or excluded: whether simulated responses (demo data, askwhy simulate) were counted."
WEIGHTED = "The figures raw and weighted to everyone invited (None when weighting=raw was asked)."


class Weighting(StrEnum):
    """Which figures an insight route answers with: raw, weighted, or both when not given."""

    RAW = "raw"
    WEIGHTED = "weighted"


class MetricsOut(MetricsResult):
    weighted: WeightedResult | None = Field(default=None, description=WEIGHTED)
    simulated: str = Field(description=SIMULATED)


class ThemesOut(Result):
    weighted: WeightedResult | None = Field(default=None, description=WEIGHTED)
    themes: list[ThemeResult]
    simulated: str = Field(description=SIMULATED)


class ThemeOut(ThemeDetailResult):
    weighted: WeightedResult | None = Field(
        default=None, description=f"{WEIGHTED} Its themes and impacts are this theme's alone."
    )
    simulated: str = Field(description=SIMULATED)


class DriversOut(DriversResult):
    weighted: WeightedResult | None = Field(default=None, description=WEIGHTED)
    simulated: str = Field(description=SIMULATED)


class NoDriversOut(Result):
    """No theme to weigh yet: an empty list and the reason."""

    drivers: list[DriverResult] = Field(max_length=0)
    reason: str
    simulated: str = Field(description=SIMULATED)


class ChangeOut(ChangeResult):
    weighted: WeightedChangeResult | None = Field(
        default=None,
        description="The change raw and weighted, each period to its own invitations (None when "
        "weighting=raw was asked).",
    )
    simulated: str = Field(description=SIMULATED)


class NoChangeOut(Result):
    """No theme to split the change into yet: no effects and the reason."""

    effects: list[EffectResult] = Field(max_length=0)
    reason: str
    simulated: str = Field(description=SIMULATED)


class WeightedOut(Result):
    """weighting=weighted: only the weighted figures (with their raw twins and what they rest on)."""

    weighted: WeightedResult
    simulated: str = Field(description=SIMULATED)


class WeightedChangeOut(Result):
    """weighting=weighted on /v1/changes: only the weighted change and each period's weighted figures."""

    weighted: WeightedChangeResult
    simulated: str = Field(description=SIMULATED)
