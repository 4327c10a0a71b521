"""Matching replies to the example guides' themes, and quoting the customer safely."""

from __future__ import annotations

import pytest

from askwhy.domain.guide import Guide
from askwhy.domain.scales import Band
from askwhy.interview.customer_words import customer_words
from askwhy.interview.prepared import prepare
from askwhy.interview.themes import most_important


@pytest.mark.parametrize(
    ("reply", "theme"),
    [
        ("My parcel arrived three days late", "late-delivery"),
        ("defintely late", "late-delivery"),
        ("still waiting for my order!!", "late-delivery"),
        ("el paquete llegó tarde", "late-delivery"),
        ("Way too expensive for what it is", "price"),
        ("demasiado caro", "price"),
        ("the jumper arrived with a hole, really poor quality", "product-quality"),
        ("checkout kept crashing on my phone", "website"),
        ("customer service never replied to my email", "customer-support"),
        ("still no refund after 3 weeks", "returns"),
        ("la devolución fue un lío", "returns"),
        ("so much plastic packaging", "packaging"),
        ("they sent me the wrong size", "wrong-item"),
        ("Super fast DELIVERY", "delivery"),
        ("the courier was lovely", "delivery"),
    ],
)
def test_post_checkout_themes(post_checkout: Guide, reply: str, theme: str) -> None:
    found = [match.theme.id for match in prepare(post_checkout).themes.find(reply)]
    assert theme in found


@pytest.mark.parametrize(
    ("reply", "theme"),
    [
        ("I was on hold for ages", "wait-time"),
        ("me tuvieron en espera media hora", "wait-time"),
        ("they transferred me three times", "transfers"),
        ("the agent didn't know the product", "agent-knowledge"),
        ("very polite and patient", "politeness"),
        ("my problem is still not fixed", "resolution"),
    ],
)
def test_support_call_themes(support_call: Guide, reply: str, theme: str) -> None:
    assert theme in [match.theme.id for match in prepare(support_call).themes.find(reply)]


@pytest.mark.parametrize(
    ("reply", "theme"),
    [
        ("couldn't connect it to Slack", "integrations"),
        ("the setup took me a whole afternoon", "setup"),
        ("la configuración fue confusa", "setup"),
        ("too expensive per seat", "pricing"),
        ("it doesn't have recurring invoices", "missing-features"),
        ("the app kept freezing", "performance"),
        ("the tutorials were great", "onboarding"),
    ],
)
def test_trial_end_themes(trial_end: Guide, reply: str, theme: str) -> None:
    assert theme in [match.theme.id for match in prepare(trial_end).themes.find(reply)]


def test_keywords_match_whole_words_only(post_checkout: Guide) -> None:
    found = [match.theme.id for match in prepare(post_checkout).themes.find("I had chocolate and a latte")]
    assert "late-delivery" not in found


def test_detractors_follow_the_first_problem(post_checkout: Guide) -> None:
    matches = prepare(post_checkout).themes.find("the delivery was late")
    focus = most_important(matches, Band.DETRACTOR)
    assert focus is not None
    assert focus.theme.id == "late-delivery"


def test_promoters_follow_the_first_thing_they_mention(post_checkout: Guide) -> None:
    matches = prepare(post_checkout).themes.find("great prices and the delivery was quick")
    focus = most_important(matches, Band.PROMOTER)
    assert focus is not None
    assert focus.theme.id == "price"


@pytest.mark.parametrize(
    ("reply", "mention", "quote"),
    [
        ("Honestly, the parcel came really late, so annoying", "late", "the parcel came really late"),
        ("el paquete llegó tarde pero bien", "tarde", "el paquete llegó tarde"),
        ("My parcel arrived 3 days late", "late", ""),
        ("call me on +44 7700 900123 about the late parcel", "late", ""),
        ("email me at jo@example.com, the refund never came", "refund", "the refund never came"),
        ("the refund jo@example.com", "refund", ""),
        ("Late!", "Late", ""),
    ],
)
def test_quotes_the_customer_without_personal_data(reply: str, mention: str, quote: str) -> None:
    start = reply.index(mention)
    assert customer_words(reply, start, start + len(mention)) == quote
