"""Sentence and clause splitting on messy customer text."""

from __future__ import annotations

import time

import pytest

from askwhy.analysis.sentences import MAX_SENTENCE_CHARS, split_clauses, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fast delivery. Rude support!", ["Fast delivery.", "Rude support!"]),
        ("Love this dress!  it's sooo pretty.", ["Love this dress!", "it's sooo pretty."]),
        ("Was it late? Yes", ["Was it late?", "Yes"]),
        ("no punctuation at all here", ["no punctuation at all here"]),
        ("Mr. Smith at St. James was great.", ["Mr. Smith at St. James was great."]),
        ("Too long, e.g. three weeks. Never again", ["Too long, e.g. three weeks.", "Never again"]),
        ("It cost $49.99 and 4.5 stars. Fine", ["It cost $49.99 and 4.5 stars.", "Fine"]),
        ("I paid Acme Inc. They charged twice", ["I paid Acme Inc.", "They charged twice"]),
        ("socks, shoes etc. and more", ["socks, shoes etc. and more"]),
        ("J. R. Smith helped me", ["J. R. Smith helped me"]),
        ("late.The box was crushed", ["late.", "The box was crushed"]),
        ("I am 5'8\". i love the length", ["I am 5'8\".", "i love the length"]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_ellipsis_splits_only_before_a_new_sentence() -> None:
    assert split_sentences("I waited... and waited") == ["I waited... and waited"]
    assert split_sentences("It was ok... The box was damaged") == ["It was ok...", "The box was damaged"]
    assert split_sentences("Meh… Not again") == ["Meh…", "Not again"]


def test_newlines_and_bullets_separate_sentences() -> None:
    text = "Delivery was late\n\n- box crushed\n* item missing\n1. refund slow\r\nthanks"
    assert split_sentences(text) == [
        "Delivery was late",
        "box crushed",
        "item missing",
        "refund slow",
        "thanks",
    ]


def test_emoji_ends_a_sentence_and_stays_with_it() -> None:
    assert split_sentences("Great service 👍 Delivery was late 😡") == [
        "Great service 👍",
        "Delivery was late 😡",
    ]
    assert split_sentences("Thanks!!! 😍😍 See you") == ["Thanks!!! 😍😍", "See you"]
    assert split_sentences("Loved it\n😍") == ["Loved it 😍"]
    assert split_sentences("😍") == ["😍"]


def test_a_bare_number_stays_with_the_sentence_before_it() -> None:
    assert split_sentences("Great service. 10") == ["Great service. 10"]
    assert split_sentences("Loved it!\n9/10") == ["Loved it! 9/10"]
    assert split_sentences("9") == ["9"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "...", "!!! ???", "- \n *"])
def test_empty_and_punctuation_only_give_nothing(text: str) -> None:
    assert split_sentences(text) == []


def test_long_run_on_text_is_cut_into_bounded_pieces_quickly() -> None:
    text = ("the fabric is thin and the colour faded after one wash, " * 90)[:5000]
    started = time.perf_counter()
    pieces = split_sentences(text)
    assert time.perf_counter() - started < 0.05
    assert all(0 < len(piece) <= MAX_SENTENCE_CHARS for piece in pieces)
    assert sum(len(piece.split()) for piece in pieces) == len(text.split())


def test_long_text_without_any_break_is_cut_at_spaces_or_hard() -> None:
    words = split_sentences("word " * 1000)
    assert all(len(piece) <= MAX_SENTENCE_CHARS for piece in words)
    assert sum(len(piece.split()) for piece in words) == 1000
    blob = split_sentences("x" * 5000)
    assert "".join(blob) == "x" * 5000


def test_long_punctuated_text_keeps_every_sentence() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    assert len(text) > 5000
    pieces = split_sentences(text)
    assert len(pieces) == 200
    assert pieces[7] == "Sentence number 7 is here."


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("fast delivery but rude support", ["fast delivery", "rude support"]),
        ("Good price, but the quality is poor.", ["Good price", "the quality is poor."]),
        ("The fit is great; however, the fabric is thin", ["The fit is great", "the fabric is thin"]),
        ("Although the fit is great, the fabric is thin", ["the fit is great", "the fabric is thin"]),
        ("It looks nice though the zip broke", ["It looks nice", "the zip broke"]),
        ("It is cheap yet sturdy", ["It is cheap", "sturdy"]),
        ("El envío fue rápido pero el soporte fue malo", ["El envío fue rápido", "el soporte fue malo"]),
        ("Buen precio, sin embargo la calidad es mala", ["Buen precio", "la calidad es mala"]),
        ("Aunque llegó tarde, el producto es bueno", ["llegó tarde", "el producto es bueno"]),
        ("Llegó rápido aunque la caja estaba rota", ["Llegó rápido", "la caja estaba rota"]),
        ("But it was late.", ["it was late."]),
    ],
)
def test_contrastive_clauses(sentence: str, expected: list[str]) -> None:
    assert split_clauses(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The delivery was quick and the staff friendly",
        "I have not received it yet",
        "Nothing but praise for the team",
        "Not only fast but also cheap",
        "The dress, though, is lovely",
        "yet another delay",
        "Last but not least the price",
        "Butter arrived melted",
    ],
)
def test_sentences_without_a_contrast_stay_whole(sentence: str) -> None:
    assert split_clauses(sentence) == [sentence]


@pytest.mark.parametrize("sentence", ["", "but", " , but , ", "however."])
def test_clauses_never_empty_or_punctuation_only(sentence: str) -> None:
    assert split_clauses(sentence) == []


def test_clauses_of_long_sentence_are_fast() -> None:
    sentence = "good fit but poor fabric, " * 200
    started = time.perf_counter()
    clauses = split_clauses(sentence)
    assert time.perf_counter() - started < 0.05
    assert len(clauses) == 201
    assert clauses[:2] == ["good fit", "poor fabric, good fit"]
