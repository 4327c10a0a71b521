"""Voice notes: word error rate, real-time factor, and webhook-to-reply time with the real model.

Run: python -m bench.speech            (BENCH_SPEECH_NOTES=N sets how many voice notes are timed)

Answers written below in English and Spanish are synthesised with espeak-ng into
bench/.cache/speech/, then converted with PyAV to OGG/Opus (as WhatsApp voice notes are) and to
8 kHz WAV (phone audio). Each version is transcribed with askwhy's Whisper adapter (Whisper
base, int8, one thread), language detected, no hint. Then voice notes go through the real app in
process (queue inline, the WhatsApp webhook, the media download from the fake Graph API, the
transcription, the turn) and the reply is timed at the fake provider.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import av
from fastapi.testclient import TestClient
from pydantic import SecretStr

from askwhy.analysis.whisper import WhisperTranscriber
from askwhy.bootstrap import bootstrap
from askwhy.conversations import start_conversation
from askwhy.domain.conversation import Channel
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store import migrate
from bench.common import CACHE, ROOT, machine, write_section
from tests.channels import whatsapp_deliveries as wa
from tests.fakes.graph_api import FakeGraphApi

ANSWERS = {
    "en": [
        "The delivery was quick and the driver was friendly",
        "I waited two weeks for my order and nobody answered my emails",
        "The app keeps crashing when I try to pay",
        "Great prices but the website is very slow",
        "The product broke after one week",
        "Customer service solved my problem in five minutes",
        "I would recommend you to my friends",
        "The package arrived damaged and the box was wet",
        "Checkout was easy and the instructions were clear",
        "Too many emails, please stop sending me offers",
    ],
    "es": [
        "La entrega fue rápida y el repartidor muy amable",
        "Esperé dos semanas mi pedido y nadie respondió mis correos",
        "La aplicación se cierra cuando intento pagar",
        "Buenos precios pero la página es muy lenta",
        "El producto se rompió después de una semana",
        "El servicio al cliente resolvió mi problema en cinco minutos",
        "Los recomendaría a mis amigos",
        "El paquete llegó dañado y la caja estaba mojada",
        "El pago fue fácil y las instrucciones claras",
        "Demasiados correos, por favor dejen de enviarme ofertas",
    ],
}
VOICES = {"en": "en-us", "es": "es"}
FOLDER = CACHE / "speech"
NOTES = int(os.environ.get("BENCH_SPEECH_NOTES", "8"))
TOKEN = "bench-voice-token"


def synthesise(language: str, index: int, text: str) -> dict[str, Path]:
    """The answer as espeak-ng WAV, OGG/Opus and 8 kHz WAV (made once, then kept in the cache)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    wav = FOLDER / f"{language}-{index:02d}.wav"
    if not wav.exists():
        subprocess.run(["espeak-ng", "-v", VOICES[language], "-s", "150", "-w", str(wav), text], check=True)
    versions = {"wav": wav, "ogg-opus": wav.with_suffix(".ogg"), "wav-8k": wav.with_suffix(".8k.wav")}
    if not versions["ogg-opus"].exists():
        convert(wav, versions["ogg-opus"], container="ogg", codec="libopus", rate=48000)
    if not versions["wav-8k"].exists():
        convert(wav, versions["wav-8k"], container="wav", codec="pcm_s16le", rate=8000)
    return versions


def convert(source: Path, target: Path, *, container: str, codec: str, rate: int) -> None:
    """Re-encode mono ``source`` with PyAV (the decoder faster-whisper itself uses)."""
    with av.open(str(source)) as given, av.open(str(target), "w", format=container) as made:
        stream = made.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        for frame in given.decode(audio=0):
            for resampled in resampler.resample(frame):
                made.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            made.mux(stream.encode(resampled))
        made.mux(stream.encode(None))


def words(text: str) -> list[str]:
    """Lower case, no punctuation, accents kept (they are part of Spanish spelling)."""
    cleaned = unicodedata.normalize("NFC", text.lower())
    return re.findall(r"[\w']+", cleaned)


def errors(reference: list[str], heard: list[str]) -> int:
    """Word edit distance (substitutions, insertions, deletions)."""
    row = list(range(len(heard) + 1))
    for i, word in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def accuracy(transcriber: WhisperTranscriber) -> tuple[list[str], str]:
    """Rows of the WER / RTF table, and one line on language detection."""
    tally: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0, 0])
    for language, answers in ANSWERS.items():
        for index, text in enumerate(answers):
            for version, path in synthesise(language, index, text).items():
                started = time.perf_counter()
                heard = transcriber.transcribe(path.read_bytes(), language_hint=None)
                spent = time.perf_counter() - started
                row = tally[(language, version)]
                row[0] += errors(words(text), words(heard.text))
                row[1] += len(words(text))
                row[2] += spent
                row[3] += heard.seconds
                row[4] += heard.language == language
    lines = [
        f"| {language} | {version} | {len(ANSWERS[language])} | {row[0] / row[1]:.1%} | "
        f"{row[2] / row[3]:.2f} | {int(row[4])}/{len(ANSWERS[language])} |"
        for (language, version), row in tally.items()
    ]
    return lines, ""


