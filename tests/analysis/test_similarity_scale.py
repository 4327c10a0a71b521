"""Thresholds relative to the model: the default model's unchanged, another model's measured."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from askwhy.analysis.embeddings import SentenceTransformerEmbedder, Vectors
from askwhy.analysis.similarity_scale import (
    CALIBRATION_TOPICS,
    DEFAULT_SCALE,
    PARAPHRASES,
    REFERENCE_PARAPHRASE,
    REFERENCE_UNRELATED,
    SimilarityScale,
    measure_scale,
)
from askwhy.bootstrap import Container
from askwhy.insights.code_responses import AssignmentRule


class TopicEmbedder:
    """Puts every calibration text on its topic's axis plus a shared axis, so that any two texts
    on different topics have a cosine of exactly `shared` (and a topic's texts are identical)."""

    dimension = len(CALIBRATION_TOPICS) + 1

    def __init__(self, shared: float) -> None:
        self.topic = {text: i for i, pair in enumerate(CALIBRATION_TOPICS) for text in pair}
        self.topic |= {text: i for i, text in enumerate(PARAPHRASES)}
        self.shared = shared

    def encode(self, texts: Sequence[str]) -> Vectors:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            row[0] = np.sqrt(self.shared)
            row[1 + self.topic[text]] = np.sqrt(1 - self.shared)
        return rows


def test_the_default_model_keeps_its_thresholds(container: Container) -> None:
    assert container.similarity_scale is DEFAULT_SCALE
    assert container.assignment_rule == AssignmentRule(threshold=0.5, margin=0.08, max_themes=3, strong=0.8)
    assert DEFAULT_SCALE.threshold(0.37) == 0.37
    assert DEFAULT_SCALE.difference(0.08) == 0.08


def test_a_model_whose_unrelated_texts_sit_high_gets_thresholds_as_high_and_margins_as_narrow() -> None:
    scale = SimilarityScale(unrelated=0.82)
    assert scale.threshold(REFERENCE_UNRELATED) == pytest.approx(0.82)
    assert scale.threshold(1.0) == pytest.approx(1.0)
    assert 0.82 < scale.threshold(0.5) < scale.threshold(0.8) < 1.0
    assert scale.difference(0.08) == pytest.approx(0.08 * 0.18 / (1 - REFERENCE_UNRELATED))


def test_the_scale_is_the_median_cosine_of_calibration_texts_on_different_topics() -> None:
    assert measure_scale(TopicEmbedder(shared=0.75)).unrelated == pytest.approx(0.75, abs=1e-4)
    assert measure_scale(TopicEmbedder(shared=0.2)).unrelated == pytest.approx(0.2, abs=1e-4)
    assert measure_scale(TopicEmbedder(shared=0.2)).paraphrase == pytest.approx(1.0, abs=1e-4)


def test_the_default_model_keeps_its_near_duplicate_level() -> None:
    assert DEFAULT_SCALE.near_duplicate(0.9) == 0.9


def test_a_near_duplicate_level_keeps_its_place_between_the_paraphrase_level_and_identity() -> None:
    scale = SimilarityScale(unrelated=0.82, paraphrase=0.97)
    assert scale.near_duplicate(REFERENCE_PARAPHRASE) == pytest.approx(0.97)
    assert scale.near_duplicate(1.0) == pytest.approx(1.0)
    assert scale.near_duplicate(REFERENCE_UNRELATED) == pytest.approx(0.82)
    halfway = (1.0 + REFERENCE_PARAPHRASE) / 2
    assert scale.near_duplicate(halfway) == pytest.approx(0.985)
    # The unrelated map alone would put 0.9 above most of this model's paraphrases.
    assert scale.near_duplicate(0.9) < scale.threshold(0.9)


@pytest.mark.slow
def test_the_reference_level_is_the_default_models_own_measured_level() -> None:
    measured = measure_scale(SentenceTransformerEmbedder(cache_size=0))
    assert measured.unrelated == pytest.approx(REFERENCE_UNRELATED, abs=0.002)
    assert measured.paraphrase == pytest.approx(REFERENCE_PARAPHRASE, abs=0.002)
