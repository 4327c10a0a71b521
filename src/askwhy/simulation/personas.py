"""Synthetic customers described as data: personas with their scores, words and habits.

A persona file belongs to one guide and is kept in YAML beside the guides (``examples/personas``).
It lists personas ("frustrated late-delivery customer", "happy repeat buyer"...), each with a
weight, a score distribution, a language, a style and what they say: reasons per theme, details
when a theme is probed, vague first answers, answers to the impact and fix probes, and endings.
Lists a persona leaves empty are taken from the file's ``common`` replies for its language.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from askwhy.domain.guide import LanguageCode

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Sentence = Annotated[str, StringConstraints(min_length=1, max_length=600)]
Sentences = list[Sentence]
BandName = Literal["detractor", "passive", "promoter"]
Weights = dict[str, Annotated[float, Field(ge=0)]]
"""Relative weights of values, e.g. ``{"mobile": 3, "desktop": 2}``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Style(StrEnum):
    """How a persona writes; the reply generator applies it to free-text answers."""

    PLAIN = "plain"
    TERSE = "terse"
    CHATTY = "chatty"
    TYPOS = "typos"
    EMOJI = "emoji"


class Trend(_Strict):
    """A persona that becomes more (or less) frequent towards the end of the simulated period."""

    last_days: int = Field(ge=1, description="The trend applies to the last N days of the period.")
    weight: float = Field(ge=0, description="The persona's weight during those days.")


class Behaviour(_Strict):
    """Probabilities of the persona's habits, each between 0 and 1."""

    vague_first: float = Field(default=0.15, ge=0, le=1, description="First 'why' answer is vague.")
    score_in_words: float = Field(default=0.2, ge=0, le=1, description="Score phrased, not a bare digit.")
    reason_with_score: float = Field(default=0.1, ge=0, le=1, description="Gives the reason with the score.")
    unclear_score: float = Field(default=0.02, ge=0, le=1, description="First score reply has no number.")
    stop_early: float = Field(default=0.1, ge=0, le=1, description="Ends a probe with 'that's all'.")
    abandon: float = Field(default=0.06, ge=0, le=1, description="Stops replying part-way.")
    opt_out: float = Field(default=0.02, ge=0, le=1, description="Asks us to stop messaging.")
    accepts_follow_up: float = Field(default=0.6, ge=0, le=1, description="Says yes to close the loop.")
    minutes_between_replies: tuple[float, float] = Field(
        default=(0.3, 4.0), description="Shortest and longest time the persona takes to reply."
    )

    @model_validator(mode="after")
    def _fates_fit(self) -> Behaviour:
        if self.abandon + self.opt_out > 1:
            raise ValueError("abandon + opt_out must not exceed 1")
        low, high = self.minutes_between_replies
        if not 0 <= low <= high:
            raise ValueError("minutes_between_replies must be [shortest, longest] with 0 <= shortest")
        return self


class Replies(_Strict):
    """Replies shared by every persona of one language; a persona's own lists take precedence."""

    score: Sentences = Field(
        default_factory=list,
        description="Ways to give the score: {n} digits, {word} in words, {next} one more, {top} top.",
    )
    unclear: Sentences = Field(default_factory=list, description="A first score reply with no number.")
    vague: Sentences = Field(default_factory=list, description="Answers too vague to act on.")
    impact: Sentences = Field(default_factory=list, description="How much it mattered.")
    fix: Sentences = Field(default_factory=list, description="What would have made it better.")
    anything_else: Sentences = Field(default_factory=list, description="A last remark.")
    endings: Sentences = Field(default_factory=list, description="'That's all', 'no'...")
    opt_out: Sentences = Field(default_factory=list, description="'stop', 'leave me alone'...")
    accept: Sentences = Field(default_factory=list, description="Yes to being contacted.")
    decline: Sentences = Field(default_factory=list, description="No to being contacted.")
    openers: Sentences = Field(
        default_factory=list, description="How a chatty persona may start an answer: 'Honestly?', 'Well...'"
    )

    def merged(self, fallback: Replies | None) -> Replies:
        """These replies, with every empty list taken from ``fallback``."""
        if fallback is None:
            return self
        return Replies(
            **{name: getattr(self, name) or getattr(fallback, name) for name in Replies.model_fields}
        )


REQUIRED_REPLIES = ("score", "vague", "impact", "fix", "endings", "opt_out", "accept", "decline")


class Persona(Replies):
    id: Id
    name: str = Field(min_length=1)
    weight: float = Field(ge=0, description="Relative share of customers like this one.")
    trend: Trend | None = None
    language: LanguageCode = "en"
    style: Style = Style.PLAIN
    scores: dict[int, Annotated[float, Field(ge=0)]] = Field(
        min_length=1, description="Relative weight of each score on the guide's scale."
    )
    segments: dict[Id, Weights] = Field(
        default_factory=dict, description="Overrides of the file's segment weights for this persona."
    )
    behaviour: Behaviour = Field(default_factory=Behaviour)
    reasons: dict[Id, Annotated[Sentences, Field(min_length=1)]] = Field(
        min_length=1, description="Why they gave their score, per theme id of the guide."
    )
    by_band: dict[BandName, dict[Id, Annotated[Sentences, Field(min_length=1)]]] = Field(
        default_factory=dict,
        description="Reasons for one score band, used instead of `reasons` when the score falls in it.",
    )
    details: dict[Id, Sentences] = Field(
        default_factory=dict, description="Answers when the interviewer probes a theme."
    )

    @model_validator(mode="after")
    def _has_weight_somewhere(self) -> Persona:
        if not any(self.scores.values()):
            raise ValueError("scores: at least one score needs a weight above 0")
        return self

    def reasons_for(self, band: str) -> dict[str, list[str]]:
        """The reasons a customer with a score in ``band`` gives."""
        return next((reasons for name, reasons in self.by_band.items() if name == band), self.reasons)

    def weight_at(self, days_before_end: float) -> float:
        """The persona's weight for a conversation this many days before the period ends."""
        if self.trend is not None and days_before_end < self.trend.last_days:
            return self.trend.weight
        return self.weight


class PersonaFile(_Strict):
    """One guide's synthetic customers."""

    guide: Id = Field(description="The id of the guide these customers answer.")
    segments: dict[Id, Weights] = Field(
        default_factory=dict, description="Customer attributes and the weights of their values."
    )
    common: dict[LanguageCode, Replies] = Field(default_factory=dict)
    personas: list[Persona] = Field(min_length=1)

    def replies_of(self, persona: Persona) -> Replies:
        """The persona's replies, completed from the common replies of its language."""
        return persona.merged(self.common.get(persona.language))

    def segment_weights(self, persona: Persona) -> dict[str, Weights]:
        """The segment weights for a persona: the file's, with the persona's overrides."""
        return {**self.segments, **persona.segments}
