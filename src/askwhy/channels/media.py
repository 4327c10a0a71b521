"""Downloading a customer's media (voice notes) from the provider that received it.

WhatsApp Cloud API: ``GET /{version}/{media-id}`` with the access token answers JSON whose
``url`` is then fetched with the same bearer token (Graph API "Retrieve Media URL" and
"Download Media"). Twilio: the webhook's ``MediaUrl0`` with HTTP basic auth (account SID and
auth token); Twilio answers with a redirect to the file, which httpx follows without the
credentials. Both are streamed and cut off past ``max_bytes``.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


class MediaUnavailable(Exception):
    """The provider did not hand the file over (an error, a timeout, too large, no credentials)."""


@dataclass(frozen=True)
class WhatsAppMedia:
    """Where and how to ask the Cloud API for a media id."""

    base_url: str
    version: str
    access_token: str
    timeout: float = 10.0


@dataclass(frozen=True)
class TwilioMedia:
    """The credentials a Twilio media URL is fetched with."""

    account_sid: str
    auth_token: str
    timeout: float = 10.0


@dataclass(frozen=True)
class MediaFetcher:
    """Fetches media from whichever providers are configured (None: that provider is off)."""

    whatsapp: WhatsAppMedia | None
    twilio: TwilioMedia | None
    max_bytes: int

    def fetch(self, *, media_id: str) -> bytes:
        """The file: a Twilio media URL when ``media_id`` is an http(s) URL, else a Cloud API id."""
        if media_id.startswith(("http://", "https://")):
            return self._from_twilio(media_id)
        return self._from_whatsapp(media_id)

    def _from_whatsapp(self, media_id: str) -> bytes:
        api = self.whatsapp
        if api is None:
            raise MediaUnavailable("WhatsApp Cloud API media: the access token is not set")
        headers = {"Authorization": f"Bearer {api.access_token}"}
        with httpx.Client(timeout=api.timeout, headers=headers) as client:
            try:
                answer = client.get(f"{api.base_url.rstrip('/')}/{api.version}/{media_id}")
                answer.raise_for_status()
                url = answer.json().get("url")
            except (httpx.HTTPError, ValueError) as exc:
                raise MediaUnavailable(f"WhatsApp media {media_id}: {type(exc).__name__}") from exc
            if not isinstance(url, str) or not url:
                raise MediaUnavailable(f"WhatsApp media {media_id}: the answer has no url")
            return _download(client, url, max_bytes=self.max_bytes)

    def _from_twilio(self, url: str) -> bytes:
        account = self.twilio
        if account is None:
            raise MediaUnavailable("Twilio media: the account SID or auth token is not set")
        auth = httpx.BasicAuth(account.account_sid, account.auth_token)
        with httpx.Client(timeout=account.timeout, auth=auth, follow_redirects=True) as client:
            return _download(client, url, max_bytes=self.max_bytes)

    def delete_recording(self, url: str) -> None:
        """Delete a call recording (its ``RecordingUrl``) at Twilio: ``DELETE .../Recordings/{sid}.json``."""
        account = self.twilio
        if account is None or "/Recordings/" not in url:
            raise MediaUnavailable("only a Twilio recording can be deleted, with the account's credentials")
        auth = httpx.BasicAuth(account.account_sid, account.auth_token)
        try:
            with httpx.Client(timeout=account.timeout, auth=auth) as client:
                answer = client.delete(f"{url.removesuffix('.json')}.json")
                if answer.status_code != 404:  # already gone is as good as deleted
                    answer.raise_for_status()
        except httpx.HTTPError as exc:
            raise MediaUnavailable(f"recording not deleted: {type(exc).__name__}") from exc


def _download(client: httpx.Client, url: str, *, max_bytes: int) -> bytes:
    """The body at ``url``, refused as soon as it passes ``max_bytes`` (never read whole first)."""
    try:
        with client.stream("GET", url) as answer:
            answer.raise_for_status()
            declared = answer.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise MediaUnavailable(f"media of {declared} bytes is over the {max_bytes}-byte limit")
            chunks, size = [], 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise MediaUnavailable(f"media is over the {max_bytes}-byte limit")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise MediaUnavailable(f"media download failed: {type(exc).__name__}") from exc
    return b"".join(chunks)
