"""Metric scales (NPS, CSAT, CES) and the score bands every guide speaks in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Metric(StrEnum):
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    NONE = "none"


class Band(StrEnum):
    """Where a score falls. The names are NPS's; CSAT and CES map onto the same three."""

    DETRACTOR = "detractor"
    PASSIVE = "passive"
    PROMOTER = "promoter"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Scale:
    low: int
    high: int
    passive_from: int
    promoter_from: int

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def band(self, score: int | None) -> Band:
        if score is None:
            return Band.UNKNOWN
        if score >= self.promoter_from:
            return Band.PROMOTER
        if score >= self.passive_from:
            return Band.PASSIVE
        return Band.DETRACTOR


SCALES: dict[Metric, Scale] = {
    Metric.NPS: Scale(low=0, high=10, passive_from=7, promoter_from=9),
    Metric.CSAT: Scale(low=1, high=5, passive_from=3, promoter_from=4),
    Metric.CES: Scale(low=1, high=7, passive_from=4, promoter_from=6),
}


def band_for(metric: Metric, score: int | None) -> Band:
    """Return the band of a score on the metric's scale (UNKNOWN without a score or metric)."""
    scale = SCALES.get(metric)
    return scale.band(score) if scale else Band.UNKNOWN
