"""A scripted customer for interviewer tests, and a small guide to vary in tests."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from askwhy.domain.conversation import Inbound, InterviewState, Outbound, Turn
from askwhy.domain.guide import Guide
from askwhy.interview import next_turn, open_conversation

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@dataclass
class Chat:
    """One conversation: the customer replies, the interviewer answers; everything is kept."""

    guide: Guide
    language: str | None = None
    now: datetime = START
    sent: list[Outbound] = field(default_factory=list)
    last: Turn | None = None

    def __post_init__(self) -> None:
        self.last = open_conversation(self.guide, language=self.language, now=self.now)
        self.sent.extend(self.last.messages)

    @property
    def state(self) -> InterviewState:
        assert self.last is not None
        return self.last.state

    def reply(
        self, text: str, *, media_type: str | None = None, choice_id: str | None = None, minutes: float = 1
    ) -> tuple[Outbound, ...]:
        """Send a reply a little later and return what the interviewer sent back."""
        self.now += timedelta(minutes=minutes)
        inbound = Inbound(text=text, media_type=media_type, choice_id=choice_id)
        self.last = next_turn(self.guide, self.state, inbound, self.now)
        self.sent.extend(self.last.messages)
        return self.last.messages

    def wait(self, minutes: float) -> Turn:
        """Let time pass and run the timer check."""
        self.now += timedelta(minutes=minutes)
        self.last = next_turn(self.guide, self.state, None, self.now)
        return self.last

    @property
    def questions(self) -> list[str]:
        """The guide keys of every question asked so far, in order."""
        return [message.question for message in self.sent if message.question]

    @property
    def text(self) -> str:
        """The last message the interviewer sent."""
        return self.sent[-1].text


MINIMAL_GUIDE: dict[str, Any] = {
    "id": "minimal",
    "name": "Minimal",
    "metric": "nps",
    "brand": "Northwind",
    "questions": {
        "metric": {"en": "How likely are you to recommend {brand}?", "es": "¿Nos recomendarías?"},
        "why": {
            "detractor": {"en": "What went wrong?", "es": "¿Qué salió mal?"},
            "passive": {"en": "What would make it better?", "es": "¿Qué lo mejoraría?"},
            "promoter": {"en": "What did you like?", "es": "¿Qué te gustó?"},
        },
    },
    "probes": {
        "vague": {"en": "Could you give an example?", "es": "¿Un ejemplo?"},
        "impact": {"en": "How much did it matter?", "es": "¿Cuánto importó?"},
        "fix": {"en": "What would fix it?", "es": "¿Qué lo arreglaría?"},
        "anything_else": {"en": "Anything else?", "es": "¿Algo más?"},
    },
    "themes": [
        {
            "id": "delivery",
            "label": {"en": "delivery", "es": "entrega"},
            "keywords": {"en": ["delivery", "late"], "es": ["entrega", "tarde"]},
            "acknowledge": {"en": "You said “{words}”.", "es": "Dijiste “{words}”."},
            "probe": {"en": "What happened with the delivery?", "es": "¿Qué pasó con la entrega?"},
        }
    ],
    "limits": {"max_questions": 5, "abandon_after_minutes": 30},
    "closings": {
        "detractor": {"en": "Sorry, and thanks.", "es": "Lo sentimos, gracias."},
        "passive": {"en": "Thanks.", "es": "Gracias."},
        "promoter": {"en": "Thanks a lot!", "es": "¡Muchas gracias!"},
    },
    "close_the_loop": {
        "offer": {"en": "May we contact you?", "es": "¿Podemos contactarte?"},
        "accepted": {"en": "We will be in touch.", "es": "Te contactaremos."},
        "declined": {"en": "We won't contact you.", "es": "No te contactaremos."},
    },
    "messages": {
        "reask_score": {"en": "A number from 0 to 10, please.", "es": "Un número del 0 al 10, por favor."},
        "opted_out": {"en": "You won't hear from us again.", "es": "No volveremos a escribirte."},
        "media_unsupported": {"en": "Please type your answer.", "es": "Escribe tu respuesta, por favor."},
    },
}


def minimal_guide(**changes: Any) -> Guide:
    """The minimal guide with top-level fields replaced, e.g. ``limits={"max_questions": 3}``."""
    data = copy.deepcopy(MINIMAL_GUIDE)
    data.update(changes)
    return Guide.model_validate(data)
