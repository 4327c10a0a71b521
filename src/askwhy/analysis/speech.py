"""Speech to text as a port: what hears a customer's voice note, and what it heard.

Pure types: the adapters (`askwhy.analysis.whisper`, and the scripted fake in
`askwhy.analysis.scripted_speech`) live beside this module, so the core never imports a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Transcript:
    """What a transcriber heard in one recording."""

    text: str
    """The words, stripped; empty when no speech was found."""
    language: str | None
    """The detected language (ISO 639-1), None when nothing was heard."""
    confidence: float
    """0-1: how sure the model is of the words (0 for silence)."""
    seconds: float
    """The recording's length."""

    @property
    def heard(self) -> bool:
        """Whether any words came out of it."""
        return bool(self.text.strip())


class TranscriptionFailed(Exception):
    """The audio could not be decoded or transcribed (a corrupt or unsupported file)."""


class SpeechUnavailable(Exception):
    """The speech engine is not installed; the message says what to install."""


class Transcriber(Protocol):
    """Hears one recording. Slow (about real time on one core): called only on queue workers."""

    def transcribe(self, audio: bytes, *, language_hint: str | None) -> Transcript:
        """The transcript of ``audio`` (any container PyAV decodes: OGG/Opus, AMR, MP3, M4A, WAV);
        raises `TranscriptionFailed` for a file it cannot read."""
        ...
