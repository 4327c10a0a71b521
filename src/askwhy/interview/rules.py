"""The rules backend: the interview as a small state machine over the guide.

The conversation asks for the score (re-asking once when a reply has none), asks why, asks once
for a concrete example when the answer is vague, follows the most important theme the customer
raised, then uses the guide's impact, fix and anything-else probes while the question budget
lasts. Detractors are offered a follow-up when the guide has one. Opt-out is heard at any step.
Every function here is pure: the same guide, state, reply and time give the same turn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from askwhy.domain.conversation import (
    Answer,
    ConversationStatus,
    Inbound,
    InterviewState,
    Step,
    Turn,
)
from askwhy.domain.guide import Guide, Text
from askwhy.domain.scales import band_for
from askwhy.interview import asking
from askwhy.interview.budget import has_room, kept_back, may_offer_close_the_loop
from askwhy.interview.language import detect_language
from askwhy.interview.optout import is_opt_out
from askwhy.interview.prepared import PreparedGuide, prepare
from askwhy.interview.replies import is_done, read_yes_no
from askwhy.interview.scores import is_score_talk, read_score
from askwhy.interview.themes import ThemeMatch, most_important
from askwhy.interview.vagueness import is_vague

_GENERIC_PROBES = ("impact", "fix", "anything_else")
_MIN_REASON_WORDS = 3


def open_conversation(guide: Guide, *, language: str | None, now: datetime) -> Turn:
    """Start the conversation: ask for the score, or ask why when the guide has no metric."""
    prepared = prepare(guide)
    state = InterviewState(
        status=ConversationStatus.ACTIVE, language=_opening_language(guide, language), last_activity_at=now
    )
    if prepared.scale is None:
        return asking.ask_why(guide, state)
    return asking.ask_score(prepared, state)


def next_turn(guide: Guide, state: InterviewState, inbound: Inbound | None, now: datetime) -> Turn:
    """Take the turn after a customer reply, or after a timer check when ``inbound`` is None."""
    if not state.status.is_open or state.step is Step.DONE:
        return Turn(state)
    if inbound is None:
        return _check_idle(guide, state, now)
    prepared = prepare(guide)
    text = inbound.text or ""
    state = state.evolve(status=ConversationStatus.ACTIVE, last_activity_at=now)
    if is_opt_out(text):
        return asking.confirm_opt_out(guide, _follow_language(guide, state, text))
    if inbound.media_type:
        return asking.ask_to_type(prepared, state)
    return _HANDLERS[state.step](prepared, state, inbound)


def _on_score(prepared: PreparedGuide, state: InterviewState, inbound: Inbound) -> Turn:
    if prepared.scale is None:
        return _on_answer(prepared, state.evolve(step=Step.WHY, last_question="why"), inbound)
    text = _reply_text(inbound)
    reading = read_score(text, prepared.scale, choice_id=inbound.choice_id)
    reason = "" if inbound.choice_id else reading.remainder(text)
    state = _follow_language(prepared.guide, state, reason)
    state = _record(state, "metric", text).evolve(
        score=reading.value, score_raw=text[:200], score_attempts=state.score_attempts + 1
    )
    if reading.value is None and state.score_attempts == 1 and has_room(prepared.guide, state, keep=1):
        return asking.ask_score(prepared, state, again=True)
    if _gives_reason(prepared, reason):
        return _take_answer(prepared, state, "why", reason)
    if has_room(prepared.guide, state):
        return asking.ask_why(prepared.guide, state)
    return _finish(prepared.guide, state)


def _on_answer(prepared: PreparedGuide, state: InterviewState, inbound: Inbound) -> Turn:
    text = _reply_text(inbound)
    key = state.last_question or ("why" if state.step is Step.WHY else "probe")
    return _take_answer(prepared, _follow_language(prepared.guide, state, text), key, text)


def _take_answer(prepared: PreparedGuide, state: InterviewState, key: str, text: str) -> Turn:
    guide = prepared.guide
    matches = prepared.themes.find(text)
    state = _record(state, key, text)
    state = state.evolve(themes_raised=_merge_themes(state.themes_raised, matches))
    if is_done(text) or key == "probe:anything_else":
        return _finish(guide, state)
    if not matches and is_vague(text):
        if key == "probe:vague":
            return _finish(guide, state)
        if _wants_example(guide, state, key):
            return asking.question(guide, state, "probe:vague", guide.probes.vague)
    return _next_probe(guide, state, text, matches)


def _next_probe(guide: Guide, state: InterviewState, text: str, matches: list[ThemeMatch]) -> Turn:
    if not has_room(guide, state, keep=kept_back(guide, state)):
        return _finish(guide, state)
    if not any(used.startswith("theme:") for used in state.probes_used):
        focus = most_important(matches, band_for(guide.metric, state.score))
        if focus is not None:
            return asking.probe_theme(guide, state, focus, text)
    for name, probe in _generic_probes(guide):
        if name not in state.probes_used:
            return asking.question(guide, state, f"probe:{name}", probe)
    return _finish(guide, state)


def _on_close_the_loop(prepared: PreparedGuide, state: InterviewState, inbound: Inbound) -> Turn:
    guide = prepared.guide
    text = _reply_text(inbound)
    state = _record(_follow_language(guide, state, text), "close_the_loop", text)
    accepted = read_yes_no(text, choice_id=inbound.choice_id) is True
    state = state.evolve(close_the_loop=accepted)
    loop = guide.close_the_loop
    preface = guide.say(loop.accepted if accepted else loop.declined, state.language) if loop else ""
    return asking.close(guide, state, preface=preface)


def _finish(guide: Guide, state: InterviewState) -> Turn:
    if may_offer_close_the_loop(guide, state) and has_room(guide, state):
        return asking.offer_close_the_loop(guide, state)
    return asking.close(guide, state)


def _check_idle(guide: Guide, state: InterviewState, now: datetime) -> Turn:
    last = state.last_activity_at
    if last is None or _as_utc(now) - _as_utc(last) <= timedelta(minutes=guide.limits.abandon_after_minutes):
        return Turn(state)
    return Turn(state.evolve(status=ConversationStatus.ABANDONED, step=Step.DONE))


def _wants_example(guide: Guide, state: InterviewState, key: str) -> bool:
    """A vague answer to the why or a theme question gets one request for an example."""
    answers_open_question = key == "why" or key.startswith("probe:theme:")
    return (
        answers_open_question
        and "vague" not in state.probes_used
        and has_room(guide, state, keep=kept_back(guide, state))
    )


def _gives_reason(prepared: PreparedGuide, reason: str) -> bool:
    """The reply to the score question already says why ("8, the parcel was late")."""
    if not reason or is_score_talk(reason):
        return False
    if prepared.themes.find(reason):
        return True
    return len(reason.split()) >= _MIN_REASON_WORDS and not is_vague(reason)


def _generic_probes(guide: Guide) -> list[tuple[str, Text]]:
    probes = guide.probes
    candidates = (("impact", probes.impact), ("fix", probes.fix), ("anything_else", probes.anything_else))
    return [(name, text) for name, text in candidates if text is not None]


def _follow_language(guide: Guide, state: InterviewState, text: str) -> InterviewState:
    """Switch to the language the customer writes in, when the guide speaks it."""
    detected = detect_language(text) if text else None
    if detected is None or detected == state.language or detected not in guide.languages:
        return state
    return state.evolve(language=detected)


def _opening_language(guide: Guide, language: str | None) -> str:
    code = (language or "")[:2].lower()
    return code if code in guide.languages else guide.default_language


def _record(state: InterviewState, key: str, text: str) -> InterviewState:
    return state.evolve(answers=(*state.answers, Answer(question=key, text=text)))


def _merge_themes(raised: tuple[str, ...], matches: list[ThemeMatch]) -> tuple[str, ...]:
    new = [match.theme.id for match in matches if match.theme.id not in raised]
    return (*raised, *dict.fromkeys(new))


def _reply_text(inbound: Inbound) -> str:
    text = inbound.text or ""
    return text if text.strip() or not inbound.choice_id else inbound.choice_id


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


_Handler = Callable[[PreparedGuide, InterviewState, Inbound], Turn]
_HANDLERS: dict[Step, _Handler] = {
    Step.SCORE: _on_score,
    Step.WHY: _on_answer,
    Step.PROBE: _on_answer,
    Step.CLOSE_THE_LOOP: _on_close_the_loop,
}
