"""Who was heard: the invitation funnel per segment, with rates, intervals and the under-heard segments.

Every invitation counts once per attribute it carries (channel, language, moment, plan, region…):
invited, delivered, started (the customer replied), completed, abandoned, opted out, failed. Each
rate has a Wilson interval. A segment is *under-heard* when its response rate (completed /
invited) is below that of everyone else by a margin that is both material (its share of the
responders is under ``heard_ratio`` of its share of the invited, 0.8 by default) and significant
(a two-proportion z test against the rest, Benjamini–Hochberg across every segment at
``alpha``), since with dozens of segments some will look low by chance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from askwhy.domain.changes import benjamini_hochberg
from askwhy.domain.conversation import ConversationStatus
from askwhy.domain.distributions import normal_p_value
from askwhy.domain.metrics import wilson_interval

UNKNOWN = "(unknown)"
ALL = "all"


@dataclass(frozen=True)
class InvitationOutcome:
    """What the segment funnel needs to know of one invitation."""

    status: ConversationStatus
    replied: bool = False
    """The customer sent at least one message."""
    delivered: bool = False
    """The channel confirmed delivery (a reply implies it)."""
    attributes: Mapping[str, str] = field(default_factory=dict)
    """Channel, language, moment, program and every segment attribute the event carried."""
    count: int = 1
    """How many invitations share this outcome and these attributes (the store may count them)."""


@dataclass(frozen=True)
class Proportion:
    """``count`` of ``total`` with its Wilson interval, on 0..1; None where ``total`` is zero."""

    count: int
    total: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class SegmentFunnel:
    """The funnel of one segment (``attribute=value``), or of everyone (``all``)."""

    attribute: str
    value: str
    invited: int
    delivered: int
    started: int
    completed: int
    abandoned: int
    opted_out: int
    failed: int
    delivery: Proportion
    """Delivered / invited."""
    start: Proportion
    """Started / invited."""
    completion: Proportion
    """Completed / started."""
    response: Proportion
    """Completed / invited: the rate that decides who is heard."""
    opt_out: Proportion
    """Opted out / invited."""
    heard_ratio: float | None = None
    """Share of the responders over share of the invited (1 = heard in proportion)."""
    p_value: float | None = None
    """Benjamini–Hochberg adjusted p-value of its response rate against everyone else's."""
    under_heard: bool = False


@dataclass(frozen=True)
class FunnelBySegment:
    overall: SegmentFunnel
    segments: tuple[SegmentFunnel, ...]

    @property
    def under_heard(self) -> tuple[SegmentFunnel, ...]:
        """The under-heard segments, least heard first."""
        low = [s for s in self.segments if s.under_heard]
        return tuple(sorted(low, key=lambda s: (s.heard_ratio or 0.0, s.attribute, s.value)))


@dataclass
class _Counts:
    invited: int = 0
    delivered: int = 0
    started: int = 0
    completed: int = 0
    abandoned: int = 0
    opted_out: int = 0
    failed: int = 0

    def add(self, outcome: InvitationOutcome) -> None:
        status = outcome.status
        started = outcome.replied or status in (ConversationStatus.ACTIVE, ConversationStatus.COMPLETED)
        n = outcome.count
        self.invited += n
        self.delivered += n * (outcome.delivered or started)
        self.started += n * started
        self.completed += n * (status == ConversationStatus.COMPLETED)
        self.abandoned += n * (status == ConversationStatus.ABANDONED)
        self.opted_out += n * (status == ConversationStatus.OPTED_OUT)
        self.failed += n * (status == ConversationStatus.FAILED)


def funnel_by_segment(
    invitations: Iterable[InvitationOutcome],
    *,
    attributes: Sequence[str] | None = None,
    confidence: float = 0.95,
    heard_ratio: float = 0.8,
    alpha: float = 0.05,
) -> FunnelBySegment:
    """The funnel overall and per value of each attribute (all attributes seen when None).

    An invitation without an attribute counts under ``(unknown)`` for it.
    """
    outcomes = list(invitations)
    names = sorted({n for o in outcomes for n in o.attributes}) if attributes is None else list(attributes)
    overall = _Counts()
    per: dict[tuple[str, str], _Counts] = defaultdict(_Counts)
    for outcome in outcomes:
        overall.add(outcome)
        for name in names:
            per[(name, outcome.attributes.get(name) or UNKNOWN)].add(outcome)
    keys = sorted(per)
    raw_p = [_p_value_against_rest(per[key], overall) for key in keys]
    tested = [i for i, p in enumerate(raw_p) if p is not None]
    _, adjusted = benjamini_hochberg([raw_p[i] or 0.0 for i in tested], alpha=alpha)
    adjusted_of = dict(zip(tested, adjusted, strict=True))
    segments = []
    for i, key in enumerate(keys):
        counts = per[key]
        ratio = _heard_ratio(counts, overall)
        p = adjusted_of.get(i)
        low = ratio is not None and ratio < heard_ratio and p is not None and p < alpha
        segments.append(_funnel(key, counts, confidence, ratio=ratio, p_value=p, under_heard=low))
    return FunnelBySegment(overall=_funnel((ALL, ALL), overall, confidence), segments=tuple(segments))


def _funnel(
    key: tuple[str, str],
    c: _Counts,
    confidence: float,
    *,
    ratio: float | None = None,
    p_value: float | None = None,
    under_heard: bool = False,
) -> SegmentFunnel:
    def rate(count: int, total: int) -> Proportion:
        if total == 0:
            return Proportion(count, total, None, None, None)
        low, high = wilson_interval(count, total, confidence=confidence)
        return Proportion(count, total, count / total, low, high)

    return SegmentFunnel(
        attribute=key[0],
        value=key[1],
        invited=c.invited,
        delivered=c.delivered,
        started=c.started,
        completed=c.completed,
        abandoned=c.abandoned,
        opted_out=c.opted_out,
        failed=c.failed,
        delivery=rate(c.delivered, c.invited),
        start=rate(c.started, c.invited),
        completion=rate(c.completed, c.started),
        response=rate(c.completed, c.invited),
        opt_out=rate(c.opted_out, c.invited),
        heard_ratio=ratio,
        p_value=p_value,
        under_heard=under_heard,
    )


def _heard_ratio(segment: _Counts, overall: _Counts) -> float | None:
    if not segment.invited or not overall.completed:
        return None
    return (segment.completed / segment.invited) / (overall.completed / overall.invited)


def _p_value_against_rest(segment: _Counts, overall: _Counts) -> float | None:
    """Two-proportion z test (pooled) of the segment's response rate against the other invitations'."""
    rest_invited = overall.invited - segment.invited
    rest_completed = overall.completed - segment.completed
    if not segment.invited or not rest_invited:
        return None
    pooled = overall.completed / overall.invited
    spread = pooled * (1 - pooled) * (1 / segment.invited + 1 / rest_invited)
    if spread <= 0:
        return None
    z = (segment.completed / segment.invited - rest_completed / rest_invited) / math.sqrt(spread)
    return normal_p_value(z)
