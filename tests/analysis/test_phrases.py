"""Theme labels are short phrases from the theme's own texts: central, distinctive, distinct, clean."""

from __future__ import annotations

import itertools

import numpy as np

from askwhy.analysis.phrases import NO_PHRASE, label_themes

SIZING = [
    "this dress runs large, order a size down",
    "runs large in the waist",
    "beautiful top but it runs large",
    "the skirt runs large so I exchanged it",
    "sweater runs large and long",
]
DELIVERY = [
    "my late delivery ruined the weekend",
    "late delivery again and no call",
    "Acme sent a late delivery with no tracking",
    "the parcel was a late delivery, Acme never said sorry",
    "another late delivery this month",
]
PRAISE = [
    "thank you for the worst experience ever",
    "thank you for nothing, awful support agent",
    "awful support agent hung up on me",
    "the support agent was awful and rude",
]


def groups(*sizes: int) -> list[np.ndarray]:
    starts = np.cumsum([0, *sizes])
    return [np.arange(a, b) for a, b in itertools.pairwise(starts)]


def test_a_label_is_a_phrase_found_in_at_least_three_of_its_theme_texts() -> None:
    texts = SIZING + DELIVERY
    labels, _ = label_themes(texts, groups(5, 5), np.ones(len(texts)))

    assert labels == ["runs large", "late delivery"]
    for label, members in zip(labels, groups(5, 5), strict=True):
        assert sum(label in texts[i].lower() for i in members) >= 3


def test_brand_names_never_make_a_label() -> None:
    texts = [t.replace("late delivery", "Acme delivery") for t in DELIVERY]
    labels, _ = label_themes(texts, groups(5), np.ones(5), brand_terms=["Acme"])

    assert "acme" not in labels[0]


def test_labels_are_never_duplicated_and_siblings_with_one_best_phrase_share_it() -> None:
    texts = SIZING + SIZING
    labels, _ = label_themes(texts, groups(5, 5), np.ones(10))
    assert labels[0] == "runs large"
    assert labels[1] != labels[0]

    merged, _ = label_themes(texts, groups(5, 5), np.ones(10), families=[0, 0])
    assert merged == ["runs large", "runs large"]


def test_a_label_does_not_contradict_its_theme_sentiment() -> None:
    labels, ranked = label_themes(PRAISE, groups(4), np.ones(4), moods=[-0.8])

    assert "thank" not in labels[0]
    assert labels[0] != NO_PHRASE
    assert all(phrase.text != "thank you" for phrase in ranked[0])


def test_themes_with_no_shared_phrase_still_get_distinct_labels_from_their_texts() -> None:
    texts = ["why is the sky blue", "cats sleep all day", "what a match", "rain again today"]
    labels, _ = label_themes(texts, groups(2, 2), np.array([1.0, 0.5, 1.0, 0.5]))

    # No phrase recurs, so each theme is named by the opening words of its most central text,
    # from the first word that may open a label ("why is the sky blue" → "sky blue"); a text left
    # with one word ("what a match") gives way to the next.
    assert labels == ["sky blue", "rain again today"]
