"""Table tests for understanding one answer, in English and Spanish: clauses and their polarity,
closings in any position, requests for help, corrected scores, specific against vague, quotes."""

from __future__ import annotations

import pytest

from askwhy.domain.guide import Guide
from askwhy.domain.scales import SCALES, Metric
from askwhy.interview.clauses import FUNCTION_WORDS
from askwhy.interview.customer_words import customer_words
from askwhy.interview.intents import asks_for_help, closes, read_correction, suggests_fix
from askwhy.interview.language import conversation_language
from askwhy.interview.prepared import prepare
from askwhy.interview.text import fold
from askwhy.interview.understanding import understand
from tests.interview.helpers import Chat

NPS = SCALES[Metric.NPS]
BOTH = frozenset({"en", "es"})


@pytest.mark.parametrize(
    ("reply", "feelings"),
    [
        ("checkout was quick but the courier was rude", ["+", "-"]),
        ("the box was crushed and the driver was lovely", ["-", "+"]),
        ("support was not helpful", ["-"]),
        ("el pago fue fácil pero el envío llegó tarde", ["+", "-"]),
        ("la caja llegó rota, aunque el repartidor fue muy amable", ["-", "+"]),
        ("nadie me ayudó", ["-"]),
    ],
)
def test_clauses_carry_their_own_polarity(post_checkout: Guide, reply: str, feelings: list[str]) -> None:
    heard = understand(prepare(post_checkout), reply)
    signs = ["+" if c.polarity > 0 else "-" if c.polarity < 0 else "0" for c in heard.clauses]
    assert signs == feelings


@pytest.mark.parametrize(
    "reply",
    [
        "that's all",
        "great experience, that's all",
        "That's all, thanks!",
        "nothing else",
        "no comment",
        "No comments.",
        "I'd rather not say",
        "the delivery was late. Nothing more to add",
        "eso es todo",
        "todo bien, eso es todo",
        "nada más, gracias",
        "prefiero no decir",
        "Prefiero no comentar.",
        "sin comentarios",
        "no tengo nada más que decir",
    ],
)
def test_closings_are_heard_in_any_position(post_checkout: Guide, reply: str) -> None:
    assert understand(prepare(post_checkout), reply).closes


@pytest.mark.parametrize(
    "reply",
    [
        "nothing else worked as badly as the checkout",
        "the comment box on the site was broken",
        "I had to say it twice",
        "el envío no tardó nada más de lo normal",
    ],
)
def test_stories_are_not_closings(reply: str) -> None:
    assert not closes(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "my parcel is lost, can someone ring me?",
        "Can someone call me please",
        "please call me back",
        "I need help with my refund",
        "I want to speak to a human",
        "can I talk to a real person",
        "could you contact me about it",
        "please contact me",
        "the box was crushed, help me",
        "paquete perdido, ¿me pueden llamar?",
        "necesito ayuda con mi pedido",
        "quiero hablar con una persona",
        "llámenme por favor",
        "¿podrían contactarme?",
    ],
)
def test_requests_for_help(reply: str) -> None:
    assert asks_for_help(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "they didn't call me back",
        "nobody helped me",
        "the support agent was helpful",
        "nadie me ayudó",
        "no me llamaron nunca",
        "the courier had to call me twice",
        "they promised to call me back and never did",
        "the app was supposed to help me track the parcel",
        "the tracking page did not help me at all",
    ],
)
def test_complaints_about_help_are_not_requests(reply: str) -> None:
    assert not asks_for_help(reply)


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("actually make that a 6", 6),
        ("Actually, 6", 6),
        ("make it a seven", 7),
        ("change my score to 4", 4),
        ("I meant 9", 9),
        ("en realidad un 6", 6),
        ("mejor un 5", 5),
        ("quise decir ocho", 8),
    ],
)
def test_corrected_scores(reply: str, score: int) -> None:
    correction = read_correction(reply, NPS)
    assert correction is not None
    assert correction[0] == score


@pytest.mark.parametrize(
    "reply", ["the parcel took 6 days", "actually the courier was nice", "make it faster"]
)
def test_numbers_in_a_story_are_not_corrections(reply: str) -> None:
    assert read_correction(reply, NPS) is None


