"""Voice notes: the hearing ports built from the settings, and the hourly purge of kept audio.

Transcription itself runs inside `askwhy.conversations.inbound.answer_waiting`, on the worker
that answers the conversation, just before its turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from askwhy.analysis.scripted_speech import ScriptedTranscriber
from askwhy.analysis.speech import Transcriber
from askwhy.analysis.whisper import WhisperTranscriber
from askwhy.channels.media import MediaFetcher, TwilioMedia, WhatsAppMedia
from askwhy.conversations.voice_notes import FOLDER, Hearing, purge_audio
from askwhy.settings import Settings

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)

PURGE_VOICE_NOTES = "purge_voice_notes"


def register(jobs: Jobs, container: Container) -> None:
    @jobs.periodic(PURGE_VOICE_NOTES, minute="23")
    def purge_voice_notes() -> int:
        hours = container.settings.voice_note_retention_hours
        gone = purge_audio(data_dir=container.settings.data_dir, older_than=timedelta(hours=hours))
        if gone:
            log.info("%d voice notes past ASKWHY_VOICE_NOTE_RETENTION_HOURS deleted", gone)
        return gone


def hearing_from(settings: Settings) -> Hearing | None:
    """The ports that hear voice notes, as the settings describe; None when the engine is off.

    Cheap: nothing is loaded until a worker hears its first voice note."""
    if settings.speech_engine == "off":
        return None
    return Hearing(
        transcriber=_transcriber(settings),
        fetch=lambda media_id: _fetcher(settings).fetch(media_id=media_id),
        folder=settings.data_dir / FOLDER,
        min_confidence=settings.voice_note_min_confidence,
        retention=timedelta(hours=settings.voice_note_retention_hours),
        forget=lambda url: _fetcher(settings).delete_recording(url),
    )


def _transcriber(settings: Settings) -> Callable[[], Transcriber]:
    if settings.speech_engine == "scripted":
        return ScriptedTranscriber
    models = settings.data_dir / "models"
    return lambda: WhisperTranscriber(models_dir=models, threads=settings.speech_threads)


def _fetcher(settings: Settings) -> MediaFetcher:
    whatsapp = twilio = None
    if settings.whatsapp_access_token is not None:
        whatsapp = WhatsAppMedia(
            base_url=settings.whatsapp_api_base_url,
            version=settings.whatsapp_api_version,
            access_token=settings.whatsapp_access_token.get_secret_value(),
            timeout=settings.whatsapp_timeout_seconds,
        )
    if settings.twilio_account_sid and settings.twilio_auth_token is not None:
        twilio = TwilioMedia(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            timeout=settings.twilio_timeout_seconds,
        )
    return MediaFetcher(whatsapp=whatsapp, twilio=twilio, max_bytes=settings.voice_note_max_bytes)
