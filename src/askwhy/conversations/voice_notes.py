"""Voice notes heard before the interviewer's turn: downloaded, transcribed, stored as text.

`answer_waiting` (on a queue worker, never in a request) hands the conversations it is about to
answer to `unheard_notes` and `hear_notes` before its write transaction: each of their unprocessed
audio messages is fetched from its provider and transcribed with no lock held, then its words become the
message's text (the audio reference, language and confidence in ``payload["voice_note"]``), so
the turn answers it like a typed message. A note that cannot be heard (silence, low confidence,
an unreadable file, no speech engine installed, a failed download) keeps its ``audio`` media
type, and the interviewer politely asks the customer to type, in the conversation's language.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from askwhy.analysis.speech import SpeechUnavailable, Transcriber, Transcript, TranscriptionFailed
from askwhy.channels.media import MediaUnavailable
from askwhy.store import messaging as queries
from askwhy.store.messaging import Unprocessed
from askwhy.store.private_files import private_folder
from askwhy.store.tables import Message

log = logging.getLogger(__name__)

AUDIO = "audio"
FOLDER = "voice-notes"
"""The private folder under data_dir where kept audio lives, one sub-folder per conversation."""


@dataclass(frozen=True)
class Hearing:
    """The ports hearing voice notes uses; built by the composition root from the settings."""

    transcriber: Callable[[], Transcriber]
    """Gives the transcriber, loading its model on first use (on a worker)."""
    fetch: Callable[[str], bytes]
    """Downloads a media id or URL from its provider (`askwhy.channels.media.MediaFetcher`)."""
    folder: Path
    min_confidence: float
    retention: timedelta
    """How long audio is kept after transcription; zero: never written to disk."""
    forget: Callable[[str], None] | None = None
    """Deletes a recorded call answer at its provider once downloaded (askwhy keeps its own copy
    only as long as `retention` says)."""


def is_unheard(message: Unprocessed) -> bool:
    """An audio message not yet through `hear`."""
    return message.media_type == AUDIO and "voice_note" not in message.payload


def unheard_notes(*, session: Session, conversation_ids: Sequence[str]) -> list[Unprocessed]:
    """The unheard voice notes of these conversations, read in the caller's read transaction (the
    one that found them waiting: a transaction of its own for this cost each run of the turns
    about a tenth of its CPU, for voice notes that are rare)."""
    if not conversation_ids:
        return []
    pending = queries.unprocessed_inbound(
        session=session, conversation_ids=conversation_ids, media_type=AUDIO
    )
    return [message for message in pending if is_unheard(message)]


def hear_notes(*, hearing: Hearing, sessions: sessionmaker[Session], notes: Sequence[Unprocessed]) -> int:
    """Transcribe these voice notes (`unheard_notes`), each stored in a transaction of its own;
    returns how many were heard."""
    for note in notes:
        media_type, text, outcome = hear(hearing=hearing, message=note)
        with sessions.begin() as session:
            _store(session=session, message_id=note.id, media_type=media_type, text=text, outcome=outcome)
    return len(notes)


def hear(*, hearing: Hearing, message: Unprocessed) -> tuple[str | None, str, dict[str, object]]:
    """The media type, text and ``voice_note`` payload a voice note leaves on its message."""
    media_id = str(message.payload.get("media_id") or "")
    outcome: dict[str, object] = {"media_type": AUDIO, "media_id": media_id}
    if not media_id:  # a call answer the provider recorded nothing of
        return AUDIO, message.text, {**outcome, "status": "no_recording"}
    try:
        audio = hearing.fetch(media_id)
        if "recording" in message.payload:
            _forget(hearing, message, media_id)
        transcript = hearing.transcriber().transcribe(audio, language_hint=None)
    except MediaUnavailable as exc:
        log.warning("conversation %s: voice note not downloaded: %s", message.conversation_id, exc)
        return AUDIO, message.text, {**outcome, "status": "not_downloaded"}
    except SpeechUnavailable as exc:
        log.warning("conversation %s: voice note not heard: %s", message.conversation_id, exc)
        return AUDIO, message.text, {**outcome, "status": "no_speech_engine"}
    except TranscriptionFailed as exc:
        log.info("conversation %s: voice note unreadable: %s", message.conversation_id, exc)
        return AUDIO, message.text, {**outcome, "status": "unreadable"}
    except Exception:  # a broken model must not hold every conversation's turn: ask to type
        log.exception("conversation %s: voice note not heard", message.conversation_id)
        return AUDIO, message.text, {**outcome, "status": "failed"}
    outcome |= _facts(transcript)
    if hearing.retention > timedelta(0):
        outcome["file"] = str(_keep(hearing.folder, message, audio))
    if not transcript.heard or transcript.confidence < hearing.min_confidence:
        return AUDIO, message.text, {**outcome, "status": "unclear"}
    return None, transcript.text, {**outcome, "status": "transcribed"}


def _forget(hearing: Hearing, message: Unprocessed, media_id: str) -> None:
    """Delete the provider's copy of a recorded answer; a failure is logged, never fatal (the
    provider's own retention then applies)."""
    if hearing.forget is None:
        return
    try:
        hearing.forget(media_id)
    except MediaUnavailable as exc:
        log.warning(
            "conversation %s: recording not deleted at the provider: %s", message.conversation_id, exc
        )


def _facts(transcript: Transcript) -> dict[str, object]:
    return {
        "language": transcript.language,
        "confidence": round(transcript.confidence, 3),
        "seconds": round(transcript.seconds, 2),
    }


def _keep(folder: Path, message: Unprocessed, audio: bytes) -> Path:
    """Write the audio 0600 in the conversation's private folder."""
    path = private_folder(folder / message.conversation_id) / f"{message.id}.audio"
    path.touch(mode=0o600)
    path.write_bytes(audio)
    return path


def _store(
    *, session: Session, message_id: int, media_type: str | None, text: str, outcome: dict[str, object]
) -> None:
    """Write what was heard, unless the message was taken meanwhile (another worker heard it)."""
    message = session.get(Message, message_id)
    if message is None or message.processed_at is not None or "voice_note" in (message.payload or {}):
        return
    message.text, message.media_type = text, media_type
    message.payload = {**(message.payload or {}), "voice_note": outcome}


def erase_audio(*, data_dir: Path, conversation_ids: Sequence[str]) -> int:
    """Delete the kept audio of these conversations (an erasure); returns how many folders went."""
    gone = 0
    for conversation_id in conversation_ids:
        folder = data_dir / FOLDER / conversation_id
        if folder.is_dir():
            shutil.rmtree(folder)
            gone += 1
    return gone


def purge_audio(*, data_dir: Path, older_than: timedelta) -> int:
    """Delete kept audio older than the retention; returns how many files went."""
    root, cutoff, gone = data_dir / FOLDER, time.time() - older_than.total_seconds(), 0
    for path in root.glob("*/*.audio") if root.is_dir() else ():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone
