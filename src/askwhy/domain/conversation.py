"""A feedback conversation as the interviewer sees it: its state, what comes in, what goes out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class ConversationStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    OPTED_OUT = "opted_out"
    FAILED = "failed"

    @property
    def is_open(self) -> bool:
        return self in (ConversationStatus.INVITED, ConversationStatus.ACTIVE)


class Step(StrEnum):
    """What the interviewer is waiting for."""

    SCORE = "score"
    WHY = "why"
    PROBE = "probe"
    CLOSE_THE_LOOP = "close_the_loop"
    DONE = "done"


class Channel(StrEnum):
    WEB = "web"
    TERMINAL = "terminal"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    SIMULATED = "simulated"
    IMPORT = "import"


@dataclass(frozen=True)
class Choice:
    """A quick-reply option; channels without buttons show it as numbered text."""

    id: str
    title: str


@dataclass(frozen=True)
class Inbound:
    """What the customer sent, normalised across channels."""

    text: str
    media_type: str | None = None
    """Set when the customer sent a voice note, image or other media instead of text."""
    choice_id: str | None = None
    """Set when the customer tapped a quick reply."""


@dataclass(frozen=True)
class Outbound:
    """One message to send, in the conversation's language."""

    text: str
    question: str | None = None
    """The guide key of the question asked (``metric``, ``why``, ``probe:vague``...), if any."""
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Answer:
    question: str
    text: str


@dataclass(frozen=True)
class InterviewState:
    """Everything the interviewer needs to take the next turn; stored with the conversation."""

    status: ConversationStatus = ConversationStatus.INVITED
    step: Step = Step.SCORE
    language: str = "en"
    score: int | None = None
    score_raw: str | None = None
    score_attempts: int = 0
    questions_asked: int = 0
    probes_used: tuple[str, ...] = ()
    themes_raised: tuple[str, ...] = ()
    answers: tuple[Answer, ...] = ()
    close_the_loop: bool | None = None
    last_question: str | None = None
    last_activity_at: datetime | None = None

    def evolve(self, **changes: object) -> InterviewState:
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form for storage."""
        return {
            "status": self.status.value,
            "step": self.step.value,
            "language": self.language,
            "score": self.score,
            "score_raw": self.score_raw,
            "score_attempts": self.score_attempts,
            "questions_asked": self.questions_asked,
            "probes_used": list(self.probes_used),
            "themes_raised": list(self.themes_raised),
            "answers": [{"question": a.question, "text": a.text} for a in self.answers],
            "close_the_loop": self.close_the_loop,
            "last_question": self.last_question,
            "last_activity_at": self.last_activity_at.isoformat() if self.last_activity_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> InterviewState:
        answers = data.get("answers") or []
        last = data.get("last_activity_at")
        return cls(
            status=ConversationStatus(str(data["status"])),
            step=Step(str(data["step"])),
            language=str(data.get("language") or "en"),
            score=_opt_int(data.get("score")),
            score_raw=_opt_str(data.get("score_raw")),
            score_attempts=int(str(data.get("score_attempts") or 0)),
            questions_asked=int(str(data.get("questions_asked") or 0)),
            probes_used=tuple(str(p) for p in _as_list(data.get("probes_used"))),
            themes_raised=tuple(str(t) for t in _as_list(data.get("themes_raised"))),
            answers=tuple(
                Answer(question=str(a["question"]), text=str(a["text"]))
                for a in _as_list(answers)
                if isinstance(a, dict)
            ),
            close_the_loop=data.get("close_the_loop")
            if isinstance(data.get("close_the_loop"), bool)
            else None,  # type: ignore[arg-type]
            last_question=_opt_str(data.get("last_question")),
            last_activity_at=datetime.fromisoformat(str(last)) if last else None,
        )


@dataclass(frozen=True)
class Turn:
    """The interviewer's answer to one event: messages to send and the new state."""

    state: InterviewState
    messages: tuple[Outbound, ...] = field(default_factory=tuple)

    @property
    def finished(self) -> bool:
        return not self.state.status.is_open


def _opt_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []
