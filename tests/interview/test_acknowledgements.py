"""Acknowledgements over every simulated customer's phrases: whole phrases, safe, fitting the feeling."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from askwhy.interview.acknowledgements import acknowledge
from askwhy.interview.clauses import FUNCTION_WORDS
from askwhy.interview.prepared import prepare
from askwhy.interview.text import fold
from askwhy.interview.understanding import understand
from askwhy.programs.guides import load_guide

ROOT = Path(__file__).resolve().parents[2]
QUOTE = re.compile("\u201c([^\u201d]*)\u201d")


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


@pytest.mark.parametrize("guide_id", ["post-checkout", "support-call", "trial-end"])
def test_every_quote_is_a_whole_safe_phrase(guide_id: str) -> None:
    guide = load_guide(ROOT / "examples" / "guides" / f"{guide_id}.yaml")
    phrases = set(_strings(yaml.safe_load((ROOT / "examples" / "personas" / f"{guide_id}.yaml").read_text())))
    quoted = 0
    for phrase in sorted(phrases):
        for mention in understand(prepare(guide), phrase).mentions:
            for language in ("en", "es"):
                for quote in QUOTE.findall(acknowledge(guide, mention, language)):
                    quoted += 1
                    assert quote.split(), phrase
                    assert fold(quote.split()[-1]) not in FUNCTION_WORDS, (phrase, quote)
                    assert not re.search(r"\d|@|https?:", quote), (phrase, quote)
    assert quoted > 100


@pytest.mark.parametrize(
    ("reply", "language", "opening"),
    [
        ("the parcel arrived crushed", "en", "I'm sorry"),
        ("the courier was lovely", "en", "Glad to hear"),
        ("la caja llegó aplastada", "es", "Siento"),
        ("el repartidor fue muy amable", "es", "Me alegra"),
    ],
)
def test_wording_fits_the_feeling(reply: str, language: str, opening: str) -> None:
    guide = load_guide(ROOT / "examples" / "guides" / "post-checkout.yaml")
    (mention, *_) = understand(prepare(guide), reply).mentions
    assert acknowledge(guide, mention, language).startswith(opening)
