"""Theme ids follow what a theme is about, not which of two near-tied phrases became its label."""

from __future__ import annotations

import numpy as np

from askwhy.analysis.discovery import discover_codebook
from askwhy.analysis.theme_ids import content_words, sibling_ids, signatures, theme_id

FILLERS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
]
TEXTS = [
    # A refund theme: every text says "refund", the phrases around it vary.
    *[f"I requested a refund for {w}" for w in FILLERS[:6]],
    *[f"I would like a refund please, {w}" for w in FILLERS[6:]],
    # Two card themes whose only shared word is "card", their most distinctive one.
    *[f"card {w}" for w in FILLERS[:6]],
    *[f"card {w}" for w in FILLERS[6:]],
    *[f"how to reset the passcode, {w}" for w in FILLERS[:6]],
]
GROUPS = [list(range(0, 12)), list(range(12, 18)), list(range(18, 24)), list(range(24, 30))]
VOCABULARY = [content_words(t) for t in TEXTS]
EVERYTHING = range(len(TEXTS))


def test_a_theme_keeps_its_id_whichever_near_tied_phrase_labels_it() -> None:
    labels = ["requested a refund", "new card", "card payment", "reset the passcode"]
    relabelled = ["like a refund", "new card", "card payment", "reset my passcode"]

    ids = sibling_ids(GROUPS, EVERYTHING, VOCABULARY, labels=labels)
    again = sibling_ids(GROUPS, EVERYTHING, VOCABULARY, labels=relabelled)

    assert ids == again
    assert ids[0] != theme_id("requested a refund")


def test_siblings_sharing_their_first_word_get_distinct_ids_from_their_labels() -> None:
    labels = ["requested a refund", "new card", "card payment", "reset the passcode"]

    ids = sibling_ids(GROUPS, EVERYTHING, VOCABULARY, labels=labels)
    renamed = sibling_ids(GROUPS, EVERYTHING, VOCABULARY, labels=[*labels[:2], "payment declined", labels[3]])

    assert len(set(ids)) == 4
    # "card" names neither card theme alone, so their labels' words do; the others keep theirs.
    assert renamed[2] != ids[2]
    assert [renamed[i] for i in (0, 1, 3)] == [ids[i] for i in (0, 1, 3)]


def test_ids_do_not_depend_on_the_order_of_siblings_and_hang_on_the_parent() -> None:
    labels = ["requested a refund", "new card", "card payment", "reset the passcode"]
    order = [2, 0, 3, 1]

    ids = sibling_ids(GROUPS, EVERYTHING, VOCABULARY, labels=labels)
    shuffled = sibling_ids(
        [GROUPS[i] for i in order], EVERYTHING, VOCABULARY, labels=[labels[i] for i in order]
    )
    under = sibling_ids(GROUPS, EVERYTHING, VOCABULARY, labels=labels, parent="parent id")

    assert shuffled == [ids[i] for i in order]
    assert not set(under) & set(ids)


def test_content_words_drop_stop_words_and_brand_terms_and_join_inflections() -> None:
    assert content_words("Charged twice by Acme, the charges are wrong", banned=frozenset({"acme"})) == (
        content_words("charge wrong twice")
    )


def test_discovered_ids_stay_when_a_tenth_of_the_texts_is_missing() -> None:
    rng = np.random.default_rng(0)
    topics = ["refund", "delivery", "passcode", "password", "invoice", "coupon"]
    texts = [
        f"{rng.choice(['my', 'the', 'a'])} {topic} {rng.choice(['please', 'again', 'now'])} {i}"
        for i, topic in enumerate(np.repeat(topics, 60))
    ]
    centres = rng.normal(size=(len(topics), 32))
    vectors = np.repeat(centres, 60, axis=0) + rng.normal(scale=0.3, size=(len(texts), 32))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    keep = np.sort(rng.choice(len(texts), int(0.9 * len(texts)), replace=False))

    full = discover_codebook(texts, vectors)
    part = discover_codebook([texts[i] for i in keep], vectors[keep])

    assert len(full.themes) == len(topics)
    assert {t.id for t in full.themes} == {t.id for t in part.themes}


def test_siblings_named_by_their_labels_ignore_stop_words_and_plurals() -> None:
    ranked = [[("card", 1.0)], [("card", 0.9)]]

    names = signatures(ranked, ["new card", "card payment"])

    assert names == signatures(ranked, ["the new cards", "my card payments"])
    assert len(set(names)) == 2
