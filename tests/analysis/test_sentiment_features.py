"""Lexicon cues read beside the embedding: each cue fires on the text it names, and only there."""

from __future__ import annotations

import numpy as np
import pytest

from askwhy.analysis.sentiment_features import FEATURES, emoji_polarity, lexicon_features, rating_cue


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
        "where is my parcel",
        "no reply",
    ],
)
def test_waiting_cue_fires_on_unanswered_customers(text: str) -> None:
    assert cue(text, "waiting") == 1.0


@pytest.mark.parametrize("text", ["The parcel arrived on time", "I waited, then it came and fits well"])
def test_waiting_cue_stays_off_elsewhere(text: str) -> None:
    assert cue(text, "waiting") == 0.0


@pytest.mark.parametrize("text", ["no comment", "Nothing to add.", "n/a", "none"])
def test_no_opinion_cue(text: str) -> None:
    assert cue(text, "no_opinion") == 1.0


def test_no_opinion_cue_needs_the_whole_answer() -> None:
    assert cue("no comment from support after a week", "no_opinion") == 0.0


@pytest.mark.parametrize(
    ("text", "value"), [("10!!!", 1.0), ("0", -1.0), ("3/5", 0.2), ("1 star", -0.6), ("7 out of 10", 0.4)]
)
def test_a_bare_rating_is_read_on_its_scale(text: str, value: float) -> None:
    assert rating_cue(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["I ordered 10 shirts", "12", "6/5"])
def test_text_that_is_not_a_bare_rating_gives_no_rating_cue(text: str) -> None:
    assert rating_cue(text) == 0.0


def test_question_cues_tell_a_short_question_from_a_long_one() -> None:
    assert cue("anyone there?", "question_only") == 1.0
    long_question = "why did the parcel take three weeks to reach a town ten miles away?"
    assert cue(long_question, "question") == 1.0
    assert cue(long_question, "question_only") == 0.0
