"""One synthetic customer in one conversation: answers the interviewer's questions as a persona.

The customer reacts to the key of the interviewer's last question (``metric``, ``why``,
``probe:vague``, ``probe:theme:<id>``, ``probe:impact``, ``probe:fix``, ``probe:anything_else``,
``close_the_loop``). Everything is drawn from the customer's own random generator, so a seed
gives the same conversation every time. How the conversation ends for the customer (answers to
the end, stops replying, or opts out) is decided up front and played out turn by turn.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum

from askwhy.domain.scales import Band, Scale
from askwhy.simulation.personas import Persona, Replies
from askwhy.simulation.styles import styled

_NUMBER_WORDS = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    "es": ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"),
}
_LAST_REPLY_AT = (0, 1, 1, 2, 2, 3)
"""Replies given before an abandoning or opting-out customer stops (0: never answers at all)."""
_EXTRA_REMARK = 0.35
_OPENER = 0.6
"""A chatty customer starts one of their answers ("Honestly?") this often."""
_OTHER_REASON = 0.5
"""Asked about a theme they have nothing more on, half the customers bring up something else."""


class Fate(StrEnum):
    ANSWERS = "answers"
    ABANDONS = "abandons"
    OPTS_OUT = "opts_out"


@dataclass
class Customer:
    """A persona with its score, its reason and its fate for one conversation."""

    persona: Persona
    replies: Replies
    score: int | None
    band: Band
    scale: Scale | None
    rng: random.Random
    fate: Fate = Fate.ANSWERS
    stops_at: int = -1
    theme: str = ""
    reason: str = ""
    given: int = 0
    asked: list[str] = field(default_factory=list)
    said: set[str] = field(default_factory=set)
    opened: bool = False

    def reply_to(self, question: str | None) -> str | None:
        """The customer's next message, or None when they stop replying."""
        if self.given == self.stops_at and self.fate is Fate.ABANDONS:
            return None
        if self.given == self.stops_at and self.fate is Fate.OPTS_OUT:
            text = self._pick(self.replies.opt_out)
        else:
            text = self._answer(question or "")
        self.given += 1
        self.asked.append(question or "")
        return text

    def _answer(self, question: str) -> str:
        if question == "metric":
            return self._score()
        if question == "why":
            return self._why()
        if question == "close_the_loop":
            accepts = self.rng.random() < self.persona.behaviour.accepts_follow_up
            return self._pick(self.replies.accept if accepts else self.replies.decline)
        if question == "probe:anything_else":
            return self._anything_else()
        if question.startswith("probe:") and self.rng.random() < self.persona.behaviour.stop_early:
            return self._pick(self.replies.endings)
        return self._probe(question.removeprefix("probe:"))

    def _score(self) -> str:
        behaviour = self.persona.behaviour
        first = "metric" not in self.asked
        if first and self.rng.random() < behaviour.unclear_score and self.replies.unclear:
            return self._pick(self.replies.unclear)
        if self.score is None or self.scale is None:
            return self._why()
        in_words = first and self.rng.random() < behaviour.score_in_words
        text = self._score_phrase(self.score, self.scale.high) if in_words else str(self.score)
        if first and self.rng.random() < behaviour.reason_with_score:
            self.asked.append("why")
            return f"{text}, {self._free(self.reason, chatty=False)}"
        return text

    def _score_phrase(self, score: int, top: int) -> str:
        words = _NUMBER_WORDS.get(self.persona.language)
        usable = [
            template
            for template in self.replies.score
            if ("{next}" not in template or score < top) and ("{word}" not in template or words is not None)
        ]
        template = self._pick(usable) if usable else "{n}"
        return template.format(n=score, word=words[score] if words else score, next=score + 1, top=top)

    def _why(self) -> str:
        vague_first = self.rng.random() < self.persona.behaviour.vague_first
        if vague_first and "why" not in self.asked:
            return self._free(self._pick(self.replies.vague))
        return self._free(self.reason)

    def _probe(self, probe: str) -> str:
        if probe == "vague":
            return self._free(self.reason)
        if probe == "impact":
            return self._free(self._pick(self.replies.impact))
        if probe == "fix":
            return self._free(self._pick(self.replies.fix))
        if probe.startswith("theme:"):
            return self._free(self._about(probe.removeprefix("theme:")))
        return self._free(self._pick(self.replies.anything_else or self.replies.fix))

    def _about(self, theme: str) -> str:
        own_band = any(band == self.band.value for band in self.persona.by_band)
        details = None if own_band else self.persona.details.get(theme)
        if details:
            return self._pick(details)
        reasons = self.persona.reasons_for(self.band.value)
        same_theme = [text for text in reasons.get(theme, []) if text != self.reason]
        if same_theme:
            return self._pick(same_theme)
        other = [text for texts in reasons.values() for text in texts if text != self.reason]
        if other and self.rng.random() < _OTHER_REASON:
            return self._pick(other)
        return self._pick(self.replies.impact)

    def _anything_else(self) -> str:
        if self.replies.anything_else and self.rng.random() < _EXTRA_REMARK:
            return self._free(self._pick(self.replies.anything_else))
        return self._pick(self.replies.endings)

    def _free(self, text: str, *, chatty: bool = True) -> str:
        opener = None
        if chatty and not self.opened and self.replies.openers and self.rng.random() < _OPENER:
            opener, self.opened = self._pick(self.replies.openers), True
        return styled(text, style=self.persona.style, band=self.band, rng=self.rng, opener=opener)

    def _pick(self, options: list[str]) -> str:
        """One of ``options``, avoiding what this customer has already said while it can."""
        fresh = [option for option in options if option not in self.said] or options
        choice = self.rng.choice(fresh)
        self.said.add(choice)
        return choice


def fate_of(persona: Persona, rng: random.Random) -> tuple[Fate, int]:
    """How the conversation ends for this customer, and after how many replies if early."""
    draw = rng.random()
    behaviour = persona.behaviour
    if draw < behaviour.abandon:
        return Fate.ABANDONS, rng.choice(_LAST_REPLY_AT)
    if draw < behaviour.abandon + behaviour.opt_out:
        return Fate.OPTS_OUT, rng.choice(_LAST_REPLY_AT)
    return Fate.ANSWERS, -1


def reason_of(persona: Persona, band: Band, rng: random.Random) -> tuple[str, str]:
    """The theme and sentence this customer gives as their main reason for a score in ``band``."""
    reasons = persona.reasons_for(band.value)
    choices = [(theme, text) for theme, texts in reasons.items() for text in texts]
    return rng.choice(choices)
