"""The optional LLM backend: the rules decide every turn; an LLM may only word a follow-up better.

When a client is given, a probe question chosen by the rules is rewritten to acknowledge the
customer's last answer more naturally. The LLM never decides what to ask or when to stop, and its
text is used only when it passes the checks below (one question, short, in the conversation's
language, about what the rules' question asks, no numbers or addresses echoed, no request for data
we must not hold). A message that answers a request for help or a missing order is never
reworded, so what it promises stays what the rules decided. Any error, timeout or rejected text
keeps the rules' wording in the same turn: the customer never waits for, or sees, a failure. The
client is injected; this module does no I/O itself, and callers ask it with no database lock held
(`askwhy.conversations.wording`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Protocol

from askwhy.domain.conversation import InterviewState, Outbound, Turn
from askwhy.domain.guide import Guide
from askwhy.interview.help_requests import help_texts
from askwhy.interview.language import english_or_spanish

DEFAULT_TIMEOUT_SECONDS = 2.0
_MAX_CHARS = 280
_LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
_PERSONAL = re.compile(r"\S+@\S+|https?://\S+|\+?\d[\d\s().-]{2,}\d|\d")
_FORBIDDEN = re.compile(
    r"card|password|passcode|\bpin\b|cvv|iban|account number|social security"
    r"|tarjeta|contraseña|clave|cuenta bancaria",
    re.IGNORECASE,
)
_CHANGEABLE = "probe:"
_QUESTION = re.compile(r"[^.!?¡¿]*\?")
_WORD = re.compile(r"[^\W\d_]{4,}")
_STEM = 5
_FILLER = frozenset(
    (
        "what", "that", "this", "with", "your", "about", "have", "there", "their", "could", "would",
        "should", "tell", "more", "were", "which", "when", "where", "does", "from", "they", "them",
        "then", "than", "just", "like", "know", "some", "much", "please", "really", "puedes",
        "podrías", "contarme", "cuál", "cuánto", "para", "sobre", "algo", "como", "cómo", "este",
        "esta", "esto", "donde", "cuando", "porque", "nuestro", "nuestra",
    )
)  # fmt: skip


class LLMClient(Protocol):
    """A text-completion port; adapters (an OpenAI-compatible endpoint) live at the edge."""

    def complete(self, prompt: str, *, timeout: float) -> str:
        """Return the completion for ``prompt``, or raise; give up after ``timeout`` seconds."""
        ...


@dataclass
class ScriptedLLM:
    """A fake client that answers from a script: a string is a completion, an exception is raised."""

    script: list[str | Exception] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)

    def complete(self, prompt: str, *, timeout: float) -> str:
        self.prompts.append(prompt)
        if not self.script:
            raise TimeoutError(f"no scripted answer within {timeout} s")
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def reword_follow_up(
    guide: Guide, turn: Turn, client: LLMClient, *, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> Turn:
    """The rules' turn, with its probe question worded by the LLM when that wording is acceptable."""
    worded = ask_wording(guide, turn, client, timeout=timeout)
    return turn if worded is None else with_wording(turn, worded)


def wordable(turn: Turn) -> Outbound | None:
    """The message of ``turn`` an LLM may word (a probe, with its acknowledgement), if there is one."""
    if not turn.messages or not (turn.messages[-1].question or "").startswith(_CHANGEABLE):
        return None
    return turn.messages[-1]


def ask_wording(
    guide: Guide, turn: Turn, client: LLMClient, *, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> str | None:
    """The LLM's wording of the turn's probe when it passes `acceptable`; None on any failure."""
    planned = wordable(turn)
    if planned is None or _answers_need_for_person(guide, planned):
        return None
    try:
        worded = client.complete(_prompt(guide, turn.state, planned), timeout=timeout).strip()
    except Exception:  # any failure of the optional backend falls back to the rules' words
        return None
    return worded if acceptable(worded, turn.state.language, planned=planned.text) else None


def _answers_need_for_person(guide: Guide, planned: Outbound) -> bool:
    """The message tells a customer who needs a person whether someone will follow up: that
    promise, or its honest absence, keeps the rules' words, which match the case that opens."""
    return any(text in planned.text for text in help_texts(guide))


def with_wording(turn: Turn, text: str) -> Turn:
    """``turn`` with its wordable message's text replaced by ``text`` (checked by `ask_wording`)."""
    planned = wordable(turn)
    if planned is None:
        return turn
    return replace(turn, messages=(*turn.messages[:-1], replace(planned, text=text)))


def acceptable(text: str, language: str, *, planned: str | None = None) -> bool:
    """True when an LLM's wording may be sent: short, one question, safe, in the right language,
    and (given the ``planned`` message) asking about what the rules' question asks about."""
    detected = english_or_spanish(text)
    return (
        0 < len(text) <= _MAX_CHARS
        and text.count("?") == 1
        and not _PERSONAL.search(text)
        and not _FORBIDDEN.search(text)
        and detected in (None, language)
        and (planned is None or _same_topic(text, planned))
    )


def _same_topic(text: str, planned: str) -> bool:
    """The worded question shares a content word (by its first letters) with the planned one.

    A cheap guard against a model that asks something else: a rewording that keeps no word of
    the question is refused, and the rules' wording goes out instead."""
    return bool(_topic_stems(text) & _topic_stems(planned))


def _topic_stems(text: str) -> set[str]:
    questions = _QUESTION.findall(text)
    words = _WORD.findall(questions[-1].casefold()) if questions else []
    return {word[:_STEM] for word in words if word not in _FILLER}


def _prompt(guide: Guide, state: InterviewState, planned: Outbound) -> str:
    language = _LANGUAGE_NAMES.get(state.language, state.language)
    last_answer = _redact(state.answers[-1].text if state.answers else "")
    score = "no score" if state.score is None else f"a score of {state.score} ({guide.metric.value.upper()})"
    return "\n".join(
        [
            f"You are {guide.brand}'s friendly feedback interviewer, chatting with a customer in {language}.",
            f"The customer gave {score}. Their last answer was:",
            f'"""{last_answer}"""',
            "Write one short, warm message in "
            f"{language}: briefly acknowledge their answer, then ask exactly this one question, keeping "
            f'its meaning: "{planned.text}"',
            "Ask only one question. Do not repeat numbers, e-mail addresses or phone numbers. Never ask for",
            "card numbers, passwords or other personal data. Reply with the message only.",
        ]
    )


def _redact(text: str) -> str:
    return _PERSONAL.sub("…", text[:500])
