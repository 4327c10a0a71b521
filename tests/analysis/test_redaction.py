"""Redaction: what is caught, what is kept, the checksums behind it, and its speed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from askwhy.analysis.redaction import (
    Redaction,
    carries_secret,
    is_card_number,
    is_valid_iban,
    luhn_valid,
    redact,
)

CORPUS: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "redaction_corpus.yaml").read_text())


@pytest.mark.parametrize("case", CORPUS, ids=[case["text"][:40] or "empty" for case in CORPUS])
def test_corpus_case_is_redacted_as_expected(case: dict[str, Any]) -> None:
    result = redact(case["text"], default_region=case.get("region", "US"))
    assert result.text == case["expect"]


def test_corpus_is_large_and_covers_every_kind() -> None:
    assert len(CORPUS) >= 35
    joined = " ".join(case["expect"] for case in CORPUS)
    for placeholder in ("[email]", "[phone]", "[card]", "[iban]", "[link]"):
        assert placeholder in joined


def test_counts_each_kind_found() -> None:
    result = redact("a@b.com, c@d.org, call (415) 555-2671, card 4111 1111 1111 1111")
    assert result == Redaction(
        "[email], [email], call [phone], card [card]", {"email": 2, "phone": 1, "card": 1}
    )


def test_nothing_found_gives_the_text_back_and_no_counts() -> None:
    assert redact("The dress runs small") == Redaction("The dress runs small", {})


def test_redaction_is_immutable() -> None:
    result = redact("x")
    with pytest.raises(AttributeError):
        result.text = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),  # Visa test number
        ("4111111111111112", False),  # one digit off
        ("79927398713", True),  # the classic Luhn example
        ("79927398710", False),
        ("0", True),
        ("", False),
        ("12a4", False),
    ],
)
def test_luhn_checksum(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("candidate", "is_card"),
    [
        ("4111 1111 1111 1111", True),
        ("4111-1111-1111-1111", True),
        ("378282246310005", True),  # 15-digit Amex
        ("4222222222222", True),  # 13 digits
        ("6011000990139424", True),
        ("79927398713", False),  # Luhn-valid but 11 digits: too short for a card
        ("00000000000000000", False),  # Luhn-valid but a filler, not a card
        ("4111 1111 1111 1112", False),
        ("12345678901234567890", False),  # 20 digits
    ],
)
def test_card_numbers_need_length_and_luhn(candidate: str, is_card: bool) -> None:
    assert is_card_number(candidate) is is_card


@pytest.mark.parametrize(
    ("candidate", "valid"),
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("DE89370400440532013000", True),
        ("de89370400440532013000", True),  # lower case typed by a customer
        ("GB82 WEST 1234 5698 7654 32", True),
        ("NL91ABNA0417164300", True),
        ("DE88 3704 0044 0532 0130 00", False),  # wrong check digits
        ("DE89 3704 0044 0532 0130 01", False),  # one account digit off
        ("DE89370400", False),  # too short
        ("1289370400440532013000", False),  # no country code
        ("DE89 3704 0044 0532 0130 00 12", False),  # extra digits break mod-97
    ],
)
def test_iban_validity(candidate: str, valid: bool) -> None:
    assert is_valid_iban(candidate) is valid


def test_iban_followed_by_capitals_keeps_the_word() -> None:
    assert redact("DE89 3704 0044 0532 0130 0012 THEN ok").text.endswith("ok")
    assert redact("GB82 WEST 1234 5698 7654 32 PLEASE").text == "[iban] PLEASE"


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("https://northwind.com/returns", False),
        ("https://northwind.com/orders?id=123&lang=en", False),
        ("https://northwind.com/blog/how-to-choose-the-right-size", False),  # long but readable
        ("https://x.com/r?token=abc", True),
        ("https://x.com/r?reset_token=abc", True),
        ("https://x.com/r?api_key=abc", True),
        ("https://x.com/r?Signature=abc", True),
        ("https://x.com/r?token=", False),  # no value, nothing to leak
        ("https://x.com/i/8f14e45fceea167a5a36dedd4bea2543", True),
        ("https://user:pass@x.com/", True),
    ],
)
def test_links_with_secrets(url: str, secret: bool) -> None:
    assert carries_secret(url) is secret


def test_phone_region_reads_national_numbers() -> None:
    assert redact("llama al 612 345 678", default_region="ES").found == {"phone": 1}
    assert redact("llama al 612 345 678", default_region="US").found == {}


def test_typical_sentence_takes_under_a_fifth_of_a_millisecond() -> None:
    sentence = "The parcel arrived two weeks late, order #A-77812, and support never answered my emails."
    redact(sentence)
    best = min(_seconds_per_call(sentence, calls=300) for _ in range(5))
    assert best < 0.2e-3


def _seconds_per_call(text: str, *, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        redact(text)
    return (time.perf_counter() - started) / calls
