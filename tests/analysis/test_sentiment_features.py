"""Lexicon cues read beside the embedding: each cue fires on the text it names, and only there."""

from __future__ import annotations

import numpy as np
import pytest

from askwhy.analysis.sentiment_features import (
    FEATURES,
    WAITING_SCORE,
    direct_answer,
    emoji_polarity,
    lexicon_features,
    rating_cue,
)


def cue(text: str, name: str) -> float:
    return float(lexicon_features([text])[0, FEATURES.index(name)])


def test_one_row_per_text_in_feature_order() -> None:
    rows = lexicon_features(["Great service!", "", "where is my parcel?"])
    assert rows.shape == (3, len(FEATURES))
    assert rows.dtype == np.float32
    assert np.all(np.abs(rows) <= 1.0)
    assert lexicon_features([]).shape == (0, len(FEATURES))


def test_vader_scores_are_read_from_the_text_without_handles_or_urls() -> None:
    assert cue("I love it", "vader_compound") > 0.5
    assert cue("awful, broken on arrival", "vader_compound") < -0.5
    assert cue("@happy_store https://great.example", "vader_compound") == 0.0


@pytest.mark.parametrize(
    ("text", "sign"), [("😡😡", -1), ("🤬", -1), ("👍", 1), ("😊🎉", 1), ("📦", 0), ("ok", 0)]
)
def test_emoji_polarity_follows_the_emoji_names(text: str, sign: int) -> None:
    assert np.sign(emoji_polarity(text)) == sign


@pytest.mark.parametrize(
    "text",
    [
        "anyone there?",
        "Still waiting for my refund",
        "I haven't received my order",
        "my parcel never arrived",
        "no reply",
        "my flight was delayed 3 hours",
        "the order arrived two weeks late",
    ],
)
def test_waiting_cue_fires_on_unanswered_customers(text: str) -> None:
    assert cue(text, "waiting") == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "The parcel arrived on time",
        "I waited, then it came and fits well",
        "I stayed up late reading",
        "the latest collection",
        "a later slot",
    ],
)
def test_waiting_cue_stays_off_elsewhere(text: str) -> None:
    assert cue(text, "waiting") == 0.0


@pytest.mark.parametrize("text", ["no comment", "Nothing to add.", "n/a", "none", "No idea"])
def test_declining_to_answer_is_neutral(text: str) -> None:
    assert direct_answer(text) == ("neutral", 0.0)


@pytest.mark.parametrize(
    "text", ["no comment from support after a week", "nothing works", "the delivery was fine but slow"]
)
def test_an_answer_with_content_is_left_to_the_head(text: str) -> None:
    assert direct_answer(text) is None


@pytest.mark.parametrize(
    "text", ["Still waiting for my refund", "anyone there?", "I haven't received my order", "no reply yet"]
)
def test_a_customer_left_waiting_is_complaining(text: str) -> None:
    assert direct_answer(text) == ("negative", WAITING_SCORE)


@pytest.mark.parametrize("text", ["still waiting, but the agent was lovely and kind", "the parcel arrived"])
def test_waiting_with_a_kind_word_or_no_waiting_is_left_to_the_head(text: str) -> None:
    assert direct_answer(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("10!!!", 1.0), ("0", -1.0), ("5", 0.0), ("3/5", 0.0), ("1 star", -1.0), ("7 out of 10", 0.4)],
)
def test_a_bare_rating_is_read_around_its_scale_middle(text: str, value: float) -> None:
    assert rating_cue(text) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "label"),
    [("10!!!", "positive"), ("2 stars", "negative"), ("6", "neutral"), ("3/10", "negative")],
)
def test_a_bare_rating_states_its_sentiment(text: str, label: str) -> None:
    stated = direct_answer(text)
    assert stated is not None
    assert stated[0] == label


@pytest.mark.parametrize("text", ["I ordered 10 shirts", "12", "6/5", "0 stars"])
def test_text_that_is_not_a_bare_rating_gives_no_rating(text: str) -> None:
    assert rating_cue(text) is None


def test_question_cues_tell_a_short_question_from_a_long_one() -> None:
    assert cue("anyone there?", "question_only") == 1.0
    long_question = "why did the parcel take three weeks to reach a town ten miles away?"
    assert cue(long_question, "question") == 1.0
    assert cue(long_question, "question_only") == 0.0


@pytest.mark.parametrize(("text", "label"), [("😡😡", "negative"), ("👍", "positive")])
def test_an_answer_of_emoji_alone_says_what_its_emoji_say(text: str, label: str) -> None:
    stated = direct_answer(text)
    assert stated is not None
    assert stated[0] == label


@pytest.mark.parametrize("text", ["📦", "late again 😡", "!!!"])
def test_emoji_beside_words_or_without_polarity_are_left_to_the_head(text: str) -> None:
    assert direct_answer(text) is None


@pytest.mark.parametrize(
    "text", ["it was fine", "Fine.", "ok", "not bad", "It was OK, I guess", "Everything was fine, thanks!"]
)
def test_a_lukewarm_answer_and_nothing_more_is_neutral(text: str) -> None:
    stated = direct_answer(text)
    assert stated is not None
    assert stated[0] == "neutral"


@pytest.mark.parametrize(
    "text", ["fine, but the courier was rude", "the fit is fine", "not fine", "it was fine until it broke"]
)
def test_a_lukewarm_word_with_more_said_is_left_to_the_head(text: str) -> None:
    assert direct_answer(text) is None
