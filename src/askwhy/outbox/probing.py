"""A probe of a provider that is down (`askwhy.outbox.outages`): the message waiting longest for
it, sent now. If it goes through, the provider is back and every held message goes after it; if
the provider is still unavailable, the message is left as it was, its attempt not counted, since
the failure was the provider's and not the message's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.channels.base import SendError
from askwhy.domain.conversation import Channel
from askwhy.outbox import outages
from askwhy.outbox.delivery import Delivering, _record, _send, claim_message
from askwhy.store import outbox as queries


def probe(*, ports: Delivering, channel: Channel) -> str:
    """Send the message of ``channel`` that has waited longest; returns what happened."""
    now = ports.clock.now()
    with ports.sessions.begin() as session:
        message_id = queries.first_waiting(session=session, channel=channel.value, now=now)
        if message_id is None:
            outages.nothing_waiting(jobs=ports.jobs, channel=channel)
            return "nothing waiting"
        message = queries.lock_message(session=session, message_id=message_id, skip_locked=True)
        if message is None or message.status != "pending":
            return "taken"
        attempts, due_at = message.attempts, message.next_attempt_at
        message.next_attempt_at = now  # a retry put off by a failure is the probe all the same
        claim = claim_message(session=session, message_id=message_id, now=now, policy=ports.policy)
    if claim is None:
        return "skipped"
    outcome = _send(ports.senders, claim)
    if isinstance(outcome, SendError) and outcome.unavailable:
        with ports.sessions.begin() as session:
            _as_before(
                session=session, message_id=message_id, attempts=attempts, due_at=due_at, error=outcome
            )
        return "still down"
    [what], _ = _record(ports=ports, outcomes=[(claim, outcome)])
    return what


def _as_before(
    *, session: Session, message_id: int, attempts: int, due_at: datetime | None, error: SendError
) -> None:
    message = queries.lock_message(session=session, message_id=message_id)
    if message is None or message.status != "sending":
        return  # settled meanwhile (a status event showed it went through)
    message.status, message.attempts, message.next_attempt_at = "pending", attempts, due_at
    message.error_code, message.error_reason = error.code, error.reason
