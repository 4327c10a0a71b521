"""Language detection: clear texts get their language, short or unclear ones "und"."""

from __future__ import annotations

import pytest

from askwhy.analysis.language import UNDETERMINED, detect_language


@pytest.mark.parametrize(
    "text",
    [
        "The parcel arrived two weeks late and support never answered",
        "the dress is perfect",
        "It was fine.",
        "Lovely fit, great quality, I will buy again",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "El paquete llegó tarde y nadie respondió",
        "la talla es perfecta",
        "Muy mal servicio, nunca más",
        "no me gusta",
        "¿por qué?",
    ],
)
def test_spanish(text: str) -> None:
    assert detect_language(text) == "es"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Obrigado pela entrega rápida", "pt"),
        ("Lieferung war zu spät", "de"),
        ("La livraison était en retard", "fr"),
    ],
)
def test_other_supported_languages(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "ok", "thanks", "10", "9/10", "👍", "idk", "meh", "hola", "?!"])
def test_short_or_wordless_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


def test_placeholders_and_numbers_are_not_evidence() -> None:
    assert detect_language("[email] [phone] 12345 https://northwind.com/returns") == UNDETERMINED


def test_returns_a_two_letter_code_or_und() -> None:
    code = detect_language("Das Kleid passt gut und die Qualität ist hervorragend")
    assert code == "de"
    assert len(code) == 2
