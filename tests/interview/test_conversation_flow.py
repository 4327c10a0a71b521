"""Whole conversations with the example guides: score, why, probes, close, and the ways out."""

from __future__ import annotations

import re

import pytest

from askwhy.domain.conversation import ConversationStatus, Inbound, InterviewState, Step
from askwhy.domain.guide import Guide
from askwhy.domain.scales import Band
from askwhy.interview import next_turn
from tests.interview.helpers import START, Chat, minimal_guide


def _say(guide: Guide, text: dict[str, str] | None, language: str = "en") -> str:
    assert text is not None
    return guide.say(text, language)


def test_opens_with_the_score_question_and_its_choices(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    (message,) = chat.sent
    assert message.question == "metric"
    assert message.text.startswith("Hi, it's Northwind")
    assert [choice.id for choice in message.choices] == [str(n) for n in range(11)]
    assert chat.state.status is ConversationStatus.ACTIVE
    assert chat.state.step is Step.SCORE
    assert chat.state.questions_asked == 1
    assert chat.state.last_activity_at == START


@pytest.mark.parametrize(("guide_name", "choices"), [("support_call", 5), ("trial_end", 7)])
def test_other_scales_offer_their_own_choices(
    guide_name: str, choices: int, request: pytest.FixtureRequest
) -> None:
    chat = Chat(request.getfixturevalue(guide_name))
    assert [choice.id for choice in chat.sent[0].choices] == [str(n) for n in range(1, choices + 1)]


def test_promoter_conversation(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    (why,) = chat.reply("10!!!")
    assert why.question == "why"
    assert why.text == _say(post_checkout, post_checkout.questions.why.promoter)
    (probe,) = chat.reply("Super fast delivery, and the packaging was lovely")
    assert probe.question == "probe:theme:delivery"
    assert "Super fast delivery" in probe.text
    assert probe.text.endswith("What stood out about the delivery for you?")
    chat.reply("it came the next morning even though I ordered at midnight")
    chat.reply("quite a lot, I needed it for a birthday")
    chat.reply("maybe a text when the driver is close")
    assert chat.state.last_question == "probe:anything_else"
    (closing,) = chat.reply("no, that's all")
    assert closing.text == _say(post_checkout, post_checkout.closings.promoter)
    assert closing.question is None
    state = chat.state
    assert state.status is ConversationStatus.COMPLETED
    assert state.step is Step.DONE
    assert state.score == 10
    assert state.score_raw == "10!!!"
    assert state.close_the_loop is None
    assert state.themes_raised == ("delivery", "packaging")
    assert [answer.question for answer in state.answers] == [
        "metric",
        "why",
        "probe:theme:delivery",
        "probe:impact",
        "probe:fix",
        "probe:anything_else",
    ]
    assert state.questions_asked == len(chat.questions) <= post_checkout.limits.max_questions


def test_detractor_is_offered_close_the_loop_and_accepts(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("2")
    (probe,) = chat.reply("the parcel was very late and nobody told me why")
    assert probe.question == "probe:theme:late-delivery"
    assert "the parcel was very late" in probe.text
    chat.reply("it said next day but it took over a week")
    chat.reply("a lot, it was a gift")
    (offer,) = chat.reply("tell me when there's a delay")
    assert offer.question == "close_the_loop"
    assert [choice.id for choice in offer.choices] == ["yes", "no"]
    (closing,) = chat.reply("yes please")
    loop = post_checkout.close_the_loop
    assert loop is not None
    assert closing.text.startswith(_say(post_checkout, loop.accepted))
    assert closing.text.endswith(_say(post_checkout, post_checkout.closings.detractor))
    assert chat.state.close_the_loop is True
    assert chat.state.status is ConversationStatus.COMPLETED
    assert chat.state.questions_asked == post_checkout.limits.max_questions


@pytest.mark.parametrize("answer", ["no", "no thanks", "nope", "not now", "maybe later", "no gracias"])
def test_detractor_declines_close_the_loop(post_checkout: Guide, answer: str) -> None:
    chat = Chat(post_checkout)
    for text in ("3", "meh", "idk"):
        chat.reply(text)
    assert chat.state.step is Step.CLOSE_THE_LOOP
    (closing,) = chat.reply(answer)
    loop = post_checkout.close_the_loop
    assert loop is not None
    assert closing.text.startswith(_say(post_checkout, loop.declined, chat.state.language))
    assert chat.state.close_the_loop is False
    assert chat.state.status is ConversationStatus.COMPLETED


def test_close_the_loop_by_tapping_a_choice(support_call: Guide) -> None:
    chat = Chat(support_call)
    chat.reply("", choice_id="1")
    chat.reply("meh")
    chat.reply("idk")
    chat.reply("", choice_id="yes")
    assert chat.state.score == 1
    assert chat.state.close_the_loop is True


def test_passives_and_promoters_are_not_offered_close_the_loop(post_checkout: Guide) -> None:
    for score in ("7", "9"):
        chat = Chat(post_checkout)
        chat.reply(score)
        chat.reply("that's all")
        assert chat.state.status is ConversationStatus.COMPLETED
        assert "close_the_loop" not in chat.questions


def test_opt_out_mid_way(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("4")
    chat.reply("the courier was rude")
    (confirmation,) = chat.reply("stop messaging me")
    assert confirmation.text == _say(post_checkout, post_checkout.messages.opted_out)
    assert confirmation.question is None
    assert chat.state.status is ConversationStatus.OPTED_OUT
    assert chat.state.step is Step.DONE
    before = chat.state
    assert chat.reply("hello?") == ()
    assert chat.state is before


@pytest.mark.parametrize("step_replies", [[], ["8"], ["8", "the box was crushed"], ["2", "meh", "idk"]])
def test_opt_out_is_heard_at_every_step(post_checkout: Guide, step_replies: list[str]) -> None:
    chat = Chat(post_checkout)
    for text in step_replies:
        chat.reply(text)
    chat.reply("STOP")
    assert chat.state.status is ConversationStatus.OPTED_OUT


def test_spanish_opt_out_is_confirmed_in_spanish(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    (confirmation,) = chat.reply("no me escribas más, gracias")
    assert confirmation.text == _say(post_checkout, post_checkout.messages.opted_out, "es")


def test_abandonment_after_the_guide_limit(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("6")
    limit = post_checkout.limits.abandon_after_minutes
    assert chat.wait(limit - 1).messages == ()
    assert chat.state.status is ConversationStatus.ACTIVE
    turn = chat.wait(2)
    assert turn.messages == ()
    assert turn.state.status is ConversationStatus.ABANDONED
    assert chat.reply("sorry, was busy") == ()


def test_timer_on_a_fresh_reply_keeps_the_conversation(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.wait(100)
    chat.reply("9", minutes=0)
    turn = chat.wait(100)
    assert turn.state.status is ConversationStatus.ACTIVE


def test_spanish_conversation(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    (probe,) = chat.reply("Un 3, el paquete llegó tarde y la caja venía rota")
    assert chat.state.language == "es"
    assert chat.state.score == 3
    assert probe.question == "probe:theme:late-delivery"
    assert "el paquete llegó tarde" in probe.text
    assert probe.text.endswith("¿Puedes contarme qué pasó con la entrega?")
    (impact,) = chat.reply("Tardó dos semanas y nadie me avisó")
    assert impact.text == _say(post_checkout, post_checkout.probes.impact, "es")
    chat.reply("mucho, era un regalo")
    (last,) = chat.reply("avisar cuando hay retrasos")
    assert last.text == _say(post_checkout, post_checkout.probes.anything_else, "es")
    (closing,) = chat.reply("no, nada más")
    assert closing.text == _say(post_checkout, post_checkout.closings.detractor, "es")
    assert chat.state.status is ConversationStatus.COMPLETED


def test_spanish_close_the_loop_offer(post_checkout: Guide) -> None:
    chat = Chat(post_checkout, language="es")
    for text in ("2", "meh", "nada"):
        chat.reply(text)
    offer = chat.sent[-1]
    assert offer.question == "close_the_loop"
    assert [choice.title for choice in offer.choices] == ["Sí", "No"]
    (closing,) = chat.reply("sí")
    assert closing.text.endswith(_say(post_checkout, post_checkout.closings.detractor, "es"))
    assert chat.state.close_the_loop is True


def test_opens_in_the_requested_language(trial_end: Guide) -> None:
    chat = Chat(trial_end, language="es")
    assert chat.sent[0].text.startswith("Hola, te escribe Northwind")
    assert Chat(trial_end, language="fr").state.language == "en"
    assert Chat(trial_end, language="es-MX").state.language == "es"


def test_a_score_word_is_evidence_of_its_language(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    (why,) = chat.reply("nueve")
    assert chat.state.language == "es"
    assert chat.state.score == 9
    assert why.text == _say(post_checkout, post_checkout.questions.why.promoter, "es")
    assert Chat(post_checkout).reply("9")[0].text == _say(post_checkout, post_checkout.questions.why.promoter)


def test_switches_back_to_english(post_checkout: Guide) -> None:
    chat = Chat(post_checkout, language="es")
    chat.reply("8")
    chat.reply("the delivery was slow and the tracking never updated")
    assert chat.state.language == "en"
    assert chat.text.endswith("What stood out about the delivery for you?") or "delivery" in chat.text


def test_nonsense_score_is_asked_again_once(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    (again,) = chat.reply("banana")
    assert again.text == _say(post_checkout, post_checkout.messages.reask_score)
    assert again.question == "metric"
    assert len(again.choices) == 11
    (why,) = chat.reply("potato")
    assert why.question == "why"
    assert why.text == _say(post_checkout, post_checkout.questions.why.for_band(Band.UNKNOWN))
    assert chat.state.score is None
    assert chat.state.score_raw == "potato"
    assert chat.state.score_attempts == 2


@pytest.mark.parametrize("reply", ["11", "-3", "100", "a million"])
def test_out_of_range_score_is_asked_again(post_checkout: Guide, reply: str) -> None:
    chat = Chat(post_checkout)
    (again,) = chat.reply(reply)
    assert again.question == "metric"
    (why,) = chat.reply("8")
    assert why.question == "why"
    assert chat.state.score == 8


def test_score_with_its_reason_skips_the_why_question(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    (probe,) = chat.reply("3 - the delivery was late again")
    assert probe.question == "probe:theme:late-delivery"
    assert "why" not in chat.questions
    assert [(a.question, a.text) for a in chat.state.answers] == [
        ("metric", "3 - the delivery was late again"),
        ("why", "the delivery was late again"),
    ]


def test_vague_answer_gets_one_request_for_an_example(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("6")
    (vague,) = chat.reply("it was fine")
    assert vague.question == "probe:vague"
    assert vague.text == _say(post_checkout, post_checkout.probes.vague)
    (probe,) = chat.reply("the delivery was a bit slow")
    assert probe.question.startswith("probe:theme:")  # type: ignore[union-attr]
    (next_question,) = chat.reply("meh")
    assert next_question.question != "probe:vague"
    assert chat.questions.count("probe:vague") == 1


def test_still_vague_after_the_example_request_closes(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("8")
    chat.reply("ok")
    (closing,) = chat.reply("idk")
    assert chat.state.status is ConversationStatus.COMPLETED
    assert closing.text == _say(post_checkout, post_checkout.closings.passive)


@pytest.mark.parametrize("done", ["that's all", "nothing else", "nope", "eso es todo", "nada más"])
def test_stops_early_when_the_customer_is_done(post_checkout: Guide, done: str) -> None:
    chat = Chat(post_checkout)
    chat.reply("9")
    chat.reply("great prices")
    chat.reply(done)
    assert chat.state.status is ConversationStatus.COMPLETED


def test_media_asks_to_type_and_changes_nothing_else(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("5")
    before = chat.state
    (message,) = chat.reply("", media_type="audio/ogg")
    assert message.text == _say(post_checkout, post_checkout.messages.media_unsupported)
    assert message.question is None
    after = chat.state
    assert after.evolve(last_activity_at=before.last_activity_at) == before
    (probe,) = chat.reply("the website kept logging me out at checkout")
    assert probe.question == "probe:impact"  # described specifically: not asked again what happened
    assert "“the website kept logging me out at checkout”" in probe.text


def test_acknowledgement_never_echoes_personal_data(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("1")
    (probe,) = chat.reply("late parcel, call me on 07700 900123 or jo.smith@example.com, order 123456")
    assert not re.search(r"\d", probe.text)
    assert "@" not in probe.text
    assert "“late parcel”" in probe.text


@pytest.mark.parametrize("max_questions", [1, 2, 3, 4])
def test_never_asks_more_than_the_budget(max_questions: int) -> None:
    guide = minimal_guide(limits={"max_questions": max_questions, "abandon_after_minutes": 30})
    for replies in (
        ["banana", "2", "ok", "the delivery was late", "a lot", "faster", "nothing", "yes"],
        ["1", "late delivery", "it was a week late", "very", "be on time", "no", "no"],
        ["10", "meh", "idk"],
    ):
        chat = Chat(guide)
        for text in replies:
            chat.reply(text)
        assert len(chat.questions) <= max_questions
        assert chat.state.questions_asked == len(chat.questions)
        assert chat.state.status is ConversationStatus.COMPLETED


def test_one_question_at_most_per_turn(any_guide: Guide) -> None:
    chat = Chat(any_guide)
    for text in ["2", "it was slow and expensive", "so slow", "a lot", "better support", "no", "yes"]:
        messages = chat.reply(text)
        assert sum(1 for message in messages if message.question) <= 1


def test_guide_without_a_metric_opens_with_why() -> None:
    guide = minimal_guide(metric="none", questions={**minimal_guide().questions.model_dump(), "metric": None})
    chat = Chat(guide)
    assert chat.questions == ["why"]
    assert chat.sent[0].choices == ()
    chat.reply("the delivery was late")
    assert chat.questions[-1] == "probe:theme:delivery"


def test_closed_conversation_takes_no_turn(post_checkout: Guide) -> None:
    chat = Chat(post_checkout)
    chat.reply("STOP")
    state = chat.state
    turn = next_turn(post_checkout, state, Inbound("9"), START)
    assert turn.messages == ()
    assert turn.state is state
    assert next_turn(post_checkout, state, None, START).state is state


def test_turns_are_deterministic_and_survive_storage(post_checkout: Guide) -> None:
    first, second = Chat(post_checkout), Chat(post_checkout)
    for text in ["4", "the courier left it in the rain"]:
        assert first.reply(text) == second.reply(text)
    stored = InterviewState.from_dict(first.state.to_dict())
    assert stored == first.state
    inbound = Inbound("it got soaked")
    assert next_turn(post_checkout, stored, inbound, first.now) == next_turn(
        post_checkout, first.state, inbound, first.now
    )


def test_support_call_conversation(support_call: Guide) -> None:
    chat = Chat(support_call)
    (why,) = chat.reply("2 out of 5")
    assert why.text == _say(support_call, support_call.questions.why.detractor)
    (probe,) = chat.reply("I was on hold forever and then got transferred twice")
    assert probe.question == "probe:theme:wait-time"
    assert "I was on hold forever" in probe.text
    chat.reply("ten minutes at most")
    (offer,) = chat.reply("it made me late for work")
    assert offer.question == "close_the_loop"
    chat.reply("sure")
    assert chat.state.status is ConversationStatus.COMPLETED
    assert chat.state.themes_raised == ("wait-time", "transfers")
    assert len(chat.questions) <= support_call.limits.max_questions


def test_trial_end_conversation_in_spanish(trial_end: Guide) -> None:
    chat = Chat(trial_end, language="es")
    (why,) = chat.reply("6")
    assert why.text == _say(trial_end, trial_end.questions.why.promoter, "es")
    (probe,) = chat.reply("Las plantillas y los informes me ahorraron mucho tiempo")
    assert probe.question == "probe:theme:features"
    assert "Las plantillas" in probe.text
    chat.reply("los informes semanales")
    chat.reply("bastante")
    chat.reply("nada más")
    assert chat.state.status is ConversationStatus.COMPLETED
    assert chat.text == _say(trial_end, trial_end.closings.promoter, "es")
