"""Rehearsing a guide with scripted customers: the transcript of each, and the checks it passed.

``rehearse`` talks to a ``Conversation`` (the interviewer in-process, or the web chat over HTTP
in tests) and checks what came back against the customer's expectations and against rules every
conversation keeps: the question budget, one question per turn, nothing asked after the end, no
theme asked about twice, "that" only after something was said, and quotes that end on a word and
hold no digits or contact details. Pure: the conversation port does whatever I/O there is.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from askwhy.domain.conversation import Inbound, InterviewState, Turn
from askwhy.domain.guide import Guide
from askwhy.interview import next_turn, open_conversation
from askwhy.interview.acknowledgements import BUILT_IN as ACKNOWLEDGEMENTS
from askwhy.interview.asking import BUILT_IN as SYSTEM_TEXTS
from askwhy.interview.clauses import FUNCTION_WORDS, content_words
from askwhy.interview.scripted_customers import ScriptedCustomer, ScriptedTurn
from askwhy.interview.text import fold, words

_QUOTE = re.compile(r"\u201c([^\u201d]*)\u201d")
_CONTACT = re.compile(r"\d|@|https?:|www\.")
_PLACEHOLDER = re.compile(r"\{(?:words|topic)\}")
_MIN_FRAGMENT = 8


@dataclass(frozen=True)
class Said:
    """One message from the interviewer."""

    text: str
    question: str | None = None


@dataclass(frozen=True)
class Exchange:
    """What the customer said (None for the opening) and what came back."""

    said: str | None
    replies: tuple[Said, ...]
    status: str
    score: int | None = None

    @property
    def text(self) -> str:
        return " ".join(reply.text for reply in self.replies)

    @property
    def questions(self) -> list[str]:
        return [reply.question for reply in self.replies if reply.question]


class Conversation(Protocol):
    """A conversation with the interviewer, wherever it runs."""

    def start(self, language: str) -> Exchange: ...

    def say(self, text: str) -> Exchange: ...


class InProcess:
    """The interviewer called directly, a minute between replies."""

    def __init__(self, guide: Guide, now: datetime) -> None:
        self.guide, self.now = guide, now
        self.state = InterviewState()

    def start(self, language: str) -> Exchange:
        return self._exchange(None, open_conversation(self.guide, language=language, now=self.now))

    def say(self, text: str) -> Exchange:
        self.now += timedelta(minutes=1)
        return self._exchange(text, next_turn(self.guide, self.state, Inbound(text=text), self.now))

    def _exchange(self, said: str | None, turn: Turn) -> Exchange:
        self.state = turn.state
        replies = tuple(Said(m.text, m.question) for m in turn.messages)
        return Exchange(said, replies, turn.state.status.value, turn.state.score)


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Rehearsal:
    customer: ScriptedCustomer
    transcript: tuple[Exchange, ...]
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


def rehearse(guide: Guide, customer: ScriptedCustomer, conversation: Conversation) -> Rehearsal:
    """Hold the customer's conversation and check it."""
    transcript = [conversation.start(customer.language)]
    checks: list[Check] = []
    for number, turn in enumerate(customer.turns, start=1):
        if transcript[-1].status != "active":
            checks.append(
                Check(f"turn {number} is heard", False, f"the conversation is {transcript[-1].status}")
            )
            break
        exchange = conversation.say(turn.say)
        transcript.append(exchange)
        checks += _turn_checks(guide, number, turn, exchange)
    checks += _customer_checks(guide, customer, transcript)
    checks += _general_checks(guide, transcript)
    return Rehearsal(customer, tuple(transcript), tuple(checks))


def without_scores(transcript: tuple[Exchange, ...]) -> tuple[Exchange, ...]:
    """The transcript without the scores, to compare runs where one side cannot see them."""
    return tuple(replace(exchange, score=None) for exchange in transcript)


def _turn_checks(guide: Guide, number: int, turn: ScriptedTurn, exchange: Exchange) -> list[Check]:
    asked = exchange.questions or ["nothing"]
    shown = ", ".join(asked)
    checks = []
    if turn.asks is not None:
        checks.append(Check(f"turn {number} asks {turn.asks}", _matches(asked, turn.asks), f"asked {shown}"))
    for pattern in turn.not_asks:
        checks.append(
            Check(f"turn {number} does not ask {pattern}", not _matches(asked, pattern), f"asked {shown}")
        )
    if turn.ends:
        ended = exchange.status != "active" and not exchange.questions
        checks.append(
            Check(f"turn {number} ends the conversation", ended, f"status {exchange.status}, asked {shown}")
        )
    if turn.help:
        first = exchange.replies[0].text if exchange.replies else ""
        heard = any(_drop_apology(first).startswith(text) for text in _help_texts(guide))
        checks.append(Check(f"turn {number} acknowledges the request for help", heard, first))
    for word in turn.mentions:
        found = fold(word) in fold(exchange.text)
        checks.append(Check(f"turn {number} mentions “{word}”", found, exchange.text))
    for word in turn.not_mentions:
        absent = fold(word) not in fold(exchange.text)
        checks.append(Check(f"turn {number} does not mention “{word}”", absent, exchange.text))
    if turn.language is not None:
        checks.append(_language_check(guide, f"turn {number} in {turn.language}", exchange, turn.language))
    return checks


