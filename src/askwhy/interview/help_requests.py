"""Answering, at once, a customer who needs a person: a request for help or for a human, or an
order, parcel or refund that never came.

A case opens on the same readings (``askwhy.cases.opening`` calls ``asks_for_help`` and
``reports_missing_order`` on every answer), so the interviewer says that someone will follow up
only when one will: the guide has a follow-up, which syncing allows only when its program has a
team with an SLA, and the customer has not said they want no contact. A customer who says "no
need to call me" is told the team will hear of it, never that it will call, and is not offered a
call at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from askwhy.domain.conversation import InterviewState
from askwhy.domain.guide import Guide
from askwhy.interview.asking import BUILT_IN, join, say_system
from askwhy.interview.intents import asks_for_help, refuses_contact
from askwhy.interview.missing_orders import reports_missing_order


@dataclass(frozen=True)
class HelpAnswer:
    """What the interviewer says at once about a need for a person, and the state after it."""

    state: InterviewState
    said: str = ""
    """Empty when the reply needs no person."""
    missing_order: bool = False
    """The reply reports an order or refund that never came, and ``said`` already apologised for it."""


def needs_person(text: str) -> bool:
    """True when the reply asks for help or a person, or reports an order or refund that never came."""
    return reports_missing_order(text) or (asks_for_help(text) and not refuses_contact(text))


def answer_help(guide: Guide, state: InterviewState, text: str) -> HelpAnswer:
    """What to say at once about a need for a person in ``text``, with the customer's wish about
    contact kept in the state: True when someone will follow up, False when they refused it."""
    refused = refuses_contact(text)
    asked = asks_for_help(text) and not refused
    missing = reports_missing_order(text)
    if refused:
        state = state.evolve(close_the_loop=False)
    if not (asked or missing):
        return HelpAnswer(state)
    apology = _say(guide, "missing_order", state) if missing else ""
    if refused or (state.close_the_loop is False and not asked):
        return HelpAnswer(state, join(apology, _say(guide, "help_noted", state)), missing)
    if guide.close_the_loop is None:
        return HelpAnswer(state, join(apology, _say(guide, "help_unavailable", state)), missing)
    state = state.evolve(close_the_loop=True)
    return HelpAnswer(state, join(apology, _say(guide, "help_acknowledged", state)), missing)


def help_texts(guide: Guide) -> list[str]:
    """Every wording, in every language, of what the interviewer says about a need for a person."""
    texts = [guide.messages.help_acknowledged, guide.messages.help_unavailable]
    keys = ("help_acknowledged", "help_unavailable", "help_noted", "missing_order")
    texts += [BUILT_IN[key] for key in keys]
    return [value for text in texts if text for value in text.values() if value]


def _say(guide: Guide, key: str, state: InterviewState) -> str:
    custom = {
        "help_acknowledged": guide.messages.help_acknowledged,
        "help_unavailable": guide.messages.help_unavailable,
    }.get(key)
    return say_system(guide, custom, key, state.language)
