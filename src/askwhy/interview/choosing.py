"""Choosing the next question from what the customer just said.

- A closing ends the conversation at once (the caller checks it before choosing).
- Detractors and passives are asked about the most negative topic they raised, promoters about
  the most positive; praise from a detractor is acknowledged only when nothing else is there.
- A topic the customer already described specifically ("the site asked for my card three
  times") is acknowledged and not asked about again: the interview moves to its impact or fix.
- The impact and fix questions speak of "that" and "it", so they come only when something
  specific was said; otherwise a vague answer gets one request for an example, then the
  conversation ends.
- A fix already proposed is not asked for. The question budget is kept.
- An order or refund reported missing was already apologised for with the request for help
  (``help_requests``), so the clause that reports it is not apologised for a second time.

Beside the probes asked, ``probes_used`` records ``covered:<theme>`` for a topic described
specifically and ``said:fix`` once a fix was proposed, so the state keeps what was heard.
"""

from __future__ import annotations

from askwhy.domain.conversation import InterviewState, Turn
from askwhy.domain.guide import Guide, Text
from askwhy.domain.scales import Band, band_for
from askwhy.interview import asking
from askwhy.interview.acknowledgements import acknowledge
from askwhy.interview.budget import has_room, kept_back, may_offer_close_the_loop
from askwhy.interview.missing_orders import reports_missing_order
from askwhy.interview.understanding import Mention, Understanding

_SAID_FIX = "said:fix"


def choose(
    guide: Guide,
    state: InterviewState,
    heard: Understanding,
    key: str,
    preface: str,
    *,
    missing_order: bool = False,
) -> Turn:
    """The next question after ``heard`` (the answer to question ``key``), or the end;
    ``missing_order`` says the preface already apologised for an order or refund that never came."""
    if heard.suggests_fix and _SAID_FIX not in state.probes_used:
        state = state.evolve(probes_used=(*state.probes_used, _SAID_FIX))
    if not has_room(guide, state, keep=kept_back(guide, state)):
        return finish(guide, state, preface=preface)
    focus = _focus(heard.mentions, band_for(guide.metric, state.score), state.probes_used)
    if focus is not None:
        quiet = missing_order and reports_missing_order(focus.clause.text)
        return _follow(guide, state, focus, preface, acknowledged=quiet)
    has_referent = heard.specific or (bool(state.themes_raised) and not heard.vague)
    if not has_referent:
        if _may_ask_example(state, key):
            return asking.question(guide, state, "probe:vague", guide.probes.vague, preface=preface)
        return finish(guide, state, preface=preface)
    return _generic(guide, state, preface)


def finish(guide: Guide, state: InterviewState, *, preface: str = "", offer: bool = True) -> Turn:
    """Offer a detractor a follow-up when the guide has one and there is room, else close."""
    if offer and may_offer_close_the_loop(guide, state) and has_room(guide, state):
        return asking.offer_close_the_loop(guide, state, preface=preface)
    return asking.close(guide, state, preface=preface)


def _follow(guide: Guide, state: InterviewState, focus: Mention, preface: str, *, acknowledged: bool) -> Turn:
    theme = focus.match.theme
    said = "" if acknowledged else acknowledge(guide, focus, state.language)
    acknowledgement = asking.join(preface, said)
    if focus.specific:
        state = state.evolve(probes_used=(*state.probes_used, f"covered:{theme.id}"))
        return _generic(guide, state, acknowledgement)
    return asking.question(guide, state, f"probe:theme:{theme.id}", theme.probe, preface=acknowledgement)


def next_generic(guide: Guide, state: InterviewState, preface: str) -> Turn:
    """The next of the impact, fix and anything-else questions still to ask, or the end."""
    return _generic(guide, state, preface)


def _generic(guide: Guide, state: InterviewState, preface: str) -> Turn:
    for name, text in _generic_probes(guide, state):
        return asking.question(guide, state, f"probe:{name}", text, preface=preface)
    return finish(guide, state, preface=preface)


def _generic_probes(guide: Guide, state: InterviewState) -> list[tuple[str, Text]]:
    probes = guide.probes
    candidates = (("impact", probes.impact), ("fix", probes.fix), ("anything_else", probes.anything_else))
    return [
        (name, text)
        for name, text in candidates
        if text is not None
        and name not in state.probes_used
        and not (name == "fix" and _SAID_FIX in state.probes_used)
    ]


def _focus(mentions: list[Mention], band: Band, used: tuple[str, ...]) -> Mention | None:
    """The topic to follow: the most negative (most positive for promoters) not yet followed."""
    fresh = [
        m for m in mentions if not {f"theme:{m.match.theme.id}", f"covered:{m.match.theme.id}"} & set(used)
    ]
    if not fresh:
        return None
    sign = -1 if band is Band.PROMOTER else 1
    leaning = {"negative": -1, "any": 0, "positive": 1}
    return min(
        fresh,
        key=lambda m: (sign * m.polarity, sign * leaning[m.match.theme.polarity], m.match.start),
    )


def _may_ask_example(state: InterviewState, key: str) -> bool:
    """A vague answer to the why or a theme question gets one request for an example."""
    answers_open_question = key == "why" or key.startswith("probe:theme:")
    return answers_open_question and "vague" not in state.probes_used
