"""A theme's label names its topic, not the opinion every theme shares ("love this tunic" → tunic)."""

from __future__ import annotations

import pytest

from tests.analysis.theme_labels import labels_of

TUNIC = [
    "love this tunic, the colour is lovely",
    "I love this tunic with leggings",
    "love this tunic so much",
    "love this tunic for work",
    "really love this tunic",
]
JEANS = [
    "love these jeans, they stretch well",
    "I love these jeans with boots",
    "love these jeans so much",
    "love these jeans for the weekend",
    "really love these jeans",
]
SWEATER = [
    "love this sweater, so cosy",
    "I love this sweater with a scarf",
    "love this sweater so much",
    "love this sweater for the office",
    "really love this sweater",
]
CUTE_BLOUSE = [
    "super cute blouse for summer",
    "such a super cute blouse",
    "super cute blouse, runs small",
    "bought the super cute blouse in red",
]
CUTE_DRESS = [
    "super cute dress for a wedding",
    "a super cute dress",
    "super cute dress, runs small",
    "bought the super cute dress in blue",
]
WAIST = [
    "the waist is perfect",
    "waist is perfect for me",
    "honestly the waist is perfect",
    "waist is perfect and so is the hem",
]
LENGTH = [
    "the length is perfect",
    "length is perfect for me",
    "honestly the length is perfect",
    "length is perfect and so is the hem",
]
ZIPPER = [
    "the zipper is awful",
    "zipper is awful, it sticks",
    "honestly the zipper is awful",
    "zipper is awful and so is the hem",
]
LINING = [
    "the lining is awful",
    "lining is awful, it itches",
    "honestly the lining is awful",
    "lining is awful and so is the hem",
]
SHIRT_FIT = [
    "a question on shirt fit",
    "the shirt fit, again",
    "shirt fit",
    "about the shirt fit",
]
JACKET_FIT = [
    "a question on jacket fit",
    "the jacket fit, again",
    "jacket fit",
    "about the jacket fit",
]
RUDE = [
    "rude support agent hung up on me",
    "a rude support agent again",
    "the rude support agent would not listen",
    "rude support agent, no help at all",
]
DELIVERY = [
    "late delivery with no tracking",
    "another late delivery this month",
    "the late delivery ruined the weekend",
    "late delivery again and no call",
]
SIZING = [
    "this dress runs large, order a size down",
    "runs large in the waist",
    "the skirt runs large so I exchanged it",
    "sweater runs large and long",
]
REFUND = [
    "my refund never arrived",
    "refund never arrived after three weeks",
    "the refund never arrived, still waiting",
    "a refund never arrived for the return",
]


@pytest.mark.parametrize(
    ("themes", "expected"),
    [
        # Every theme opens with the same praise: the label is the garment.
        ((TUNIC, JEANS, SWEATER), ["tunic", "jeans", "sweater"]),
        # A leading intensifier and opinion ("super cute") are shared by both themes.
        ((CUTE_BLOUSE, CUTE_DRESS), ["blouse", "dress"]),
        # A trailing opinion ("is perfect") is dropped, the part it praises stays.
        ((WAIST, LENGTH), ["waist", "length"]),
        # A negative opinion every theme shares is dropped too.
        ((ZIPPER, LINING), ["zipper", "lining"]),
    ],
)
def test_an_opinion_every_theme_shares_does_not_open_or_close_a_label(
    themes: tuple[list[str], ...], expected: list[str]
) -> None:
    assert labels_of(*themes) == expected


def test_a_word_the_lexicon_rates_only_slightly_is_no_opinion() -> None:
    # VADER rates "fit" 1.5 (fit and healthy): in "shirt fit" it is the topic.
    assert labels_of(SHIRT_FIT, JACKET_FIT) == ["shirt fit", "jacket fit"]


def test_an_opinion_only_one_theme_voices_stays_in_its_label() -> None:
    # "rude" is what sets the theme apart from delivery, sizing and refunds: it is the topic.
    assert labels_of(RUDE, DELIVERY, SIZING, REFUND) == [
        "rude support agent",
        "late delivery",
        "runs large",
        "refund never arrived",
    ]


def test_topic_labels_occur_verbatim_in_at_least_three_of_their_theme_texts_and_differ() -> None:
    themes = (TUNIC, JEANS, SWEATER, CUTE_BLOUSE, CUTE_DRESS, WAIST, LENGTH)
    labels = labels_of(*themes)

    assert len(set(labels)) == len(labels)
    for label, theme in zip(labels, themes, strict=True):
        assert sum(label in text.lower() for text in theme) >= 3, label


def test_topic_labels_are_the_same_for_the_same_input() -> None:
    assert labels_of(TUNIC, JEANS, SWEATER, ZIPPER, LINING) == labels_of(
        TUNIC, JEANS, SWEATER, ZIPPER, LINING
    )


HOW_LONG = [
    "how long does a transfer take",
    "how long does a transfer take to arrive",
    "how long does it take for a transfer",
    "how long does the bank transfer take",
]
WHATS_GOING_ON = [
    "what's going on with my card payment",
    "what's going on, my card payment failed",
    "what's going on with the card payment i made",
    "my card payment, what's going on",
]
CARD_ORDER = [
    "i ordered a new card last week",
    "when will the new card i ordered arrive",
    "still waiting for the new card",
    "where is the new card i ordered",
]


def test_a_label_neither_opens_nor_closes_with_an_auxiliary_or_a_contracted_function_word() -> None:
    # "long does" and "what's going" are the fragments a question opens with, not its topic.
    labels = labels_of(HOW_LONG, WHATS_GOING_ON, CARD_ORDER)
    fragments = {"what's", "does", "did"}
    for label in labels:
        assert label.split()[0] not in fragments, label
        assert label.split()[-1] not in fragments, label
    assert labels[1] == "card payment"


OH_MAN = [
    "oh man the delivery was late again",
    "oh man, late delivery again",
    "oh man my delivery was late",
    "the delivery was late, oh man",
]
SHES = [
    "shes the best support agent",
    "the support agent was great, shes kind",
    "shes a lovely support agent",
    "shes the support agent who helped",
]


def test_a_reaction_or_a_contraction_typed_without_its_apostrophe_is_no_topic() -> None:
    labels = labels_of(OH_MAN, SHES, CARD_ORDER)
    assert labels[:2] == ["delivery was late", "support agent"]
