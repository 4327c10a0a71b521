"""A label is a phrase a person would write: no light verb, preposition or hedge at its edges, no
lone verb or pronoun, and never a person's name."""

from __future__ import annotations

import pytest

from askwhy.analysis.person_names import person_names
from tests.analysis.theme_labels import OTHER, labels_of


def theme_around(phrase: str) -> list[str]:
    """Four texts with `phrase`, three of them also saying the parcel went missing: `phrase` is the
    theme's most frequent phrase, "parcel went missing" the runner-up."""
    return [
        f"{phrase} and the parcel went missing",
        f"{phrase}, parcel went missing",
        f"well {phrase} again",
        f"{phrase} today, parcel went missing",
    ]


@pytest.mark.parametrize(
    "fragment",
    [
        "looks like",  # a perception verb and a preposition
        "feel like",
        "like tomorrow",  # "like" opens
        "like to play",
        "like to rsvp",
        "need some help",  # a verb of wanting opens
        "waitress came",  # a verb of coming closes
        "server came",
        "worth the wait",  # a preposition the stop list misses opens
        "long does",  # an auxiliary closes
        "looks a bit",  # a hedge closes
        "like this sweater",
    ],
)
def test_a_fragment_that_opens_or_closes_badly_gives_way_to_the_next_phrase(fragment: str) -> None:
    labels = labels_of(theme_around(fragment), OTHER)

    assert labels[0] == "parcel went missing"


@pytest.mark.parametrize(
    "phrase",
    [
        "runs large",
        "late delivery",
        "rude support agent",
        "refund never arrived",
        "Apple Pay",
        "direct debit",
        "make a transfer",  # a light verb with its object
        "top up limit",  # "top" is in scikit-learn's stop list, yet a topic here
        "top-up failed",  # a hyphenated word as the texts write it
        "phone call",
    ],
)
def test_a_phrase_a_person_would_write_stays_the_label(phrase: str) -> None:
    labels = labels_of(theme_around(phrase), OTHER)

    assert labels[0] == phrase.lower()


LIVE = ["i live here now", "you live only once", "we live far away", "they live next door"]
LIMIT = ["the limit is too low", "my limit was cut", "a limit on cash", "raise the limit please"]
SHES = ["she's here", "she's late", "she's gone", "she's away"]


def test_a_lone_word_is_a_label_only_as_a_noun() -> None:
    labels = labels_of(LIVE, LIMIT, SHES, OTHER)

    assert labels[0] != "live"
    assert labels[1] == "limit"
    assert labels[2] != "she's"


SARAH = [
    "Hello, my name is Sarah Brown and I want to book a table",
    "Hi, I'm Sarah Brown. Can I book a table for two?",
    "This is Sarah Brown, please book a table tonight",
    "Sarah Brown here, I would like to book a table",
]
MORGAN = [
    "I need an appointment with Dr Morgan about my sore throat",
    "Can I see Dr Morgan on Friday? My sore throat is worse",
    "Dr Morgan please, sore throat again",
    "is Dr Morgan free, the sore throat is bad",
]
JOHN = [
    "hello my name is john smith",
    "my name is john smith",
    "hi, my name is john smith",
    "my name is john smith, hello",
]


def test_person_names_are_read_from_titles_introductions_and_capitals() -> None:
    found = person_names([*SARAH, *MORGAN, *JOHN, "I paid with Apple Pay", "apple pay is handy"])

    assert {"sarah", "brown", "morgan", "john", "dr"} <= found
    assert not {"apple", "pay", "friday", "sore", "table"} & found


def test_common_words_after_a_title_or_an_introduction_are_no_names() -> None:
    found = person_names(["My name is wrong on the card", "the name is wrong", "Is Mastercard accepted?"])

    assert not {"wrong", "mastercard"} & found


def test_a_person_name_never_reaches_a_label() -> None:
    labels = labels_of(SARAH, MORGAN, JOHN, OTHER)

    assert labels[:2] == ["book a table", "sore throat"]
    for label in labels:
        assert not {"sarah", "brown", "dr", "morgan", "john", "smith"} & set(label.split()), label


def test_a_placeholder_for_removed_personal_data_is_no_word_of_a_label() -> None:
    texts = ["[NAME] is the best", "love [NAME] so much", "[NAME] is great", "go [NAME] go"]
    labels = labels_of(texts, OTHER)

    assert "name" not in labels[0].split()
