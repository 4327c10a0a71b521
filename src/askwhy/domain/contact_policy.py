"""Whether to invite a customer after a moment: the contact policy, as a pure function.

`decide` looks at one program, what is known about the customer (opt-out, consents, reachable
channels, time zone), the invitations they had recently, a deterministic sampling draw and the
time, and returns a `Decision` with its reason. It does no I/O, so every rule is unit-tested.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from askwhy.domain.conversation import Channel
from askwhy.domain.program import ChannelOption, ConsentNeeded, Program, QuietHours

EVERY_CHANNEL = "*"


class DecisionKind(StrEnum):
    INVITED = "invited"
    DEFERRED = "deferred"
    """Invited, but the send waits for the end of the customer's quiet hours."""
    SKIPPED = "skipped"


class Reason(StrEnum):
    ELIGIBLE = "eligible"
    QUIET_HOURS = "quiet_hours"
    OPTED_OUT = "opted_out"
    EXPIRED = "expired"
    CAPPED = "capped"
    SAMPLED_OUT = "sampled_out"
    NO_REACHABLE_CHANNEL = "no_reachable_channel"
    NO_CONSENT = "no_consent"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Customer:
    """What the policy needs to know about the customer."""

    opted_out: bool
    consents: Mapping[str, bool]
    """Latest consent per channel (``*``: every channel): True granted, False withdrawn."""
    reachable: frozenset[Channel]
    """Channels with an address for the customer and a configured sender."""
    time_zone: str | None = None


@dataclass(frozen=True)
class PastInvitation:
    program: str
    at: datetime


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    reason: Reason
    channel: Channel | None = None
    send_at: datetime | None = None
    detail: str = ""

    @property
    def invites(self) -> bool:
        return self.kind is not DecisionKind.SKIPPED


def sampling_draw(customer_id: str, moment_id: str) -> float:
    """A number in [0, 1) fixed by the customer and the moment, so a retry decides the same."""
    digest = hashlib.sha256(f"{customer_id}\x1f{moment_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def decide(
    *,
    program: Program,
    customer: Customer,
    recent: Sequence[PastInvitation],
    draw: float,
    occurred_at: datetime,
    now: datetime,
) -> Decision:
    """Invite, defer or skip, with the reason; the first rule that says no wins."""
    if not program.active:
        return _skip(Reason.INACTIVE, "the program is paused")
    if customer.opted_out:
        return _skip(Reason.OPTED_OUT, "the customer asked not to be contacted")
    deadline = occurred_at + program.timing.expires_after
    if deadline <= now:
        return _skip(Reason.EXPIRED, f"the moment is older than {program.timing.expires_after}")
    capped = _capped(program=program, recent=recent, now=now)
    if capped:
        return _skip(Reason.CAPPED, capped)
    if draw >= program.sampling:
        return _skip(Reason.SAMPLED_OUT, f"sampling rate {program.sampling:g}")
    option = _channel(program=program, customer=customer)
    if isinstance(option, Decision):
        return option
    due = max(now, occurred_at + program.timing.delay)
    send_at = next_allowed_time(due, program.quiet_hours, customer.time_zone)
    if send_at > deadline:
        return _skip(Reason.EXPIRED, "quiet hours last past the invitation's expiry")
    if send_at > due:
        return Decision(
            DecisionKind.DEFERRED, Reason.QUIET_HOURS, option.channel, send_at, "after quiet hours"
        )
    return Decision(DecisionKind.INVITED, Reason.ELIGIBLE, option.channel, send_at)


def _skip(reason: Reason, detail: str) -> Decision:
    return Decision(DecisionKind.SKIPPED, reason, detail=detail)


def _capped(*, program: Program, recent: Sequence[PastInvitation], now: datetime) -> str:
    overall = program.caps.customer
    since = now - timedelta(days=overall.days)
    if sum(1 for past in recent if past.at > since) >= overall.invitations:
        return f"at most {overall.invitations} invitation(s) in {overall.days} days across programs"
    own = program.caps.program
    if own is not None:
        since = now - timedelta(days=own.days)
        mine = sum(1 for past in recent if past.program == program.id and past.at > since)
        if mine >= own.invitations:
            return f"at most {own.invitations} invitation(s) in {own.days} days from this program"
    return ""


def _channel(*, program: Program, customer: Customer) -> ChannelOption | Decision:
    reachable = [option for option in program.channels if option.channel in customer.reachable]
    if not reachable:
        return _skip(Reason.NO_REACHABLE_CHANNEL, "no address on a configured channel of the program")
    for option in reachable:
        if consented(option, customer.consents):
            return option
    return _skip(Reason.NO_CONSENT, "no consent on any reachable channel")


def consented(option: ChannelOption, consents: Mapping[str, bool]) -> bool:
    """Whether the customer's consents allow an invitation on this channel."""
    own = consents.get(option.channel.value)
    if own is not None:
        return own
    if option.consent_needed is ConsentNeeded.NONE:
        return consents.get(EVERY_CHANNEL) is not False
    return consents.get(EVERY_CHANNEL) is True


def next_allowed_time(at: datetime, quiet: QuietHours, time_zone: str | None) -> datetime:
    """``at`` itself, or the end of the quiet hours it falls in, in the customer's local time."""
    zone = _zone(time_zone) or _zone(quiet.default_time_zone) or ZoneInfo("UTC")
    local = at.astimezone(zone)
    if not _is_quiet(local.time(), quiet.start, quiet.end):
        return at
    day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    resume = datetime.combine(day, quiet.end, tzinfo=zone)
    return resume.astimezone(at.tzinfo) if at.tzinfo else resume


def _is_quiet(now: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start > end:  # overnight, e.g. 20:00 → 09:00
        return now >= start or now < end
    return start <= now < end


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
