"""Cleaning before meaning: what embeddings and labels must not see, and what has no content at all."""

from __future__ import annotations

import pytest

from askwhy.analysis.cleaning import clean_for_meaning, has_content


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("@AcmeSupport my parcel never arrived", "my parcel never arrived"),
        ("see https://t.co/abc123 and www.example.com/x now", "see and now"),
        ("fish &amp; chips were cold &#39;again&#39;", "fish & chips were cold 'again'"),
        ("#LateDelivery again", "late delivery again"),
        ("soooooo slowwww!!!!!", "soo sloww!!"),
        ("Acme lost my bag, acme never called", "lost my bag, never called"),
    ],
)
def test_handles_urls_entities_hashtags_elongations_and_brands_are_cleaned(raw: str, cleaned: str) -> None:
    assert clean_for_meaning(raw, brand_terms=["Acme"]) == cleaned


def test_emoji_are_spelled_out_as_a_sentiment_signal_or_dropped_on_request() -> None:
    assert clean_for_meaning("late again 😡") == "late again pouting face"
    assert clean_for_meaning("late again 😡👍🏽", emoji=False) == "late again"


@pytest.mark.parametrize(
    "fragment",
    [
        "thanks!",
        "Thank you so much",
        "ok",
        "no",
        "@AcmeSupport",
        "hi there",
        "👍",
        "yes please",
        "lol",
        "Acme",
    ],
)
def test_content_free_fragments_are_recognised(fragment: str) -> None:
    assert not has_content(fragment, brand_terms=["Acme"])


@pytest.mark.parametrize(
    "fragment",
    ["the parcel was late", "refund please", "rude agent", "thanks for the quick refund", "runs large"],
)
def test_fragments_with_something_to_code_have_content(fragment: str) -> None:
    assert has_content(fragment)
