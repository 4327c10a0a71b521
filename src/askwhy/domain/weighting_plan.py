"""How a program corrects its metrics for who did not answer: the segments it names and the method.

A program's YAML says, for example::

    weighting:
      method: raking            # post-stratification, raking or propensity
      segments: [plan, region]  # invitation attributes (channel, language and moment count too)
      min_responders: 20        # fewer responders than this in a segment: left unweighted, reported
      trim_at: 5                # cap each weight at this multiple of the mean weight

Weighting corrects only for what these attributes explain; a program without the section is
measured raw, and every weighted figure says so.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

SegmentName = Annotated[str, StringConstraints(pattern=r"^[\w .-]{1,64}$")]


class WeightingMethod(StrEnum):
    POST_STRATIFICATION = "post-stratification"
    """Each cell of the named segments (crossed) to its share of the invited."""
    RAKING = "raking"
    """Each named segment's margin to its share, in turn, until all agree (cells may be too thin)."""
    PROPENSITY = "propensity"
    """The inverse of each responder's modelled chance to answer (needs the invitations themselves)."""


class WeightingPlan(BaseModel):
    """The segments a program's figures are weighted on, and how."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: WeightingMethod = Field(
        default=WeightingMethod.RAKING,
        description="post-stratification, raking or propensity.",
    )
    segments: list[SegmentName] = Field(
        min_length=1,
        max_length=8,
        description="Invitation attributes to weight on (e.g. plan, region, channel, language, moment).",
    )
    min_responders: int = Field(
        default=20, ge=1, le=10_000, description="A segment with fewer responders is not weighted."
    )
    trim_at: float = Field(
        default=5.0, gt=1.0, le=100.0, description="Cap each weight at this multiple of the mean weight."
    )

    @field_validator("segments")
    @classmethod
    def _once(cls, segments: list[str]) -> list[str]:
        repeated = sorted({name for name in segments if segments.count(name) > 1})
        if repeated:
            raise ValueError(f"a segment is named twice: {', '.join(repeated)}")
        return segments
