"""Response bodies of the insights API: the report's typed results, plus whether simulated data counted.

Each answer is built from the use case's dataclass, e.g. ``MetricsOut.of(report, simulated=...)``;
the fields, rounding and descriptions come from `askwhy.report.results`, so the API, summary.json and
the report page say the same numbers.
"""

from __future__ import annotations

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

SIMULATED = "included or excluded: whether simulated responses (demo data, askwhy simulate) were counted."


class MetricsOut(MetricsResult):
    simulated: str = Field(description=SIMULATED)


class ThemesOut(Result):
    themes: list[ThemeResult]
    simulated: str = Field(description=SIMULATED)


class ThemeOut(ThemeDetailResult):
    simulated: str = Field(description=SIMULATED)


class DriversOut(DriversResult):
    simulated: str = Field(description=SIMULATED)


class NoDriversOut(Result):
    """No theme to weigh yet: an empty list and the reason."""

    drivers: list[DriverResult] = Field(max_length=0)
    reason: str
    simulated: str = Field(description=SIMULATED)


class ChangeOut(ChangeResult):
    simulated: str = Field(description=SIMULATED)


class NoChangeOut(Result):
    """No theme to split the change into yet: no effects and the reason."""

    effects: list[EffectResult] = Field(max_length=0)
    reason: str
    simulated: str = Field(description=SIMULATED)
