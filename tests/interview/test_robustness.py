"""Whatever a customer sends, at whatever step, the interviewer answers sensibly and never fails."""

from __future__ import annotations

import pytest

from askwhy.domain.conversation import ConversationStatus, Inbound, Step
from askwhy.domain.guide import Guide
from askwhy.interview import next_turn
from tests.interview.helpers import Chat

ODD_REPLIES = [
    "",
    "   ",
    "?!?!...",
    "😀🙏🔥",
    "x" * 5000,
    "the parcel was late " * 250,
    "nien",
    "defintely late",
    "9 pero the delivery was tarde",
    "\u0000\u200b\ufeff",
    "İstanbul ŞEHİR ß ﬁ",
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE answers;--",
    "🔟🔟🔟",
    "1" * 4400,
    "-",
    "0/0",
    "9/0",
    "\n\n\n",
]

# Replies that bring a conversation to each step before the odd reply arrives.
STEPS = {
    Step.SCORE: [],
    Step.WHY: ["2"],
    Step.PROBE: ["2", "the delivery was late, slow and expensive"],
    Step.CLOSE_THE_LOOP: ["2", "meh", "idk"],
}


@pytest.mark.parametrize("reply", ODD_REPLIES)
@pytest.mark.parametrize("step", list(STEPS))
def test_odd_replies_at_every_step(any_guide: Guide, step: Step, reply: str) -> None:
    chat = Chat(any_guide)
    for text in STEPS[step]:
        chat.reply(text)
    assert chat.state.step is step
    messages = chat.reply(reply)
    assert len(messages) >= 1
    assert sum(1 for message in messages if message.question) <= 1
    assert all(message.text.strip() for message in messages)
    assert chat.state.questions_asked <= any_guide.limits.max_questions
    assert chat.state.status in (ConversationStatus.ACTIVE, ConversationStatus.COMPLETED)


@pytest.mark.parametrize("reply", ["x" * 5000, "", "😀", "ok"])
def test_whole_conversation_of_odd_replies_ends(any_guide: Guide, reply: str) -> None:
    chat = Chat(any_guide)
    for _ in range(any_guide.limits.max_questions + 3):
        chat.reply(reply)
    assert chat.state.status is ConversationStatus.COMPLETED
    assert len(chat.questions) <= any_guide.limits.max_questions


def test_naive_and_aware_times_mix_without_error(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    naive = chat.now.replace(tzinfo=None)
    assert next_turn(post_checkout, chat.state, None, naive).state == chat.state


def test_a_reply_to_an_invitation_that_was_never_opened(post_checkout: Guide) -> None:
    from askwhy.domain.conversation import InterviewState

    turn = next_turn(post_checkout, InterviewState(), Inbound("8"), Chat(post_checkout).now)
    assert turn.state.status is ConversationStatus.ACTIVE
    assert turn.state.score == 8
    assert turn.messages[0].question == "why"
