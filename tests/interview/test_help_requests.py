"""A customer who needs a person is answered in the same turn, in their language: an order or refund
that never came is apologised for, and a follow-up is promised only when a case will open (the guide
has a team behind its follow-up and the customer did not refuse contact or opt out)."""

from __future__ import annotations

import pytest

from askwhy.domain.conversation import ConversationStatus, Inbound
from askwhy.domain.guide import Guide
from askwhy.interview import ScriptedLLM, next_turn
from askwhy.interview.asking import BUILT_IN
from askwhy.interview.help_requests import help_texts
from askwhy.interview.intents import asks_for_help, refuses_contact
from askwhy.interview.missing_orders import reports_missing_order
from tests.interview.helpers import Chat, minimal_guide

SORRY = BUILT_IN["missing_order"]
PROMISE = BUILT_IN["help_acknowledged"]
NOTED = BUILT_IN["help_noted"]
UNAVAILABLE = BUILT_IN["help_unavailable"]


def _opens_a_case(chat: Chat) -> bool:
    """The condition ``askwhy.cases.opening`` applies to the answers kept in the state."""
    return any(
        asks_for_help(answer.text) or reports_missing_order(answer.text)
        for answer in chat.state.answers
        if answer.question != "close_the_loop"
    )


@pytest.mark.parametrize(
    ("language", "score", "reply"),
    [
        ("en", "2", "my order 12345 never arrived"),
        ("en", "5", "I'm still waiting for my refund"),
        ("en", "8", "the parcel was lost somewhere"),
        ("en", "1", "they lost my package and nobody cares"),
        ("es", "1", "mi pedido no ha llegado"),
        ("es", "3", "sigo esperando mi reembolso"),
        ("es", "6", "el paquete se perdió"),
        ("es", "9", "no he recibido el pedido"),
    ],
)
def test_a_missing_order_is_apologised_for_and_followed_up_at_once(
    post_checkout: Guide, language: str, score: str, reply: str
) -> None:
    chat = Chat(post_checkout, language=language)
    chat.reply(score)
    chat.reply(reply)
    assert chat.text.startswith(f"{SORRY[language]} {PROMISE[language]}")
    assert chat.state.close_the_loop is True  # the case opens now, not when the chat ends
    assert chat.state.status is ConversationStatus.ACTIVE  # the interview goes on
    assert _opens_a_case(chat)


@pytest.mark.parametrize(
    ("language", "reply"),
    [("en", "my order 12345 is missing"), ("es", "mi pedido no ha llegado")],
)
def test_a_missing_order_instead_of_a_score_is_heard_then_the_score_asked_again(
    post_checkout: Guide, language: str, reply: str
) -> None:
    chat = Chat(post_checkout, language=language)
    (message,) = chat.reply(reply)
    assert message.text.startswith(f"{SORRY[language]} {PROMISE[language]}")
    assert message.question == "metric"
    assert chat.state.close_the_loop is True


