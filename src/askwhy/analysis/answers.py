"""A conversation's answers, each read with the question it answers.

In a conversation the unit of meaning is the customer's answer to one question. "Two weeks" means
nothing alone and everything as the answer to "what happened with the delivery?": an answer to a
probe on a guide theme belongs to that theme, and is embedded with the theme's label as context.
A follow-up about impact, an example or a fix ("how much did that matter?") speaks of the topic
of the answer before it. The score answer stays a unit (customers write "3, it came late").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

THEME_PROBE = "probe:theme:"
FOLLOW_UPS = frozenset({"probe:impact", "probe:vague", "probe:fix"})
"""Questions about the topic just raised, so their answers keep that topic."""
NOT_FEEDBACK = frozenset({"close_the_loop"})
"""Answers that say nothing about the experience (whether the team may follow up)."""


@dataclass(frozen=True)
class Topic:
    """A guide theme a question probes: its theme id in the codebook and its label."""

    theme_id: str
    label: str


@dataclass(frozen=True)
class Answer:
    text: str
    topic: Topic | None = None
    """The theme the question probed, when it probed one."""

    @property
    def context(self) -> str:
        """What the answer is read with: the probed theme's label, or nothing."""
        return self.topic.label if self.topic else ""


def answers_in_context(answers: Sequence[Mapping[str, object]], topics: Mapping[str, Topic]) -> list[Answer]:
    """The stored ``{"question", "text"}`` answers as `Answer` units, each with the topic of its
    question (``topics`` by guide theme key); answers that are not feedback are left out."""
    found: list[Answer] = []
    current: Topic | None = None
    for answer in answers:
        question, text = str(answer.get("question") or ""), str(answer.get("text") or "")
        if question in NOT_FEEDBACK:
            continue
        if question.startswith(THEME_PROBE):
            current = topics.get(question.removeprefix(THEME_PROBE))
        elif question not in FOLLOW_UPS:
            current = None
        if text.strip():
            found.append(Answer(text=text, topic=current))
    return found
