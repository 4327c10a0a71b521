"""The language a piece of customer text is written in, as an ISO 639-1 code.

py3langid (a naive Bayes model over byte n-grams) restricted to the languages customers of a
typical deployment write in; restricting it keeps short answers from landing in a language nobody
speaks. Answers of one or two words ("ok", "thanks", "10") are mostly not evidence of anything,
so they come back "und" (undetermined) unless the model is very sure.
"""

from __future__ import annotations

import re
import threading
from typing import Any

UNDETERMINED = "und"
LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "nl", "pl", "sv", "da", "tr", "ru", "ar", "zh", "ja")
SHORT_TEXT_WORDS = 3
"""Texts with fewer words than this need SHORT_TEXT_CONFIDENCE to get a language."""
SHORT_TEXT_CONFIDENCE = 0.6
MIN_CONFIDENCE = 0.4

_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\[[a-z]+\]|[\d_]+")
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SPANISH_MARKS = re.compile(r"[¿¡ñ]", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_lock = threading.Lock()
_loaded: list[Any] = []


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`'s language, or "und" when it is too short or unclear to tell."""
    cleaned = _NOISE.sub(" ", text)
    words = _WORDS.findall(cleaned)
    if not words:
        return UNDETERMINED
    language, confidence = _identifier().classify(" ".join(words))
    short = len(words) < SHORT_TEXT_WORDS and not _CJK.search(cleaned)
    if short and language == "es" and _SPANISH_MARKS.search(cleaned):
        return "es"
    if confidence < (SHORT_TEXT_CONFIDENCE if short else MIN_CONFIDENCE):
        return UNDETERMINED
    return str(language)


def language_with_locale(detected: str, *, locale: str | None) -> str:
    """The text's language when it tells one, else the language of the channel's locale.

    A one-word reply ("ok", "gracias", "10") is no evidence, but a conversation on a channel set to
    Spanish is most likely in Spanish, so the locale ("es-MX", "es_MX" or "es") is the prior that
    decides when the text does not. A text that clearly reads as another language keeps its own.
    """
    if detected != UNDETERMINED or not locale:
        return detected
    language = re.split(r"[-_]", locale.strip(), maxsplit=1)[0].lower()
    return language if re.fullmatch(r"[a-z]{2,3}", language) else UNDETERMINED


def load_identifier() -> None:
    """Load the language model now rather than in the first text's detection (an analysis worker
    does it at start, beside the embedding model)."""
    _identifier()


def _identifier() -> Any:
    # Loading takes seconds (the model is xz-compressed), so it happens once, on first use.
    if not _loaded:
        with _lock:
            if not _loaded:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(list(LANGUAGES))
                _loaded.append(identifier)
    return _loaded[0]
