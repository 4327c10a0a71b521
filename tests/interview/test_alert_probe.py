"""The open alert's targeted question: asked once, only where the guide's budget has room for it,
never in place of a question the guide asks, in the customer's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from askwhy.domain.conversation import ConversationStatus, Inbound, Outbound
from askwhy.domain.guide import Guide
from askwhy.interview import ExtraProbe, next_turn
from askwhy.interview.alert_probe import answered_alert, asked
from tests.interview.helpers import Chat, minimal_guide

PROBE = ExtraProbe(alert_id="a1", label="late delivery")


@dataclass
class ProbedChat(Chat):
    """A chat whose every turn is offered the alert's question."""

    probe: ExtraProbe | None = PROBE

    def reply(self, text: str, **_: object) -> tuple[Outbound, ...]:  # type: ignore[override]
        self.now += timedelta(minutes=1)
        self.last = next_turn(self.guide, self.state, Inbound(text=text), self.now, extra_probe=self.probe)
        self.sent.extend(self.last.messages)
        return self.last.messages


def _talk(chat: Chat, replies: list[str]) -> None:
    for text in replies:
        if not chat.state.status.is_open:
            return
        chat.reply(text)


PROMOTER = [
    "9", "the delivery was fast and the app easy", "it saved me a trip to the shop", "more evening slots",
    "yes it did", "nothing else",
]  # fmt: skip
DETRACTOR = ["2", "the delivery was late", "it was a week late", "a lot", "be on time", "yes, it was late",
             "the box was torn too", "no"]  # fmt: skip


def _budget(max_questions: int) -> Guide:
    return minimal_guide(limits={"max_questions": max_questions, "abandon_after_minutes": 30})


def test_asked_where_anything_else_came_and_the_guide_still_asks_it() -> None:
    plain, probed = Chat(_budget(7)), ProbedChat(_budget(7))
    _talk(plain, PROMOTER)
    _talk(probed, [*PROMOTER, "no"])
    guide_questions = [
        "metric",
        "why",
        "probe:theme:delivery",
        "probe:impact",
        "probe:fix",
        "probe:anything_else",
    ]
    assert plain.questions == guide_questions
    assert probed.questions == [*guide_questions[:-1], "alert:a1", "probe:anything_else"], (
        "it replaces nothing"
    )
    message = next(m for m in probed.sent if m.question == "alert:a1")
    assert message.text == "Some customers mention late delivery; did that affect you?"
    assert probed.state.questions_asked == 7
    assert probed.state.status is ConversationStatus.COMPLETED


@pytest.mark.parametrize("max_questions", [2, 3, 4, 5, 6, 7, 8, 9])
@pytest.mark.parametrize("replies", [PROMOTER, DETRACTOR, ["10", "meh", "idk"], ["1", "late", "no", "no"]])
def test_never_beyond_the_budget_and_never_instead_of_a_guide_question(
    max_questions: int, replies: list[str]
) -> None:
    plain, probed = Chat(_budget(max_questions)), ProbedChat(_budget(max_questions))
    _talk(plain, replies)
    _talk(probed, [*replies, "nothing else"])  # one more reply: the alert's question takes one
    assert probed.state.questions_asked == len(probed.questions) <= max_questions
    assert probed.questions.count("alert:a1") <= 1
    if "alert:a1" in probed.questions:
        assert set(plain.questions) <= set(probed.questions), "the guide's questions are all still asked"


@pytest.mark.parametrize("max_questions", [5, 6])
def test_skipped_when_the_guide_spends_the_budget(max_questions: int) -> None:
    plain, probed = Chat(_budget(max_questions)), ProbedChat(_budget(max_questions))
    _talk(plain, PROMOTER)
    _talk(probed, PROMOTER)
    assert plain.state.questions_asked == max_questions, "the guide alone spends the whole budget"
    assert probed.questions == plain.questions
    assert [m.text for m in probed.sent] == [m.text for m in plain.sent]


def test_a_detractor_keeps_anything_else_and_the_follow_up_offer() -> None:
    chat = ProbedChat(_budget(8))
    _talk(chat, DETRACTOR)
    assert chat.questions[-3:] == ["alert:a1", "probe:anything_else", "close_the_loop"]
    assert chat.state.questions_asked == 8


def test_no_room_for_the_alert_beside_a_detractors_offer() -> None:
    plain, probed = Chat(_budget(7)), ProbedChat(_budget(7))
    _talk(plain, DETRACTOR)
    _talk(probed, DETRACTOR)
    assert plain.questions[-2:] == ["probe:anything_else", "close_the_loop"]
    assert probed.questions == plain.questions


def test_asked_only_once_and_its_reply_is_read_as_its_answer() -> None:
    chat = ProbedChat(_budget(9))
    for text in PROMOTER[:5]:
        chat.reply(text)
    assert answered_alert(chat.state) == "a1"
    chat.reply("no, mine came on time")
    assert asked(chat.state)
    assert chat.state.status.is_open, "a no answers the alert's question; it does not end the interview"
    _talk(chat, ["no", "no", "no"])
    assert chat.questions.count("alert:a1") == 1
    assert [a.text for a in chat.state.answers if a.question == "alert:a1"] == ["no, mine came on time"]


def test_not_asked_when_the_customer_says_they_are_done() -> None:
    chat = ProbedChat(_budget(8))
    chat.reply("9")
    chat.reply("that's all, bye")
    assert chat.state.status is ConversationStatus.COMPLETED
    assert "alert:a1" not in chat.questions


def test_without_an_alert_the_turns_are_the_rules_own() -> None:
    plain, unprobed = Chat(_budget(8)), ProbedChat(_budget(8), probe=None)
    _talk(plain, PROMOTER)
    _talk(unprobed, PROMOTER)
    assert [m.text for m in unprobed.sent] == [m.text for m in plain.sent]


def test_spanish_customers_are_asked_in_spanish() -> None:
    chat = ProbedChat(_budget(8), language="es")
    _talk(chat, ["9", "la entrega fue rápida y la app muy fácil", "me ahorró un viaje a la tienda",
                 "más horarios por la tarde", "sí", "nada más"])  # fmt: skip
    message = next(m for m in chat.sent if m.question == "alert:a1")
    assert message.text == "Algunos clientes mencionan late delivery; ¿te afectó a ti?"


def test_the_example_guide_asks_within_its_budget(post_checkout: Guide) -> None:
    chat = ProbedChat(post_checkout)
    _talk(
        chat, ["9", "quick checkout and friendly courier", "saved me time", "more evening slots", "yes", "no"]
    )
    assert chat.state.questions_asked <= post_checkout.limits.max_questions
    assert chat.questions.count("alert:a1") <= 1