def webhook_to_reply(transcriber_folder: Path) -> list[float]:
    """Seconds from each voice note's webhook to the reply at the fake Graph API."""
    replied: dict[str, float] = {}
    with FakeGraphApi(access_token=TOKEN) as graph, tempfile.TemporaryDirectory() as data:
        graph.on_accepted = lambda body, _id: replied.setdefault(str(body.get("to")), time.perf_counter())
        settings = Settings(
            data_dir=Path(data), guides_dir=ROOT / "examples" / "guides", seed_demo=False, queue_inline=True,
            whatsapp_phone_number_id=wa.BUSINESS_NUMBER_ID, whatsapp_access_token=SecretStr(TOKEN),
            whatsapp_app_secret=SecretStr(wa.APP_SECRET), whatsapp_api_base_url=graph.base_url,
        )  # fmt: skip
        (Path(data) / "models").symlink_to(transcriber_folder, target_is_directory=True)
        container = bootstrap(settings)
        migrate.upgrade(container.engine)
        answers = [synthesise("en", i % 10, ANSWERS["en"][i % 10])["ogg-opus"] for i in range(NOTES)]
        waits = []
        with TestClient(create_app(container)) as app:
            for index, path in enumerate(answers):
                phone = f"1650555{index:04d}"
                with container.sessions.begin() as session:
                    start_conversation(session=session, guide=container.guides["post-checkout"],
                                       program="post-checkout", channel=Channel.WHATSAPP,
                                       channel_address=f"+{phone}", now=container.clock.now())  # fmt: skip
                graph.media.put(f"media{index}", path.read_bytes())
                replied.clear()
                body = wa.encode(
                    wa.delivery(wa.value(messages=[wa.voice_note(f"media{index}", sender=phone)]))
                )
                started = time.perf_counter()
                app.post("/webhooks/whatsapp", content=body, headers=wa.headers(body, wa.APP_SECRET))
                waits.append(replied.get(phone, replied.get(f"+{phone}", float("nan"))) - started)
        container.close()
    return waits


def main() -> None:
    models = CACHE / "models"
    transcriber = WhisperTranscriber(models_dir=models)
    started = time.perf_counter()
    transcriber.transcribe(synthesise("en", 0, ANSWERS["en"][0])["wav"].read_bytes(), language_hint=None)
    first = time.perf_counter() - started
    saved = FOLDER / "accuracy.json"  # kept, so a failure further on does not cost the long part
    if not saved.exists():
        saved.write_text(json.dumps(accuracy(transcriber)[0]))
    rows = json.loads(saved.read_text())
    waits = sorted(webhook_to_reply(models / "whisper-base"))
    p50 = statistics.median(waits)
    p95 = waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))]
    load = os.getloadavg()[0]
    write_section(
        "speech",
        f"""## Voice notes: word error rate, real-time factor, webhook to reply

`python -m bench.speech` on {machine()}, load average {load:.1f} at the end (shared machine).
{sum(map(len, ANSWERS.values()))} short customer answers written in the bench (half English, half
Spanish) synthesised with espeak-ng, each transcribed as WAV, as OGG/Opus (a WhatsApp voice note)
and as 8 kHz WAV (phone audio) by askwhy's Whisper adapter: Whisper base, CTranslate2 int8, one
thread, language detected (no hint). Real-time factor: transcription time / audio length (below 1
is faster than real time). The first note of a process also joins and loads the model: {first:.1f} s.

| language | audio | answers | word error rate | real-time factor | language detected |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Webhook to reply ({len(waits)} English OGG/Opus voice notes, one after another, through the real
app in process with the queue inline: signature check, media URL and download from the fake Graph
API, transcription, the interviewer's turn, the reply at the fake): p50 {p50:.2f} s, p95 {p95:.2f} s.
espeak-ng's robotic voice is not a customer's: Whisper learnt from human speech, and the Spanish
voice in particular is hard for it, so these rates say little about real voice notes (no real
recordings are in this set). The machine is shared: its load slows the real-time factors.
""",
    )


if __name__ == "__main__":
    main()
