"""One conversation (or one imported response) as the team reads it: redacted for everyone, raw only
when an admin asked for it with a reason, which is written to the audit log without the text.

Both the interviewer's and the customer's words are redacted: the interviewer may echo the
customer's own terms back to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.analysis.redaction import redact
from askwhy.store import conversation_listing as listing
from askwhy.store import people
from askwhy.store.analysis_tables import ResponseAnalysis
from askwhy.store.tables import Conversation, Message, Response

RAW_VIEWED = "transcript.raw_viewed"
REASON_LENGTH = (5, 500)


class TranscriptNotFound(LookupError):
    """No such conversation or response in this program (another program's id is not found either)."""


@dataclass(frozen=True)
class Turn:
    speaker: str
    """interviewer or customer"""
    text: str
    at: datetime
    purged: bool = False
    """The raw text was replaced by its redacted form under the retention setting."""


@dataclass(frozen=True)
class ShownTranscript:
    program: str
    conversation_id: str | None
    response_id: str | None
    channel: str
    language: str
    status: str
    started_at: datetime
    simulated: bool
    metric: str | None
    score: int | None
    sentiment: str | None
    sentiment_score: float | None
    raw: bool
    """True when the text is the customer's own, unredacted."""
    turns: list[Turn] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)

    @property
    def raw_purged(self) -> bool:
        """Some raw text is gone: retention replaced it by the redacted form."""
        return any(turn.purged for turn in self.turns)


def show_conversation(
    *, session: Session, program: str, conversation_id: str, raw: bool = False, region: str = "US"
) -> ShownTranscript:
    """The conversation's questions and answers in order, redacted unless ``raw``."""
    conversation = listing.conversation(session=session, conversation_id=conversation_id)
    if conversation is None or conversation.program != program:
        raise TranscriptNotFound(conversation_id)
    response = listing.response_of_conversation(session=session, conversation_id=conversation_id)
    messages = listing.messages(session=session, conversation_id=conversation_id)
    return _shown(
        session=session,
        conversation=conversation,
        response=response,
        turns=[_turn(message, raw=raw, region=region) for message in messages],
        raw=raw,
    )


def show_response(
    *, session: Session, program: str, response_id: str, raw: bool = False, region: str = "US"
) -> ShownTranscript:
    """A response by its id: its conversation when it has one, else the imported comment."""
    response = listing.response(session=session, response_id=response_id)
    if response is None or response.program != program:
        raise TranscriptNotFound(response_id)
    if response.conversation_id is not None:
        return show_conversation(
            session=session, program=program, conversation_id=response.conversation_id, raw=raw, region=region
        )
    analysed = listing.analysis(session=session, response_id=response.id)
    comment = _comment(response, analysed, raw=raw, region=region)
    turns = [comment] if comment.text else []
    return _shown(session=session, conversation=None, response=response, turns=turns, raw=raw)


def record_raw_view(
    *, session: Session, person_id: str, program: str, shown: ShownTranscript, reason: str, now: datetime
) -> None:
    """Log who read which raw transcript and why; never the text itself."""
    target = shown.conversation_id or shown.response_id
    detail = {"program": program, "reason": reason, "conversation_id": shown.conversation_id}
    if shown.conversation_id is None:
        detail["response_id"] = shown.response_id
    people.record(
        session=session, at=now, person_id=person_id, action=RAW_VIEWED, target=target, detail=detail
    )


def reason_problem(reason: str) -> str | None:
    """What is wrong with a reason for reading raw text, naming the field; None when it will do."""
    shortest, longest = REASON_LENGTH
    if not shortest <= len(reason.strip()) <= longest:
        return f"Reason: write why you need the raw text, {shortest} to {longest} characters."
    return None


def _turn(message: Message, *, raw: bool, region: str) -> Turn:
    speaker = "customer" if message.direction == "in" else "interviewer"
    text = message.text if raw else redact(message.text, default_region=region).text
    purged = raw and speaker == "customer" and message.raw_purged_at is not None
    return Turn(speaker=speaker, text=text, at=message.created_at, purged=purged)


def _comment(response: Response, analysed: ResponseAnalysis | None, *, raw: bool, region: str) -> Turn:
    if raw:
        text, purged = response.comment, response.raw_purged_at is not None
    else:
        text = analysed.text if analysed else redact(response.comment, default_region=region).text
        purged = False
    return Turn(speaker="customer", text=text, at=response.responded_at, purged=purged)


def _shown(
    *,
    session: Session,
    conversation: Conversation | None,
    response: Response | None,
    turns: Sequence[Turn],
    raw: bool,
) -> ShownTranscript:
    analysed = listing.analysis(session=session, response_id=response.id) if response else None
    themes = listing.theme_labels(session=session, response_ids=[response.id]) if response else {}
    origin = conversation or response
    assert origin is not None, "a transcript comes from a conversation or a response"
    return ShownTranscript(
        program=origin.program,
        conversation_id=conversation.id if conversation else None,
        response_id=response.id if response else None,
        channel=origin.channel,
        language=(response.language if response else None) or origin.language,
        status=conversation.status if conversation else (response.completion if response else ""),
        started_at=conversation.started_at if conversation else _responded(response),
        simulated=origin.simulated,
        metric=response.metric if response else None,
        score=response.score if response else None,
        sentiment=analysed.sentiment if analysed else None,
        sentiment_score=float(analysed.sentiment_score) if analysed else None,
        raw=raw,
        turns=list(turns),
        themes=themes.get(response.id, []) if response else [],
    )


def _responded(response: Response | None) -> datetime:
    assert response is not None
    return response.responded_at
