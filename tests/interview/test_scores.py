"""Reading scores from what customers actually type."""

from __future__ import annotations

import pytest

from askwhy.domain.scales import SCALES, Metric
from askwhy.interview.scores import is_score_talk, read_score

NPS_REPLIES = [
    ("9", 9),
    ("nine", 9),
    ("Nine", 9),
    ("NINE!!", 9),
    ("nueve", 9),
    ("9/10", 9),
    ("10/10 would buy again", 10),
    ("a solid 8", 8),
    ("10!!!", 10),
    ("zero", 0),
    ("cero", 0),
    ("0", 0),
    ("8.5", 8),  # decimals round half down
    ("8,5", 8),
    ("8.6", 9),
    ("7 or 8", 7),  # a range takes the lower value
    ("7-8", 7),
    ("7 - 8", 7),
    ("7–8", 7),
    ("seven or eight", 7),
    ("between 7 and 8", 7),
    ("entre 7 y 8", 7),
    ("I'd say 9 out of 10", 9),
    ("Nine out of ten", 9),
    ("diez de diez", 10),
    ("9️⃣", 9),
    ("\U0001f51f", 10),
    ("nien", 9),  # typo
    ("un 8", 8),
    ("le doy un 7", 7),
    ("ocho y medio", 8),
    ("eight and a half", 8),
    ("  6  ", 6),
    ("6.", 6),
    ("score: 3", 3),
    ("it's a 7 I guess", 7),
    ("4/5", 8),  # another scale's top: rescaled to 0-10
    ("one", 1),
    ("8, the parcel was late", 8),
    ("11", None),
    ("-3", None),
    ("100", None),
    ("banana", None),
    ("", None),
    ("!!!", None),
    ("😀👍", None),
    ("the one I ordered was fine", None),
    ("9" * 5000, None),
]


@pytest.mark.parametrize(("reply", "expected"), NPS_REPLIES)
def test_reads_nps_replies(reply: str, expected: int | None) -> None:
    assert read_score(reply, SCALES[Metric.NPS]).value == expected


@pytest.mark.parametrize(
    ("metric", "reply", "expected"),
    [
        (Metric.CSAT, "5 stars", 5),
        (Metric.CSAT, "one star", 1),
        (Metric.CSAT, "4 de 5", 4),
        (Metric.CSAT, "cinco", 5),
        (Metric.CSAT, "3/5", 3),
        (Metric.CSAT, "0", None),
        (Metric.CSAT, "6", None),
        (Metric.CES, "7", 7),
        (Metric.CES, "siete", 7),
        (Metric.CES, "6 out of 7", 6),
        (Metric.CES, "8", None),
    ],
)
def test_reads_other_scales(metric: Metric, reply: str, expected: int | None) -> None:
    assert read_score(reply, SCALES[metric]).value == expected


def test_a_number_off_the_scale_is_found_but_gives_no_score() -> None:
    reading = read_score("11", SCALES[Metric.NPS])
    assert reading.found
    assert reading.value is None


def test_nonsense_has_no_number() -> None:
    assert not read_score("banana", SCALES[Metric.NPS]).found


@pytest.mark.parametrize(("choice", "expected"), [("9", 9), ("0", 0), ("11", None)])
def test_a_tapped_choice_counts(choice: str, expected: int | None) -> None:
    assert read_score("", SCALES[Metric.NPS], choice_id=choice).value == expected


@pytest.mark.parametrize(
    ("reply", "rest"),
    [
        ("8, the parcel was late", "the parcel was late"),
        ("Un 9, el envío llegó tarde", "Un, el envío llegó tarde"),
        ("9️⃣", ""),
        ("I'd say 9 out of 10", "I'd say"),
    ],
)
def test_remainder_is_the_reply_without_the_score(reply: str, rest: str) -> None:
    assert read_score(reply, SCALES[Metric.NPS]).remainder(reply) == rest


@pytest.mark.parametrize(
    ("rest", "expected"), [("I'd say", True), ("a solid", True), ("the box was crushed", False)]
)
def test_score_talk_is_not_a_reason(rest: str, expected: bool) -> None:
    assert is_score_talk(rest) is expected
