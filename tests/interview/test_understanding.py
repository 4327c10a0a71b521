"""Vague answers, "that's all", yes and no, and the customer's language."""

from __future__ import annotations

import pytest

from askwhy.interview.language import english_or_spanish
from askwhy.interview.replies import is_done, read_yes_no
from askwhy.interview.vagueness import is_vague

VAGUE = [
    "it was fine",
    "It was fine.",
    "idk",
    "IDK lol",
    "ok",
    "okay",
    "good",
    "very good",
    "nothing",
    "meh",
    "no sé",
    "no se",
    "bien",
    "todo bien",
    "fine I guess",
    "it was all good!",
    "not sure",
    "I don't know",
    "so-so",
    "",
    "   ",
    "...",
    "?!",
    "😐",
    "👍👍",
]

SPECIFIC = [
    "the driver was rude",
    "slow",
    "the box was crushed",
    "checkout kept failing",
    "el repartidor fue muy amable",
    "defintely late",  # typo, still concrete
    "fine but the refund took three weeks",
    "x" * 5000,
]


@pytest.mark.parametrize("reply", VAGUE)
def test_vague_answers(reply: str) -> None:
    assert is_vague(reply)


@pytest.mark.parametrize("reply", SPECIFIC)
def test_specific_answers(reply: str) -> None:
    assert not is_vague(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "that's all",
        "That’s all, thanks!",
        "nothing else",
        "no",
        "nope",
        "No, that's it",
        "eso es todo",
        "nada más",
    ],
)
def test_done(reply: str) -> None:
    assert is_done(reply)


@pytest.mark.parametrize(
    "reply", ["nothing", "no idea", "the box", "not sure what else to say about the courier"]
)
def test_not_done(reply: str) -> None:
    assert not is_done(reply)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("yes", True),
        ("Yes please, call me after 5", True),
        ("sure", True),
        ("ok", True),
        ("sí", True),
        ("si", True),
        ("claro", True),
        ("Claro que sí", True),
        ("of course", True),
        ("👍", True),
        ("no", False),
        ("no thanks", False),
        ("No, thank you", False),
        ("nope", False),
        ("mejor no", False),
        ("no gracias", False),
        ("maybe", None),
        ("", None),
    ],
)
def test_yes_or_no(reply: str, expected: bool | None) -> None:
    assert read_yes_no(reply) is expected


def test_a_tapped_yes_or_no_counts() -> None:
    assert read_yes_no("", choice_id="yes") is True
    assert read_yes_no("", choice_id="no") is False


@pytest.mark.parametrize(
    ("reply", "language"),
    [
        ("Muy mal, el pedido llegó tarde", "es"),
        ("el paquete llegó roto", "es"),
        ("Un 9, el envío fue rápido", "es"),
        ("no sé", "es"),
        ("the delivery was late", "en"),
        ("My parcel was late and the box was crushed", "en"),
        ("the envío was late", "en"),  # mixed, mostly English
        ("la entrega fue lenta pero el soporte muy bueno, gracias", "es"),
        ("nueve", None),  # a score alone says nothing about language
        ("nueve de diez", None),
        ("9", None),
        ("ok", None),
        ("bien", None),
        ("", None),
    ],
)
def test_detects_language(reply: str, language: str | None) -> None:
    assert english_or_spanish(reply) == language