@pytest.mark.parametrize(
    ("reply", "specific"),
    [
        ("the site asked for my card details three times", True),
        ("it arrived nine days after I ordered", True),
        ("I was charged 20 euros for shipping", True),
        ("the courier threw the box over the fence", True),
        ("esperé dos semanas y nadie me contestó", True),
        ("el repartidor dejó la caja mojada en la puerta del garaje", True),
        ("the delivery was bad", False),
        ("TERRIBLE. NEVER AGAIN", False),
        ("good prices", False),
        ("el envío fue malo", False),
        ("todo bien", False),
    ],
)
def test_specific_against_vague(post_checkout: Guide, reply: str, specific: bool) -> None:
    assert understand(prepare(post_checkout), reply).specific is specific


@pytest.mark.parametrize(
    "reply",
    [
        "you should text me when the courier is near",
        "it would be nice to choose a delivery slot",
        "deberían avisar cuando hay retrasos",
        "sería mejor poder elegir la hora",
    ],
)
def test_proposed_fixes_are_heard(reply: str) -> None:
    assert suggests_fix(reply)


@pytest.mark.parametrize(
    ("reply", "mention", "quoted"),
    [
        ("the app kept logging me out during checkout", "app", "the app kept logging me out during checkout"),
        ("the lady at the desk sorted my", "desk", "the lady at the desk sorted"),
        ("and the parcel arrived crushed and wet", "parcel", "the parcel arrived crushed"),
        ("Sarah at the desk was rude", "rude", ""),
        ("the agent, Sarah Jones, was rude", "agent", "the agent"),
        ("the agent called Sarah was rude", "agent", ""),
        ("la app me sacaba de la cuenta en el pago", "app", "la app me sacaba de la cuenta en el pago"),
        ("el paquete llegó tarde a la", "tarde", "el paquete llegó tarde"),
    ],
)
def test_quotes_are_whole_phrases(reply: str, mention: str, quoted: str) -> None:
    start = reply.index(mention)
    words = customer_words(reply, start, start + len(mention))
    assert words == quoted
    if words:
        assert fold(words.split()[-1]) not in FUNCTION_WORDS


@pytest.mark.parametrize(
    ("answers", "start", "language"),
    [
        (["ocho"], "en", "es"),
        (["nine"], "es", "en"),
        (["9"], "es", "es"),
        (["8", "the delivery was really slow and the tracking never updated, muy mal"], "en", "en"),
        (["8", "the courier left it with a neighbour, no sé por qué"], "en", "en"),
        (["nueve", "el repartidor fue muy amable"], "en", "es"),
        (["7", "the delivery was slow", "el repartidor no llamó y la caja estaba rota"], "en", "es"),
        (["6", "the delivery was slow", "ok"], "en", "en"),
    ],
)
def test_language_is_decided_over_the_conversation(answers: list[str], start: str, language: str) -> None:
    assert conversation_language(answers, start, BOTH) == language


@pytest.mark.parametrize(
    ("reply", "score", "question"),
    [
        ("7 because delivery took ages", 7, "probe:theme:late-delivery"),
        ("9, great prices", 9, "probe:theme:price"),
        ("a solid 8 but the parcel was late", 8, "probe:theme:late-delivery"),
        ("un 3, el paquete llegó tarde", 3, "probe:theme:late-delivery"),
        ("2 - la web falló al pagar", 2, "probe:theme:website"),
        ("diez, precios geniales", 10, "probe:theme:price"),
    ],
)
def test_score_and_reason_in_one_message(post_checkout: Guide, reply: str, score: int, question: str) -> None:
    chat = Chat(post_checkout)
    (asked,) = chat.reply(reply)
    assert chat.state.score == score
    assert asked.question == question
    assert "why" not in chat.questions


@pytest.mark.parametrize(
    ("replies", "score"),
    [
        (["9", "actually make that a 6"], 6),
        (["9", "the delivery was quick", "I meant 7"], 7),
        (["8, no wait, actually 5"], 5),
        (["9", "en realidad un 6"], 6),
        (["3", "quise decir ocho"], 8),
    ],
)
def test_a_corrected_score_replaces_the_old_one(post_checkout: Guide, replies: list[str], score: int) -> None:
    chat = Chat(post_checkout)
    for text in replies:
        chat.reply(text)
    assert chat.state.score == score
    assert chat.state.status.is_open