def test_a_missing_order_with_a_score_in_the_same_message(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("3, I'm still waiting for my refund")
    assert chat.text.startswith(f"{SORRY['en']} {PROMISE['en']}")
    assert chat.state.score == 3


def test_a_missing_order_and_a_closing_are_both_heard(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("4")
    chat.reply("my parcel never arrived, that's all")
    assert chat.text.startswith(f"{SORRY['en']} {PROMISE['en']}")
    assert chat.state.status is ConversationStatus.COMPLETED
    assert chat.questions[-1] == "why"  # no close-the-loop offer after the promise


def test_the_missing_order_is_not_apologised_for_twice(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("2")
    chat.reply("my order 12345 never arrived")
    assert chat.text.count("sorry") + chat.text.count("Sorry") == 1, chat.text


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        ("en", "my order never arrived, but no need to call me"),
        ("en", "still waiting for my refund. I don't need anyone to contact me"),
        ("es", "mi pedido no ha llegado, no hace falta que me llaméis"),
        ("es", "sigo esperando mi reembolso, no quiero que me llamen"),
    ],
)
def test_a_customer_who_refuses_contact_is_not_promised_any(
    post_checkout: Guide, language: str, reply: str
) -> None:
    chat = Chat(post_checkout, language=language)
    chat.reply("2")
    chat.reply(reply)
    assert chat.text.startswith(f"{SORRY[language]} {NOTED[language]}")
    assert PROMISE[language] not in chat.text
    assert chat.state.close_the_loop is False
    chat.reply("that's all" if language == "en" else "eso es todo")
    assert "close_the_loop" not in chat.questions  # nor offered a call at the end


def test_a_refusal_earlier_in_the_chat_still_holds(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("3")
    chat.reply("the courier was rude, no need to call me about it")
    chat.reply("and my refund never came")
    assert chat.text.startswith(f"{SORRY['en']} {NOTED['en']}")
    assert PROMISE["en"] not in chat.text


def test_asking_for_a_call_after_refusing_one_is_heard(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("3")
    chat.reply("the courier was rude, no need to call me about it")
    chat.reply("actually my refund never came, can someone call me?")
    assert chat.text.startswith(f"{SORRY['en']} {PROMISE['en']}")
    assert chat.state.close_the_loop is True


@pytest.mark.parametrize(
    "reply", ["my order never arrived, stop messaging me", "mi pedido no ha llegado, no me escribáis más"]
)
def test_an_opt_out_is_never_answered_with_a_promise(post_checkout: Guide, reply: str) -> None:
    chat = Chat(post_checkout)
    chat.reply("2")
    chat.reply(reply)
    assert chat.state.status is ConversationStatus.OPTED_OUT
    assert all(PROMISE[code] not in chat.text for code in PROMISE)
    assert chat.state.close_the_loop is None


@pytest.mark.parametrize(
    ("language", "reply"), [("en", "my order is missing"), ("es", "mi pedido no ha llegado")]
)
def test_without_a_team_to_follow_up_nobody_is_promised(language: str, reply: str) -> None:
    chat = Chat(minimal_guide(close_the_loop=None), language=language)
    chat.reply("2")
    chat.reply(reply)
    assert chat.text.startswith(f"{SORRY[language]} {UNAVAILABLE[language]}")
    assert chat.state.close_the_loop is None


@pytest.mark.parametrize(
    "reply",
    [
        "the order arrived on time", "my refund arrived quickly", "nothing missing from my order",
        "el pedido llegó a tiempo", "the courier was rude", "no need to call me",
    ],
)  # fmt: skip
def test_an_order_that_arrived_gets_no_apology_nor_promise(post_checkout: Guide, reply: str) -> None:
    chat = Chat(post_checkout)
    chat.reply("4")
    chat.reply(reply)
    assert all(SORRY[code] not in chat.text and PROMISE[code] not in chat.text for code in SORRY)
    assert not _opens_a_case(chat)


@pytest.mark.parametrize(
    "reply",
    [
        "my order 12345 never arrived", "I never got my refund", "can someone call me?",
        "mi pedido no ha llegado", "necesito que me llamen", "the order arrived on time",
        "no need to call me", "my order never arrived, no need to call me", "the app crashed",
        "no me llamaron nunca",
    ],
)  # fmt: skip
def test_a_follow_up_is_promised_exactly_when_a_case_opens_and_contact_is_welcome(
    post_checkout: Guide, reply: str
) -> None:
    chat = Chat(post_checkout)
    chat.reply("5")
    chat.reply(reply)
    promised = any(PROMISE[code] in chat.text for code in PROMISE)
    assert promised == (_opens_a_case(chat) and not refuses_contact(reply))


@pytest.mark.parametrize(
    "reply",
    [
        "no need to call me", "you don't need to call me back", "I don't need anyone to contact me",
        "I don't want a call", "no callback needed", "no hace falta que me llaméis",
        "no es necesario que me contacten", "no quiero que me llamen", "no necesito una llamada",
    ],
)  # fmt: skip
def test_refusals_of_contact_are_heard_and_are_not_requests(reply: str) -> None:
    assert refuses_contact(reply)
    assert not asks_for_help(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "can someone call me?", "please call me back", "nobody called me", "necesito que me llamen",
        "they never contacted me", "you need to call me back",
    ],
)  # fmt: skip
def test_requests_and_complaints_are_not_refusals(reply: str) -> None:
    assert not refuses_contact(reply)


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        ("en", "my order 12345 never arrived"),
        ("en", "my parcel is lost, can someone ring me?"),
        ("es", "mi pedido no ha llegado"),
    ],
)
def test_the_optional_llm_never_rewords_what_is_said_about_a_follow_up(
    post_checkout: Guide, language: str, reply: str
) -> None:
    chat = Chat(post_checkout, language=language)
    chat.reply("4")
    llm = ScriptedLLM(["Thanks for telling me. What happened with the delivery?"])
    worded = next_turn(post_checkout, chat.state, Inbound(reply), chat.now, llm=llm)
    rules = next_turn(post_checkout, chat.state, Inbound(reply), chat.now)
    last = rules.messages[-1]
    assert (last.question or "").startswith("probe:")  # a question the LLM could have worded
    assert any(text in last.text for text in help_texts(post_checkout))
    assert worded == rules
    assert llm.prompts == []


def test_the_optional_llm_still_words_a_probe_that_promises_nothing(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("4")
    llm = ScriptedLLM(["Oh no, a late parcel is so frustrating. What happened with the delivery?"])
    turn = next_turn(post_checkout, chat.state, Inbound("my parcel was late"), chat.now, llm=llm)
    assert turn.messages[-1].text.startswith("Oh no, a late parcel")
