"""A transcriber that reads its transcript from the audio bytes: the fake for tests and demos.

A "recording" is the text ``SPEECH <language> <confidence>\\n<words>``; anything else is
unreadable, and ``SPEECH en 0`` with no words is silence. No model, no decoding.
"""

from __future__ import annotations

from askwhy.analysis.speech import Transcript, TranscriptionFailed

PREFIX = b"SPEECH "


def recording(words: str, *, language: str = "en", confidence: float = 0.9) -> bytes:
    """The bytes the scripted transcriber hears as ``words``."""
    return PREFIX + f"{language} {confidence}\n{words}".encode()


class ScriptedTranscriber:
    """Hears what `recording` wrote; ``heard`` lists every recording it was given."""

    def __init__(self) -> None:
        self.heard: list[bytes] = []

    def transcribe(self, audio: bytes, *, language_hint: str | None) -> Transcript:
        """The scripted words, language and confidence; `TranscriptionFailed` for other bytes."""
        self.heard.append(audio)
        if not audio.startswith(PREFIX):
            raise TranscriptionFailed("not a recording the scripted transcriber knows")
        head, _, words = audio.decode("utf-8", "replace").partition("\n")
        try:
            _, language, confidence = head.split(" ")
            sure = float(confidence)
        except ValueError as exc:
            raise TranscriptionFailed(f"malformed scripted recording header {head!r}") from exc
        text = words.strip()
        return Transcript(
            text=text, language=language if text else None, confidence=sure if text else 0.0, seconds=1.0
        )
