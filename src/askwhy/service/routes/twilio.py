"""Twilio webhooks: incoming SMS/WhatsApp messages, their delivery statuses, and voice calls.

Every request is checked against ``X-Twilio-Signature``, computed over the public URL Twilio
called (``ASKWHY_PUBLIC_BASE_URL`` + path + query) so the check holds behind a proxy; a missing or
wrong signature is a 403 and stores nothing. Messages and their statuses take every provider's
path: kept in the webhook inbox, then stored once (`askwhy.service.intake`), and answered through
the outbox. A call's turns are taken here, in the request, and answered with TwiML; like every
request, they wait `Settings.request_lock_wait_seconds` at most for a locked database, then get
503 with Retry-After, well within Twilio's 15 s. With recorded answers
(``ASKWHY_VOICE_TRANSCRIPTION=recorded``) an answer in the caller's words is transcribed on a
worker instead (`askwhy.conversations.call_recordings`) while the call holds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from fastapi.responses import Response

from askwhy.bootstrap import Container
from askwhy.channels import twilio_sms as sms
from askwhy.channels import twilio_voice as voice
from askwhy.channels.twilio_signature import SIGNATURE_HEADER, FormParams, public_url, signature_matches
from askwhy.conversations import call_recordings, inbound, voice_calls
from askwhy.service.dependencies import ContainerDep
from askwhy.service.intake import WebhookIntake
from askwhy.settings import Settings
from askwhy.store.inbox import Delivery

router = APIRouter(prefix="/webhooks/twilio", tags=["twilio"])
MAX_WAIT_SECONDS = 90
"""How long a call holds for a recorded answer to be heard (Whisper base hears a minute's answer
in well under a minute on one thread) before it ends politely."""


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]
Signature = Annotated[str | None, Header(alias=SIGNATURE_HEADER)]


def _verified_form(*, request: Request, body: bytes, signature: str | None, settings: Settings) -> FormParams:
    """The form of a request Twilio signed for the public URL it called; nothing is stored before."""
    if settings.twilio_auth_token is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Twilio is not configured: ASKWHY_TWILIO_AUTH_TOKEN")
    params = FormParams.parse(body)
    url = public_url(base_url=settings.public_base_url, path=request.url.path, query=request.url.query)
    token = settings.twilio_auth_token.get_secret_value()
    if not signature_matches(auth_token=token, url=url, params=params, signature=signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{SIGNATURE_HEADER} is missing or does not match")
    return params


def _twiml(xml: str) -> Response:
    return Response(content=xml, media_type="text/xml")


async def _keep(request: Request, *, channel: str, signature: str | None) -> None:
    """Verify a messaging webhook and keep it in the webhook inbox, like every provider's
    (`askwhy.service.intake`); its query is kept too (a status callback's idempotency key)."""
    container: Container = request.app.state.container
    intake: WebhookIntake = request.app.state.intake
    body = await request.body()
    _verified_form(request=request, body=body, signature=signature, settings=container.settings)
    delivery = Delivery(
        channel=channel, body=body, query=request.url.query, received_at=container.clock.now()
    )
    await intake.receive(delivery, intake.parsed(delivery))


@router.post("/sms")
async def receive_message(request: Request, signature: Signature = None) -> Response:
    """An SMS or WhatsApp message: kept, then stored once; the reply goes out through the outbox.
    A keyword Twilio answered itself (STOP, START, HELP) is heeded, not answered again."""
    await _keep(request, channel="twilio_sms", signature=signature)
    return _twiml(sms.empty_twiml())


@router.post("/status")
async def message_status(request: Request, signature: Signature = None) -> Response:
    """A delivery status of a message askwhy sent; the ``key`` query parameter is the idempotency
    key it was sent with."""
    await _keep(request, channel="twilio_status", signature=signature)
    return _twiml(sms.empty_twiml())


@router.post("/voice")
def answer_call(
    *,
    request: Request,
    body: RawBody,
    container: ContainerDep,
    signature: Signature = None,
    conversation: str | None = None,
) -> Response:
    """A call connected: an invitation call (``conversation`` set) or a customer calling in."""
    params = _verified_form(request=request, body=body, signature=signature, settings=container.settings)
    call = _call(params)
    with container.sessions.begin() as session:
        prompt = voice_calls.answer_call(
            session=session,
            guides=container.guides,
            customer=call.customer,
            conversation_id=conversation,
            inbound_guide=container.settings.twilio_voice_inbound_program,
            now=container.clock.now(),
        )
    return _twiml(_said(prompt, settings=container.settings))


@router.post("/voice/gather")
def gathered(
    *,
    request: Request,
    body: RawBody,
    container: ContainerDep,
    conversation: str,
    turn: int,
    again: bool = False,
    signature: Signature = None,
) -> Response:
    """A Gather's result (speech, digits or silence): one interviewer turn, answered in TwiML."""
    params = _verified_form(request=request, body=body, signature=signature, settings=container.settings)
    call = _call(params)
    with container.sessions.begin() as session:
        prompt = voice_calls.take_answer(
            session=session,
            guides=container.guides,
            conversation_id=conversation,
            call_id=call.call_sid,
            turn=turn,
            speech=call.speech,
            digits=call.digits,
            again=again,
            now=container.clock.now(),
        )
    return _twiml(_said(prompt, settings=container.settings))


@router.post("/voice/recorded")
def recorded(
    *,
    request: Request,
    body: RawBody,
    container: ContainerDep,
    conversation: str,
    turn: int,
    signature: Signature = None,
) -> Response:
    """A ``<Record>`` ended: hold the call until the answer is heard (an empty one is silence)."""
    params = _verified_form(request=request, body=body, signature=signature, settings=container.settings)
    call = _call(params)
    base_url = container.settings.public_base_url
    if call.recording_url and call.recording_seconds != 0:
        waiting = voice.waiting_url(base_url=base_url, conversation_id=conversation, turn=turn, waited=1)
        return _twiml(voice.hold(waiting_url=waiting))
    with container.sessions.begin() as session:
        prompt = voice_calls.take_answer(
            session=session, guides=container.guides, conversation_id=conversation, call_id=call.call_sid,
            turn=turn, speech=None, digits=None, again=False, now=container.clock.now(),
        )  # fmt: skip
    return _twiml(_said(prompt, settings=container.settings))


@router.post("/voice/recording")
def recording_status(
    *,
    request: Request,
    body: RawBody,
    container: ContainerDep,
    conversation: str,
    turn: int,
    signature: Signature = None,
) -> Response:
    """A recorded answer can be downloaded (or there is none): stored once, heard on a worker. Only
    a file on the configured Twilio API is fetched, since the download carries the credentials."""
    params = _verified_form(request=request, body=body, signature=signature, settings=container.settings)
    call = _call(params)
    api = container.settings.twilio_api_base_url.rstrip("/") + "/"
    url = call.recording_url if call.recording_status == "completed" else None
    if url is not None and not url.startswith(api):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "RecordingUrl is not on the Twilio API")
    answer = call_recordings.Recording(call.call_sid, turn, url, call.recording_seconds)
    with container.sessions.begin() as session:
        call_recordings.record_answer(
            session=session, jobs=container.jobs, conversation_id=conversation, recording=answer,
            now=container.clock.now(),
        )  # fmt: skip
    return _twiml(sms.empty_twiml())


@router.post("/voice/waiting")
def waiting(
    *,
    request: Request,
    body: RawBody,
    container: ContainerDep,
    conversation: str,
    turn: int,
    waited: int = 1,
    signature: Signature = None,
) -> Response:
    """A call on hold: the reply once the recorded answer was heard, else another second of quiet;
    after `MAX_WAIT_SECONDS` the call ends politely (the answer is still heard and kept)."""
    params = _verified_form(request=request, body=body, signature=signature, settings=container.settings)
    call = _call(params)
    with container.reads.begin() as session:
        prompt = call_recordings.recorded_reply(
            session=session, conversation_id=conversation, call_id=call.call_sid, turn=turn
        )
    if prompt is not None:
        return _twiml(_said(prompt, settings=container.settings))
    if waited >= MAX_WAIT_SECONDS:
        with container.reads.begin() as session:
            language = call_recordings.language_of(session=session, conversation_id=conversation)
        return _twiml(voice.farewell(texts=[voice.goodbye_after_silence(language)], language=language))
    base_url = container.settings.public_base_url
    again = voice.waiting_url(base_url=base_url, conversation_id=conversation, turn=turn, waited=waited + 1)
    return _twiml(voice.hold(waiting_url=again))


@router.post("/voice/status")
def call_status(
    *,
    request: Request,
    body: RawBody,
    container: ContainerDep,
    signature: Signature = None,
    conversation: str | None = None,
    key: str | None = None,
) -> Response:
    """A call's status callback: a hang-up closes its conversation; an invitation call's status is kept."""
    params = _verified_form(request=request, body=body, signature=signature, settings=container.settings)
    call = _call(params)
    now = container.clock.now()
    event = voice.invitation_status(call, idempotency_key=key, now=now)
    with container.sessions.begin() as session:
        if call.status in voice.ENDED:
            voice_calls.call_ended(
                session=session,
                guides=container.guides,
                conversation_id=conversation,
                customer=call.customer,
                answered=call.status not in voice.NOT_CONNECTED,
                status=event,
                now=now,
            )
        elif event is not None:
            inbound.accept_events(session=session, jobs=container.jobs, events=[event], now=now)
    return _twiml(sms.empty_twiml())


def _call(params: FormParams) -> voice.CallEvent:
    try:
        return voice.parse_call(params)
    except voice.MalformedCall as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


def _said(prompt: voice_calls.Prompt, *, settings: Settings) -> str:
    """The TwiML for a prompt: ask and listen (or record), ask again, or say goodbye and hang up."""
    base_url = settings.public_base_url
    if prompt.gave_up:
        return voice.farewell(texts=[voice.goodbye_after_silence(prompt.language)], language=prompt.language)
    if not prompt.listening or prompt.conversation_id is None:
        return voice.farewell(texts=prompt.texts, language=prompt.language)
    # With no speech engine nothing could hear a recording: the provider's recognition then serves.
    if prompt.open_answer and settings.voice_transcription == "recorded" and settings.speech_engine != "off":
        urls = voice.recording_urls(
            base_url=base_url, conversation_id=prompt.conversation_id, turn=prompt.turn, again=prompt.again
        )
        return voice.record(texts=prompt.texts, urls=urls, language=prompt.language, again=prompt.again)
    action = voice.gather_url(
        base_url=base_url, conversation_id=prompt.conversation_id, turn=prompt.turn, again=prompt.again
    )
    return voice.ask(texts=prompt.texts, action_url=action, language=prompt.language, again=prompt.again)
