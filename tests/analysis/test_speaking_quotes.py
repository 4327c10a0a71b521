"""Quotes that speak: content-bearing, no two alike in words or meaning, entities decoded, handles gone."""

from __future__ import annotations

import numpy as np

from askwhy.analysis.cleaning import readable_quote
from askwhy.analysis.quotes import NEAR_DUPLICATE, representative, speaking_quotes


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_a_quote_reads_as_written_without_entities_or_handles() -> None:
    assert readable_quote("@NorthwindHelp the box &amp; the bag were crushed &gt;:(") == (
        "the box & the bag were crushed >:("
    )
    assert readable_quote("Call me on [phone] please @bob") == "Call me on [phone] please"


def test_quotes_skip_the_content_free_and_the_near_duplicates_in_meaning() -> None:
    texts = [
        "The parcel came two weeks late",
        "thanks @northwind",
        "the parcel came two weeks late!!",
        "My parcel arrived two weeks after the date",
        "Nobody told me where the parcel was",
    ]
    vectors = [_unit(1, 0, 0), _unit(0, 0, 1), _unit(1, 0.01, 0), _unit(1, 0.6, 0), _unit(0, 1, 0)]
    assert speaking_quotes(texts, vectors, k=5, near_duplicate=NEAR_DUPLICATE) == [0, 3, 4]
    assert speaking_quotes(texts, vectors, k=2, near_duplicate=NEAR_DUPLICATE) == [0, 3]


def test_quotes_of_another_model_are_compared_by_words_only() -> None:
    texts = ["The parcel came late", "The parcel came late.", "The agent was rude to me"]
    vectors = [_unit(1, 0), _unit(1, 0, 0), _unit(0, 1, 0)]
    assert speaking_quotes(texts, vectors, k=3, near_duplicate=NEAR_DUPLICATE) == [0, 2]


def test_representative_quotes_prefer_content_to_a_central_thank_you() -> None:
    texts = [
        "thank you so much guys, cheers!!!",
        "the delivery was three days late",
        "delivery late again, no update",
    ]
    vectors = np.stack([_unit(1, 0), _unit(0.9, 0.3), _unit(0.6, 0.8)])
    chosen = representative(vectors, _unit(1, 0), texts, k=2, near_duplicate=NEAR_DUPLICATE)
    assert chosen[0] == 1
    assert 0 not in chosen
