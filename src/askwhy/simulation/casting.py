"""Casting: which persona answers a conversation, with which score, segment and fate.

Persona weights may change towards the end of the period (a trend), and a language mix can set
the share of conversations held in each language, whatever the personas' own weights say.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from askwhy.domain.guide import Guide
from askwhy.domain.scales import SCALES, band_for
from askwhy.simulation.customer import Customer, fate_of, reason_of
from askwhy.simulation.personas import Persona, PersonaFile

K = TypeVar("K")


class LanguageMixError(ValueError):
    """A language mix that cannot be honoured; the message says why."""


@dataclass(frozen=True)
class Casting:
    """A guide's personas, ready to be drawn from."""

    guide: Guide
    personas: PersonaFile
    language_mix: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_language_mix(self.language_mix, self.personas)

    def customer(self, *, rng: random.Random, days_before_end: float) -> tuple[Customer, dict[str, str]]:
        """Draw one customer and their segment attributes for a conversation at that time."""
        persona = self._persona(rng, days_before_end)
        scale = SCALES.get(self.guide.metric)
        score = _draw(persona.scores, rng) if scale is not None else None
        band = band_for(self.guide.metric, score)
        fate, stops_at = fate_of(persona, rng)
        theme, reason = reason_of(persona, band, rng)
        customer = Customer(
            persona=persona,
            replies=self.personas.replies_of(persona),
            score=score,
            band=band,
            scale=scale,
            rng=rng,
            fate=fate,
            stops_at=stops_at,
            theme=theme,
            reason=reason,
        )
        return customer, self._segment(persona, rng)

    def _persona(self, rng: random.Random, days_before_end: float) -> Persona:
        weights = mixed_weights(self.personas.personas, days_before_end, self.language_mix)
        return rng.choices(self.personas.personas, weights=weights)[0]

    def _segment(self, persona: Persona, rng: random.Random) -> dict[str, str]:
        weights = self.personas.segment_weights(persona)
        return {name: _draw(values, rng) for name, values in weights.items() if any(values.values())}


def mixed_weights(
    personas: list[Persona], days_before_end: float, language_mix: Mapping[str, float]
) -> list[float]:
    """Each persona's weight at that time, rescaled so languages get the shares of the mix."""
    weights = [persona.weight_at(days_before_end) for persona in personas]
    if not language_mix:
        return weights
    per_language: dict[str, float] = defaultdict(float)
    for persona, weight in zip(personas, weights, strict=True):
        per_language[persona.language] += weight
    rest = max(0.0, 1.0 - sum(language_mix.values()))
    others = sum(total for language, total in per_language.items() if language not in language_mix)
    shares = {
        language: language_mix.get(language, rest * total / others if others else 0.0)
        for language, total in per_language.items()
    }
    return [
        weight / per_language[persona.language] * shares[persona.language]
        if per_language[persona.language]
        else 0.0
        for persona, weight in zip(personas, weights, strict=True)
    ]


def check_language_mix(language_mix: Mapping[str, float], personas: PersonaFile) -> None:
    """Refuse shares outside 0–1, shares that add up to more than 1, and languages no persona speaks."""
    spoken = {persona.language for persona in personas.personas}
    for language, share in language_mix.items():
        if not 0 <= share <= 1:
            raise LanguageMixError(f"{language}={share}: a share must be between 0 and 1")
        if language not in spoken:
            raise LanguageMixError(
                f"{language}: no persona of guide {personas.guide!r} speaks it (spoken: "
                f"{', '.join(sorted(spoken))})"
            )
    if sum(language_mix.values()) > 1 + 1e-9:
        raise LanguageMixError("the language shares add up to more than 1")


def parse_language_mix(text: str) -> dict[str, float]:
    """Read ``"es=0.2,en=0.8"`` (or ``"es=20%"``) into shares per language."""
    mix: dict[str, float] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        language, _, value = part.partition("=")
        try:
            share = float(value.strip().rstrip("%")) / (100 if value.strip().endswith("%") else 1)
        except ValueError:
            raise LanguageMixError(f"{part!r}: write LANGUAGE=SHARE, e.g. es=0.2") from None
        mix[language.strip().lower()] = share
    return mix


def _draw(weights: Mapping[K, float], rng: random.Random) -> K:
    values = list(weights)
    return rng.choices(values, weights=[weights[value] for value in values])[0]
