"""Interview guides: what to ask, how to probe, when to stop, in which languages.

A guide is data a team keeps under version control as YAML; this module validates it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from askwhy.domain.scales import Band, Metric

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Text = dict[LanguageCode, Annotated[str, StringConstraints(min_length=1)]]
"""Text per language code, e.g. ``{"en": "Thanks!", "es": "¡Gracias!"}``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WhyQuestions(_Strict):
    detractor: Text
    passive: Text
    promoter: Text
    unknown: Text | None = Field(
        default=None, description="Asked when there is no score; the passive text is used if unset."
    )

    def for_band(self, band: Band) -> Text:
        if band is Band.UNKNOWN:
            return self.unknown or self.passive
        text: Text = getattr(self, band.value)
        return text


class Questions(_Strict):
    metric: Text | None = Field(default=None, description="The score question; none for metric none.")
    why: WhyQuestions


class Probes(_Strict):
    vague: Text = Field(description="Asked once when an answer is too vague to act on.")
    impact: Text | None = Field(default=None, description="How much the issue mattered.")
    fix: Text | None = Field(default=None, description="What would have made it better.")
    anything_else: Text | None = Field(default=None, description="A last open question.")


class Theme(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    label: Text
    keywords: dict[LanguageCode, list[str]] = Field(
        description="Words or short phrases that show the customer is talking about this theme."
    )
    acknowledge: Text = Field(description="Acknowledges the theme in the customer's terms.")
    probe: Text = Field(description="The follow-up question for this theme.")
    polarity: Annotated[str, StringConstraints(pattern=r"^(negative|positive|any)$")] = "any"


class Limits(_Strict):
    max_questions: int = Field(default=5, ge=1, le=12, description="Questions asked at most.")
    abandon_after_minutes: int = Field(
        default=60, ge=1, description="Inactivity after which the conversation is abandoned."
    )


class Closings(_Strict):
    detractor: Text
    passive: Text
    promoter: Text

    def for_band(self, band: Band) -> Text:
        text: Text = getattr(self, band.value if band is not Band.UNKNOWN else "passive")
        return text


class CloseTheLoop(_Strict):
    offer: Text = Field(description="Asks a detractor whether the team may follow up.")
    accepted: Text
    declined: Text


class SystemMessages(_Strict):
    reask_score: Text
    opted_out: Text
    media_unsupported: Text = Field(description="Sent when a voice note or image arrives.")
    help_acknowledged: Text | None = Field(
        default=None, description="Said at once when a customer asks for help and the program has a team."
    )
    help_unavailable: Text | None = Field(
        default=None, description="Said at once when a customer asks for help and no team follows up."
    )
    score_updated: Text | None = Field(default=None, description="Confirms a score the customer corrected.")


class Acknowledgements(_Strict):
    negative: Text | None = Field(
        default=None, description="Acknowledges a complaint; {words} becomes the customer's words."
    )
    positive: Text | None = Field(
        default=None, description="Acknowledges praise; {words} becomes the customer's words."
    )


class Guide(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: str
    metric: Metric
    default_language: LanguageCode = "en"
    brand: str = Field(default="us", description="Replaces {brand} in texts.")
    questions: Questions
    probes: Probes
    themes: list[Theme] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    closings: Closings
    close_the_loop: CloseTheLoop | None = None
    messages: SystemMessages
    acknowledgements: Acknowledgements | None = Field(
        default=None, description="Wording by polarity, when a theme's own acknowledgement does not fit."
    )

    @model_validator(mode="after")
    def _texts_have_default_language(self) -> Guide:
        if self.metric is not Metric.NONE and self.questions.metric is None:
            raise ValueError("questions.metric is required unless metric is none")
        missing = [path for path, text in self.texts() if self.default_language not in text]
        if missing:
            raise ValueError(f"missing default language {self.default_language!r} in {missing[0]}")
        return self

    @property
    def languages(self) -> frozenset[str]:
        """Languages every text of the guide is available in."""
        sets = [frozenset(text) for _, text in self.texts()]
        return frozenset.intersection(*sets) if sets else frozenset({self.default_language})

    def texts(self) -> list[tuple[str, Text]]:
        """Every localised text with its field path, for validation and translation checks."""
        return list(_walk_texts(self.model_dump(mode="python"), ""))

    def say(self, text: Text, language: str) -> str:
        """Pick the text in the language, falling back to the guide's default language."""
        chosen = text.get(language) or text[self.default_language]
        return chosen.replace("{brand}", self.brand)


def _walk_texts(node: object, path: str) -> list[tuple[str, Text]]:
    found: list[tuple[str, Text]] = []
    if isinstance(node, dict):
        if node and all(isinstance(k, str) and len(k) == 2 and isinstance(v, str) for k, v in node.items()):
            return [(path, node)]
        for key, value in node.items():
            if key == "keywords":
                continue
            found += _walk_texts(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _walk_texts(value, f"{path}[{index}]")
    return found
