"""The unit of meaning: a conversation's answer read with its question; ideas split only when several."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from askwhy.analysis.answers import Answer, Topic, answers_in_context
from askwhy.analysis.embeddings import HashingEmbedder, Vectors
from askwhy.analysis.enrichment import Enricher
from askwhy.analysis.guide_themes import guide_prefix, is_guide_theme, seed_texts, seed_theme_id
from askwhy.analysis.sentences import idea_units

LATE = Topic("g1-late-delivery", "late delivery")


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("Two weeks", [("answer", "Two weeks")]),
        (
            "Terrible. The parcel came two weeks late.",
            [("answer", "Terrible. The parcel came two weeks late.")],
        ),
        (
            "The parcel came late. The agent was rude.",
            [("sentence", "The parcel came late."), ("sentence", "The agent was rude.")],
        ),
        ("fast delivery but rude support", [("clause", "fast delivery"), ("clause", "rude support")]),
        ("Thanks but the box was crushed", [("answer", "Thanks but the box was crushed")]),
        ("It came late. Thanks!", [("answer", "It came late. Thanks!")]),
        ("Great price. The fit is odd.", [("sentence", "Great price."), ("sentence", "The fit is odd.")]),
    ],
)
def test_an_answer_splits_only_where_it_carries_several_ideas(
    text: str, units: list[tuple[str, str]]
) -> None:
    assert idea_units(text, whole="answer") == units


def test_a_probes_answer_belongs_to_the_topic_it_probes_and_follow_ups_keep_it() -> None:
    answers = [
        {"question": "metric", "text": "3"},
        {"question": "why", "text": "the parcel was late"},
        {"question": "probe:theme:late-delivery", "text": "two weeks"},
        {"question": "probe:impact", "text": "a lot, it was a gift"},
        {"question": "probe:anything_else", "text": "the app is slow"},
        {"question": "close_the_loop", "text": "yes"},
    ]
    read = answers_in_context(answers, {"late-delivery": LATE})
    assert [(a.text, a.topic) for a in read] == [
        ("3", None),
        ("the parcel was late", None),
        ("two weeks", LATE),
        ("a lot, it was a gift", LATE),
        ("the app is slow", None),
    ]
    assert read[2].context == "late delivery"


def test_a_probe_on_a_theme_the_codebook_lacks_has_no_topic() -> None:
    read = answers_in_context([{"question": "probe:theme:gone", "text": "two weeks"}], {})
    assert read[0].topic is None


def test_guide_theme_ids_are_stable_per_guide_and_key_and_fit_the_column() -> None:
    first = seed_theme_id("post-checkout", "late-delivery")
    assert first == seed_theme_id("post-checkout", "late-delivery")
    assert first != seed_theme_id("support-call", "late-delivery")
    assert first.startswith(guide_prefix("post-checkout"))
    assert first.endswith("late-delivery")
    long_key = seed_theme_id("post-checkout", "a-very-long-theme-key-that-goes-on-and-on")
    assert len(long_key) == 32
    assert long_key != seed_theme_id("post-checkout", "a-very-long-theme-key-that-goes-on-and-ON")
    assert is_guide_theme(first)
    assert not is_guide_theme("0f" * 16), "a discovered theme's hex id is never a guide theme's"


def test_a_guide_themes_centre_reads_its_labels_and_keywords_once() -> None:
    assert seed_texts(["late delivery"], ["late", "deliver*", "late", " "]) == [
        "late delivery",
        "late",
        "deliver",
    ]


class _Recording:
    """An embedder that remembers what it read, over the hashing embedder."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.read: list[str] = []

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.read.extend(texts)
        return self.inner.encode(texts)


class _Scorer:
    def __init__(self) -> None:
        self.read: list[str] = []

    def score(self, texts: Sequence[str], vectors: Vectors) -> list[tuple[str, float]]:
        self.read.extend(texts)
        return [("neutral", 0.0) for _ in texts]


def test_an_answer_is_coded_with_its_topic_but_scored_on_its_own_words() -> None:
    embedder, scorer = _Recording(), _Scorer()
    enricher = Enricher(embedder, sentiment=scorer)
    [result] = enricher.enrich_answers([[Answer("7"), Answer("two weeks", LATE)]])
    assert result.text == "7\ntwo weeks"
    assert [(s.kind, s.text, s.topic) for s in result.sentences] == [
        ("answer", "7", None),
        ("answer", "two weeks", LATE.theme_id),
    ]
    assert "late delivery: two weeks" in embedder.read
    assert scorer.read == ["7", "two weeks"]
    in_context = embedder.inner.encode(["late delivery: two weeks"])[0]
    assert np.allclose(result.sentences[1].vector, in_context)
