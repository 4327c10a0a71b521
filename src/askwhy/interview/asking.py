"""Putting the interviewer's decisions into words: each function returns the Turn that says it.

A question message carries the guide key of what it asks (``metric``, ``why``, ``probe:vague``,
``probe:theme:delivery``, ``probe:impact``, ``probe:fix``, ``probe:anything_else``,
``close_the_loop``), and the state records it as the last question and in the question count.
"""

from __future__ import annotations

from askwhy.domain.conversation import (
    Choice,
    ConversationStatus,
    InterviewState,
    Outbound,
    Step,
    Turn,
)
from askwhy.domain.guide import Guide, Text
from askwhy.domain.scales import band_for
from askwhy.interview.prepared import PreparedGuide

_YES_NO = {"en": ("Yes", "No"), "es": ("Sí", "No")}
BUILT_IN: dict[str, Text] = {
    "help_acknowledged": {
        "en": "I'll ask the team to contact you.",
        "es": "Pediré al equipo que se ponga en contacto contigo.",
    },
    "help_unavailable": {
        "en": "I can't put you through to someone from here, but the team reads every answer.",
        "es": "Desde aquí no puedo ponerte en contacto con nadie, pero el equipo lee todas las respuestas.",
    },
    "help_noted": {
        "en": "I'll let the team know.",
        "es": "Se lo haré saber al equipo.",
    },
    "missing_order": {
        "en": "I'm sorry it hasn't reached you.",
        "es": "Siento que no te haya llegado.",
    },
    "score_updated": {
        "en": "Thanks, I've updated your score.",
        "es": "Gracias, he actualizado tu puntuación.",
    },
}
_STEPS = {"metric": Step.SCORE, "why": Step.WHY, "close_the_loop": Step.CLOSE_THE_LOOP}


def question(
    guide: Guide,
    state: InterviewState,
    key: str,
    text: Text,
    *,
    choices: tuple[Choice, ...] = (),
    preface: str = "",
) -> Turn:
    """Ask one question, optionally after a short acknowledgement, and count it."""
    probes_used = state.probes_used
    if key.startswith("probe:"):
        probes_used = (*probes_used, key.removeprefix("probe:"))
    state = state.evolve(
        step=_STEPS.get(key, Step.PROBE),
        questions_asked=state.questions_asked + 1,
        last_question=key,
        probes_used=probes_used,
    )
    body = join(preface, guide.say(text, state.language))
    return Turn(state, (Outbound(body, question=key, choices=choices),))


def ask_score(
    prepared: PreparedGuide, state: InterviewState, *, again: bool = False, preface: str = ""
) -> Turn:
    """Ask for the score (or ask again, politely, after a reply that had none)."""
    guide = prepared.guide
    metric = guide.questions.metric
    text = guide.messages.reask_score if again or metric is None else metric
    return question(guide, state, "metric", text, choices=prepared.score_choices, preface=preface)


def ask_why(guide: Guide, state: InterviewState, *, preface: str = "") -> Turn:
    """Ask the opening "why" question for the customer's score band."""
    band = band_for(guide.metric, state.score)
    return question(guide, state, "why", guide.questions.why.for_band(band), preface=preface)


def offer_close_the_loop(guide: Guide, state: InterviewState, *, preface: str = "") -> Turn:
    """Ask a detractor whether the team may get in touch about what went wrong."""
    loop = guide.close_the_loop
    if loop is None:
        return close(guide, state, preface=preface)
    yes, no = _YES_NO.get(state.language, _YES_NO["en"])
    choices = (Choice("yes", yes), Choice("no", no))
    return question(guide, state, "close_the_loop", loop.offer, choices=choices, preface=preface)


def say_system(guide: Guide, text: Text | None, key: str, language: str) -> str:
    """A system message from the guide, or the built-in wording when the guide has none."""
    chosen = text or BUILT_IN[key]
    return chosen.get(language) or chosen.get(guide.default_language) or chosen["en"]


def close(guide: Guide, state: InterviewState, *, preface: str = "") -> Turn:
    """Thank the customer with the closing for their band and complete the conversation."""
    band = band_for(guide.metric, state.score)
    text = join(preface, guide.say(guide.closings.for_band(band), state.language))
    state = state.evolve(status=ConversationStatus.COMPLETED, step=Step.DONE, last_question=None)
    return Turn(state, (Outbound(text),))


def confirm_opt_out(guide: Guide, state: InterviewState) -> Turn:
    """Confirm, once and briefly, that we will not write again."""
    state = state.evolve(status=ConversationStatus.OPTED_OUT, step=Step.DONE, last_question=None)
    return Turn(state, (Outbound(guide.say(guide.messages.opted_out, state.language)),))


def ask_to_type(prepared: PreparedGuide, state: InterviewState) -> Turn:
    """Say that voice notes and images cannot be read here, and ask the customer to type."""
    choices = prepared.score_choices if state.step is Step.SCORE else ()
    text = prepared.guide.say(prepared.guide.messages.media_unsupported, state.language)
    return Turn(state, (Outbound(text, choices=choices),))


def join(preface: str, text: str) -> str:
    """Two parts of one message, either of which may be empty."""
    return f"{preface} {text}".strip() if preface else text
