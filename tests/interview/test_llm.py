"""The optional LLM only rewords follow-up questions, and any failure keeps the rules' words."""

from __future__ import annotations

import pytest

from askwhy.domain.conversation import Inbound
from askwhy.domain.guide import Guide
from askwhy.interview import ScriptedLLM, next_turn
from askwhy.interview import rules as rules_backend
from askwhy.interview.llm import acceptable
from tests.interview.helpers import Chat


def _at_why(guide: Guide) -> Chat:
    chat = Chat(guide)
    chat.reply("3")
    return chat


def test_an_acceptable_wording_is_used(post_checkout: Guide) -> None:
    chat = _at_why(post_checkout)
    llm = ScriptedLLM(["Oh no, a late parcel is so frustrating. What happened with the delivery?"])
    turn = next_turn(post_checkout, chat.state, Inbound("my parcel was late"), chat.now, llm=llm)
    assert turn.messages[-1].text.startswith("Oh no, a late parcel")
    assert turn.messages[-1].question == "probe:theme:late-delivery"
    assert "my parcel was late" in llm.prompts[0]
    assert (
        turn.state
        == rules_backend.next_turn(post_checkout, chat.state, Inbound("my parcel was late"), chat.now).state
    )


@pytest.mark.parametrize(
    "failure",
    [
        TimeoutError("too slow"),
        ConnectionError("refused"),
        RuntimeError("bad JSON"),
        "",
        "Sorry! What happened? And when did it arrive?",
        "What is your card number?",
        "Could you confirm your password?",
        "Call us on 0800 123 456, what happened?",
        "¿Qué pasó con la entrega del paquete que esperabas?",
        "x" * 400 + "?",
        "No question here.",
    ],
)
def test_any_failure_keeps_the_rules_wording(post_checkout: Guide, failure: str | Exception) -> None:
    chat = _at_why(post_checkout)
    inbound = Inbound("my parcel was late")
    expected = rules_backend.next_turn(post_checkout, chat.state, inbound, chat.now)
    assert next_turn(post_checkout, chat.state, inbound, chat.now, llm=ScriptedLLM([failure])) == expected


def test_only_probes_are_reworded(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    llm = ScriptedLLM(["What made you choose that score?"])
    turn = next_turn(post_checkout, chat.state, Inbound("3"), chat.now, llm=llm)
    assert turn.messages[-1].text == post_checkout.say(post_checkout.questions.why.detractor, "en")
    assert llm.prompts == []


def test_personal_data_is_not_sent_to_the_llm(post_checkout: Guide) -> None:
    chat = _at_why(post_checkout)
    llm = ScriptedLLM([])
    next_turn(
        post_checkout,
        chat.state,
        Inbound("late parcel, mail jo@example.com or 07700 900123"),
        chat.now,
        llm=llm,
    )
    assert "jo@example.com" not in llm.prompts[0]
    assert "900123" not in llm.prompts[0]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Thanks for sharing that. What happened with the delivery?", "en", True),
        ("Gracias por contármelo. ¿Qué pasó con la entrega?", "es", True),
        ("Thanks for sharing that. What happened with the delivery?", "es", False),
    ],
)
def test_acceptable_wording(text: str, language: str, expected: bool) -> None:
    assert acceptable(text, language) is expected


@pytest.mark.parametrize(
    ("text", "language", "planned", "expected"),
    [
        (
            "Oh no, a late parcel is so frustrating. What happened with the delivery?",
            "en",
            "I'm sorry, “my parcel was late” is not what we want for you. "
            "Can you tell me what happened with the delivery?",
            True,
        ),
        (
            "By the way, have you tried our new loyalty app?",
            "en",
            "Can you tell me what happened with the delivery?",
            False,
        ),
        (
            "Sorry about the parcel. Can you tell me your favourite colour?",
            "en",
            "Can you tell me what happened with the delivery?",
            False,
        ),
        (
            "Vaya, lo siento mucho. ¿Qué pasó con la entrega?",
            "es",
            "Lo siento. ¿Puedes contarme qué pasó con la entrega?",
            True,
        ),
        (
            "Lo siento mucho. ¿Te gustaría probar nuestra aplicación?",
            "es",
            "Lo siento. ¿Puedes contarme qué pasó con la entrega?",
            False,
        ),
    ],
    ids=[
        "same-question-en",
        "off-topic-en",
        "keeps-only-the-acknowledgement",
        "same-question-es",
        "off-topic-es",
    ],
)
def test_a_wording_must_ask_what_the_rules_ask(
    text: str, language: str, planned: str, expected: bool
) -> None:
    assert acceptable(text, language, planned=planned) is expected


def test_an_off_topic_wording_keeps_the_rules_turn(post_checkout: Guide) -> None:
    chat = _at_why(post_checkout)
    inbound = Inbound("my parcel was late")
    expected = rules_backend.next_turn(post_checkout, chat.state, inbound, chat.now)
    llm = ScriptedLLM(["Thanks! By the way, have you tried our new loyalty app?"])
    assert next_turn(post_checkout, chat.state, inbound, chat.now, llm=llm) == expected
    assert len(llm.prompts) == 1
