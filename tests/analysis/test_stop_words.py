"""askwhy's English stop words are scikit-learn's list, kept without importing scikit-learn."""

from __future__ import annotations

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as SCIKIT_LEARNS

from askwhy.analysis.stop_words import ENGLISH_STOP_WORDS


def test_the_english_stop_words_are_scikit_learns() -> None:
    assert ENGLISH_STOP_WORDS == SCIKIT_LEARNS
