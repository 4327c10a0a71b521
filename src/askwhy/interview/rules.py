"""The rules backend: the interview as a small state machine over the guide.

The conversation asks for the score (re-asking once when a reply has none, taking a corrected one
at any step), asks why, then lets ``choosing`` pick each follow-up from what the answer said
(``understanding``). A closing anywhere ends the conversation at once; a request for help, or an
order or refund that never came, is acknowledged in the same turn (``help_requests``);
detractors are offered a follow-up when the guide has one and the budget allows. Opt-out is heard
at any step.
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
from askwhy.domain.guide import Guide
from askwhy.domain.scales import band_for
from askwhy.interview import alert_probe, asking, choosing
from askwhy.interview.budget import has_room
from askwhy.interview.help_requests import answer_help, needs_person
from askwhy.interview.intents import asks_for_help, closes, read_correction
from askwhy.interview.language import conversation_language
from askwhy.interview.optout import is_opt_out
from askwhy.interview.prepared import PreparedGuide, prepare
from askwhy.interview.replies import is_done, read_yes_no
from askwhy.interview.scores import is_score_talk, read_score
from askwhy.interview.understanding import Understanding, understand
from askwhy.interview.vagueness import is_vague

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
    value = reading.value
    correction = None if inbound.choice_id else read_correction(text, prepared.scale)
    if correction is not None:
        value, reason = correction[0], _after(text, correction[1])
    state = _record(_follow_language(prepared.guide, state, text), "metric", text)
    state = state.evolve(score=value, score_raw=text[:200], score_attempts=state.score_attempts + 1)
    if value is None and (closes(text) or is_done(text)):
        helped = answer_help(prepared.guide, state, text)
        return choosing.finish(prepared.guide, helped.state, preface=helped.said, offer=False)
    if value is None and needs_person(text):
        return _help_before_score(prepared, state, text)
    if value is None and state.score_attempts == 1 and has_room(prepared.guide, state, keep=1):
        return asking.ask_score(prepared, state, again=True)
    if _gives_reason(prepared, reason):
        return _take_answer(prepared, state, "why", reason)
    if reason and (closes(reason) or is_done(reason)):
        return choosing.finish(prepared.guide, state, offer=False)
    if has_room(prepared.guide, state):
        return asking.ask_why(prepared.guide, state)
    return choosing.finish(prepared.guide, state)


def _on_answer(prepared: PreparedGuide, state: InterviewState, inbound: Inbound) -> Turn:
    text = _reply_text(inbound)
    key = state.last_question or ("why" if state.step is Step.WHY else "probe")
    state = _follow_language(prepared.guide, state, text)
    correction = read_correction(text, prepared.scale) if prepared.scale is not None else None
    if correction is None or correction[0] == state.score:
        return _take_answer(prepared, state, key, text)
    before = state.score
    state = state.evolve(score=correction[0], score_raw=text[:200])
    preface = asking.say_system(
        prepared.guide, prepared.guide.messages.score_updated, "score_updated", state.language
    )
    rest = _after(text, correction[1])
    if rest and not is_score_talk(rest):
        return _take_answer(prepared, state, key, text, reason=rest, preface=preface)
    return _ask_again(prepared, _record(state, key, text), key, preface, before=before)


def _ask_again(
    prepared: PreparedGuide, state: InterviewState, key: str, preface: str, *, before: int | None
) -> Turn:
    """After a reply that only corrects the score: the "why" again when the band changed, else go on."""
    guide = prepared.guide
    if not has_room(guide, state):
        return choosing.finish(guide, state, preface=preface)
    if key == "why" or band_for(guide.metric, state.score) is not band_for(guide.metric, before):
        return asking.ask_why(guide, state, preface=preface)
    return choosing.next_generic(guide, state, preface)


def _take_answer(
    prepared: PreparedGuide,
    state: InterviewState,
    key: str,
    text: str,
    *,
    reason: str = "",
    preface: str = "",
) -> Turn:
    guide = prepared.guide
    heard = understand(prepared, reason or text)
    state = _record(state, key, text)
    state = state.evolve(themes_raised=_merge_themes(state.themes_raised, heard))
    helped = answer_help(guide, state, text)
    state, preface = helped.state, asking.join(preface, helped.said)
    if key.startswith(alert_probe.PREFIX):  # the guide goes on where the alert's question came in
        return alert_probe.after_answer(guide, state, preface=preface)
    if heard.closes:
        return choosing.finish(guide, state, preface=preface, offer=False)
    if key == "probe:anything_else":
        return choosing.finish(guide, state, preface=preface)
    if heard.vague and key == "probe:vague":
        return choosing.finish(guide, state, preface=preface)
    return choosing.choose(guide, state, heard, key, preface, missing_order=helped.missing_order)


def _help_before_score(prepared: PreparedGuide, state: InterviewState, text: str) -> Turn:
    """A request for help instead of a score: acknowledged at once, then the score asked again."""
    helped = answer_help(prepared.guide, state, text)
    state, said = helped.state, helped.said
    if state.score_attempts == 1 and has_room(prepared.guide, state, keep=1):
        return asking.ask_score(prepared, state, again=True, preface=said)
    if has_room(prepared.guide, state):
        return asking.ask_why(prepared.guide, state, preface=said)
    return choosing.finish(prepared.guide, state, preface=said)


def _on_close_the_loop(prepared: PreparedGuide, state: InterviewState, inbound: Inbound) -> Turn:
    guide = prepared.guide
    text = _reply_text(inbound)
    state = _record(_follow_language(guide, state, text), "close_the_loop", text)
    accepted = read_yes_no(text, choice_id=inbound.choice_id) is True or asks_for_help(text)
    state = state.evolve(close_the_loop=accepted)
    loop = guide.close_the_loop
    preface = guide.say(loop.accepted if accepted else loop.declined, state.language) if loop else ""
    return asking.close(guide, state, preface=preface)


def _check_idle(guide: Guide, state: InterviewState, now: datetime) -> Turn:
    last = state.last_activity_at
    if last is None or _as_utc(now) - _as_utc(last) <= timedelta(minutes=guide.limits.abandon_after_minutes):
        return Turn(state)
    return Turn(state.evolve(status=ConversationStatus.ABANDONED, step=Step.DONE))


def _gives_reason(prepared: PreparedGuide, reason: str) -> bool:
    """The reply to the score question already says why ("8, the parcel was late")."""
    if not reason or is_score_talk(reason):
        return False
    if len(reason.split()) >= _MIN_REASON_WORDS and not is_vague(reason):
        return True
    return bool(prepared.themes.find(reason))


def _follow_language(guide: Guide, state: InterviewState, text: str) -> InterviewState:
    """Write in the language the customer writes in over the conversation, when the guide speaks it."""
    texts = [answer.text for answer in state.answers] + [text]
    language = conversation_language(texts, state.language, prepare(guide).languages)
    return state if language == state.language else state.evolve(language=language)


def _opening_language(guide: Guide, language: str | None) -> str:
    code = (language or "")[:2].lower()
    return code if code in guide.languages else guide.default_language


def _record(state: InterviewState, key: str, text: str) -> InterviewState:
    return state.evolve(answers=(*state.answers, Answer(question=key, text=text)))


def _merge_themes(raised: tuple[str, ...], heard: Understanding) -> tuple[str, ...]:
    new = [
        m.match.theme.id
        for m in sorted(heard.mentions, key=lambda m: m.match.start)
        if m.match.theme.id not in raised
    ]
    return (*raised, *dict.fromkeys(new))


def _after(text: str, end: int) -> str:
    return text[end:].strip(" ,.;:-!")


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
