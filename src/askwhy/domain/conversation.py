"""A feedback conversation as the interviewer sees it: its state, what comes in, what goes out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic_core import CoreSchema, core_schema


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


class Channel(str):
    """A channel, by its name: the known ones are constants here; a channel added at start-up
    (`askwhy.domain.channels.register`) is registered by name, with no change to this module.

    One object per name, so ``channel is Channel.EMAIL`` holds however it was made, and an
    unregistered name is refused (``Channel("telegram")`` raises ValueError) as a closed enum's
    would be.
    """

    __slots__ = ()
    _known: ClassVar[dict[str, Channel]] = {}

    WEB: ClassVar[Channel]
    TERMINAL: ClassVar[Channel]
    WHATSAPP: ClassVar[Channel]
    SMS: ClassVar[Channel]
    VOICE: ClassVar[Channel]
    EMAIL: ClassVar[Channel]
    SIMULATED: ClassVar[Channel]
    IMPORT: ClassVar[Channel]

    def __new__(cls, name: str) -> Channel:
        known = cls._known.get(str(name))
        if known is None:
            names = ", ".join(sorted(cls._known))
            raise ValueError(f"{name!r} is not a channel; the channels are {names}")
        return known

    @classmethod
    def register(cls, name: str) -> Channel:
        """The channel called ``name``, made known if it was not (idempotent)."""
        if not name or not name.isascii() or not name.replace("_", "").isalnum() or name != name.lower():
            raise ValueError(f"a channel's name is lower-case letters, digits and _: {name!r}")
        known = cls._known.get(name)
        if known is None:
            known = cls._known[name] = str.__new__(cls, name)
        return known

    @classmethod
    def known(cls) -> tuple[Channel, ...]:
        """Every registered channel, in the order they were registered."""
        return tuple(cls._known.values())

    @property
    def value(self) -> str:
        """The name as a plain string (as stored)."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Channel({self.value!r})"

    def __reduce__(self) -> tuple[type[Channel], tuple[str]]:
        return Channel, (self.value,)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )


Channel.WEB = Channel.register("web")
Channel.TERMINAL = Channel.register("terminal")
Channel.WHATSAPP = Channel.register("whatsapp")
Channel.SMS = Channel.register("sms")
Channel.VOICE = Channel.register("voice")
Channel.EMAIL = Channel.register("email")
Channel.SIMULATED = Channel.register("simulated")
Channel.IMPORT = Channel.register("import")


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