def _customer_checks(guide: Guide, customer: ScriptedCustomer, transcript: list[Exchange]) -> list[Check]:
    last = transcript[-1]
    checks = []
    if customer.status is not None:
        checks.append(
            Check(f"ends {customer.status}", last.status == customer.status, f"status {last.status}")
        )
    if customer.score is not None:
        checks.append(
            Check(f"keeps the score {customer.score}", last.score == customer.score, f"score {last.score}")
        )
    if customer.speaks is not None:
        for number, exchange in enumerate(transcript[1:], start=1):
            checks.append(
                _language_check(guide, f"turn {number} speaks {customer.speaks}", exchange, customer.speaks)
            )
    return checks


def _general_checks(guide: Guide, transcript: list[Exchange]) -> list[Check]:
    questions = [q for exchange in transcript for q in exchange.questions]
    themes = [q for q in questions if q.startswith("probe:theme:")]
    quotes = [q for exchange in transcript for q in _QUOTE.findall(exchange.text)]
    bad_ends = [q for q in quotes if q.split() and fold(q.split()[-1]) in FUNCTION_WORDS]
    unsafe = [q for q in quotes if _CONTACT.search(q)]
    after_end = any(e.replies for e in transcript[_end_index(transcript) + 1 :])
    groundless = [
        exchange.said or ""
        for exchange in transcript
        if {"probe:impact", "probe:fix"} & set(exchange.questions)
        and "\u201c" not in exchange.text
        and len(content_words(words(fold(exchange.said or "")))) < 2
    ]
    return [
        Check(
            "keeps the question budget",
            len(questions) <= guide.limits.max_questions,
            f"{len(questions)} asked",
        ),
        Check("one question per turn", all(len(e.questions) <= 1 for e in transcript)),
        Check("nothing after the end", not after_end),
        Check("no theme asked twice", len(themes) == len(set(themes)), ", ".join(themes)),
        Check("quotes end on a word", not bad_ends, "; ".join(bad_ends)),
        Check("quotes hold no digits or contacts", not unsafe, "; ".join(unsafe)),
        Check("impact and fix follow something said", not groundless, "; ".join(groundless)),
    ]


def _end_index(transcript: list[Exchange]) -> int:
    return next((i for i, e in enumerate(transcript) if e.status != "active"), len(transcript))


def _matches(asked: list[str], pattern: str) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for key in asked)


def _language_check(guide: Guide, name: str, exchange: Exchange, language: str) -> Check:
    fragments = _fragments(guide)
    found = {code for code, pieces in fragments.items() if any(piece in exchange.text for piece in pieces)}
    return Check(
        name, found == {language}, f"looks like {', '.join(sorted(found)) or 'neither'}: {exchange.text}"
    )


def _help_texts(guide: Guide) -> list[str]:
    texts = [guide.messages.help_acknowledged, guide.messages.help_unavailable]
    texts += [SYSTEM_TEXTS["help_acknowledged"], SYSTEM_TEXTS["help_unavailable"], SYSTEM_TEXTS["help_noted"]]
    return [value for text in texts if text for value in text.values()]


def _drop_apology(text: str) -> str:
    """The reply without the apology for a missing order that comes before the acknowledgement."""
    for apology in SYSTEM_TEXTS["missing_order"].values():
        if text.startswith(apology):
            return text.removeprefix(apology).lstrip()
    return text


def _fragments(guide: Guide) -> dict[str, list[str]]:
    """Pieces of text that only one language of the guide has, to tell the language of a message."""
    texts = (
        [text for _, text in guide.texts()] + list(ACKNOWLEDGEMENTS.values()) + list(SYSTEM_TEXTS.values())
    )
    by_language: dict[str, list[str]] = {}
    for text in texts:
        for code, value in text.items():
            for piece in _PLACEHOLDER.split(value.replace("{brand}", guide.brand)):
                if len(piece.strip()) >= _MIN_FRAGMENT:
                    by_language.setdefault(code, []).append(piece.strip())
    return {
        code: [
            p
            for p in pieces
            if not any(p in q for other, qs in by_language.items() if other != code for q in qs)
        ]
        for code, pieces in by_language.items()
    }
