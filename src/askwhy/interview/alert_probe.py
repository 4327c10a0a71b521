"""One targeted question an open alert adds to a conversation, asked only where the guide has room.

A program may let an open rising-theme alert ask later customers about it ("Some customers mention
late delivery; did that affect you?"). The caller looks the alert up and hands it in as an
`ExtraProbe`; this module decides whether this turn asks it. It replaces nothing the guide asks:

- it goes where the guide would ask its "anything else?" question, when the budget holds both
  (the anything-else question then follows the answer), or where the guide would end the
  interview or offer a follow-up, when one more question fits (keeping the offer's question);
- never when the customer has just said they have nothing more to say, nor after an opt-out, nor
  in a language it has no wording for (English and Spanish);
- at most once per conversation, whichever alert it came from.

The question's key is ``alert:<alert id>``; the state keeps it in ``probes_used`` so it is never
asked twice, and the caller reads the next reply as its answer (`answered_alert`); the rules then
go on with `after_answer`.
"""

from __future__ import annotations

from dataclasses import dataclass

from askwhy.domain.conversation import ConversationStatus, Inbound, InterviewState, Turn
from askwhy.domain.guide import Guide, Text
from askwhy.domain.scales import band_for
from askwhy.interview import asking, choosing
from askwhy.interview.budget import has_room, kept_back
from askwhy.interview.intents import closes
from askwhy.interview.replies import is_done

PREFIX = "alert:"
_ANYTHING_ELSE = "probe:anything_else"
_OFFER = "close_the_loop"
_THEN_ANYTHING_ELSE = PREFIX + "then:anything_else"
WORDING: dict[str, str] = {
    "en": "Some customers mention {label}; did that affect you?",
    "es": "Algunos clientes mencionan {label}; ¿te afectó a ti?",
}


@dataclass(frozen=True)
class ExtraProbe:
    """An open alert's question: the alert's id and what customers mention (the theme's label)."""

    alert_id: str
    label: str

    @property
    def key(self) -> str:
        return PREFIX + self.alert_id

    def text(self) -> Text:
        return {language: wording.format(label=self.label) for language, wording in WORDING.items()}


def answered_alert(state: InterviewState) -> str | None:
    """The alert whose question ``state`` last asked (its next reply answers it), if any."""
    last = state.last_question or ""
    return last.removeprefix(PREFIX) if last.startswith(PREFIX) else None


def asked(state: InterviewState) -> bool:
    """True once any alert's question was asked in this conversation."""
    return any(used.startswith(PREFIX) for used in state.probes_used)


def with_extra_probe(
    guide: Guide, before: InterviewState, inbound: Inbound | None, turn: Turn, probe: ExtraProbe | None
) -> Turn:
    """``turn`` as the rules decided it, or the alert's question in its place when this turn may ask it."""
    if probe is None or inbound is None or asked(before) or not turn.messages:
        return turn
    text = inbound.text or ""
    if closes(text) or is_done(text) or turn.state.status is ConversationStatus.OPTED_OUT:
        return turn
    if turn.state.language not in WORDING:
        return turn
    found = _in_place_of(guide, turn)
    if found is None:
        return turn
    state, said, keep = found
    if not has_room(guide, state, keep=kept_back(guide, state) + keep):
        return turn
    body = turn.messages[-1].text
    preface = body[: -len(said)].strip() if said and body.endswith(said) else ""
    asking_turn = asking.question(guide, state, probe.key, probe.text(), preface=preface)
    marks = (probe.key, _THEN_ANYTHING_ELSE) if keep else (probe.key,)
    marked = asking_turn.state.evolve(probes_used=(*asking_turn.state.probes_used, *marks))
    return Turn(marked, (*turn.messages[:-1], *asking_turn.messages))


def after_answer(guide: Guide, state: InterviewState, *, preface: str = "") -> Turn:
    """After the alert's question is answered, the guide goes on as it would have: its
    "anything else?" question when the alert came in its place, else its ending (with the
    follow-up offer for a detractor). A "no" here answers the alert; it does not end the interview."""
    anything_else = guide.probes.anything_else
    deferred = _THEN_ANYTHING_ELSE in state.probes_used and anything_else is not None
    if deferred and anything_else is not None and has_room(guide, state, keep=kept_back(guide, state)):
        return asking.question(guide, state, _ANYTHING_ELSE, anything_else, preface=preface)
    return choosing.finish(guide, state, preface=preface)


def _in_place_of(guide: Guide, turn: Turn) -> tuple[InterviewState, str, int] | None:
    """The state before the turn's last question or closing, that message's own words, and how many
    questions must still fit after the alert's; None when the turn is not one the alert may precede."""
    state, last = turn.state, turn.messages[-1]
    language = state.language
    if last.question == _ANYTHING_ELSE and guide.probes.anything_else is not None:
        before = state.evolve(
            questions_asked=state.questions_asked - 1,
            probes_used=tuple(p for p in state.probes_used if p != "anything_else"),
        )
        return before, guide.say(guide.probes.anything_else, language), 1
    if last.question == _OFFER and guide.close_the_loop is not None:
        before = state.evolve(questions_asked=state.questions_asked - 1, last_question=None)
        return before, guide.say(guide.close_the_loop.offer, language), 0
    if state.status is ConversationStatus.COMPLETED and last.question is None:
        closing = guide.say(guide.closings.for_band(band_for(guide.metric, state.score)), language)
        return state.evolve(status=ConversationStatus.ACTIVE), closing, 0
    return None
