"""Every theme gets a label of its own, found verbatim in its texts the way a reader searches for it:
the folded text holds the whole label, its words separated by single spaces."""

from __future__ import annotations

import re

import pytest

from askwhy.analysis.phrases import NO_PHRASE
from tests.analysis.theme_labels import OTHER, labels_of


def found_in(label: str, texts: list[str]) -> int:
    """How many of `texts` hold `label`, searched as the themes benchmark searches."""
    pattern = re.compile(rf"(?<!\w){re.escape(label)}(?!\w)")
    return sum(1 for t in texts if pattern.search(t.casefold().replace("’", "'")))


@pytest.mark.parametrize(
    ("theme", "why"),
    [
        (["late 📦 delivery again", "late 😡 delivery today", "late 🙄 delivery, no call"], "an emoji"),
        (["late *delivery* again", "late *delivery* today", "late *delivery*, no call"], "a mark"),
        (["late  delivery again", "late  delivery today", "late  delivery, no call"], "two spaces"),
        (["late\ndelivery again", "late\ndelivery today", "late\ndelivery, no call"], "a line break"),
        (["late - delivery again", "late - delivery today", "late - delivery, no call"], "a dash"),
        (["late 2nd delivery again", "late 2nd delivery today", "late 2nd delivery, no call"], "digits"),
        (["it was late_delivery again", "late_delivery today", "late_delivery, no call"], "an underscore"),
    ],
)
def test_a_label_never_joins_words_that_something_else_stands_between(theme: list[str], why: str) -> None:
    labels = labels_of(theme, OTHER)

    assert labels[0] != "late delivery", why
    assert found_in(labels[0], theme) >= 1, (why, labels[0])
    assert found_in(labels[1], OTHER) >= 3


@pytest.mark.parametrize(
    "theme",
    [
        # "lost parcel" in two of four texts; "parcel again" in three
        ["lost parcel again", "a lost parcel again", "my parcel again", "parcel again, sigh"],
        ["lost parcel again", "lost parcel again", "the parcel again", "no parcel again"],
    ],
)
def test_a_label_is_found_in_at_least_three_texts_of_a_small_theme(theme: list[str]) -> None:
    labels = labels_of(theme, OTHER)

    assert found_in(labels[0], theme) >= 3, labels[0]


REPEAT_THAT = [
    "can you repeat that again",
    "please repeat that again",
    "could you repeat that again please",
    "repeat that again, i missed it",
]
HOW_ARE_YOU = [
    "how are you doing today",
    "are you doing well today",
    "hey, how are you doing today",
    "how are you today",
]


def test_a_theme_with_no_distinctive_phrase_takes_a_phrase_its_texts_share() -> None:
    # "repeat" is used as a verb and "that" and "again" are stop words: no phrase a person would write
    # as a label by the finer rules, yet the theme's texts share one.
    labels = labels_of(REPEAT_THAT, OTHER)

    assert labels[0] == "repeat that again"
    assert found_in(labels[0], REPEAT_THAT) >= 3


def test_themes_with_the_same_texts_get_distinct_labels_from_those_texts() -> None:
    themes = [REPEAT_THAT, REPEAT_THAT, REPEAT_THAT, HOW_ARE_YOU, HOW_ARE_YOU]
    labels = labels_of(*themes)

    assert NO_PHRASE not in labels
    assert len(set(labels)) == len(labels), labels
    for label, theme in zip(labels, themes, strict=True):
        assert found_in(label, theme) >= 1, label


def test_the_fallback_labels_are_the_same_for_the_same_input() -> None:
    themes = [REPEAT_THAT, REPEAT_THAT, HOW_ARE_YOU, HOW_ARE_YOU, OTHER]

    assert labels_of(*themes) == labels_of(*themes)


LOOKS = ["looks like rain", "it looks like snow", "looks like a storm", "it looks like fog"]


def test_a_fallback_label_never_opens_or_closes_with_a_stance_or_motion_verb() -> None:
    labels = labels_of(LOOKS, OTHER)

    assert labels[0] != NO_PHRASE
    assert not {"looks", "like"} & set(labels[0].split()), labels[0]
    assert found_in(labels[0], LOOKS) >= 1


PLANS = ["plan a party", "can you plan a trip", "help me plan a dinner", "we should plan a picnic"]


def test_a_fallback_label_never_closes_on_an_article_or_a_preposition() -> None:
    labels = labels_of(PLANS, OTHER)

    assert labels[0] != NO_PHRASE
    assert labels[0].split()[-1] not in {"a", "to", "of"}, labels[0]
    assert found_in(labels[0], PLANS) >= 1
