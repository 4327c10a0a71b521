"""Twilio webhooks: the form body and the ``X-Twilio-Signature`` that proves Twilio sent it.

Twilio signs the full URL it called (scheme, host, path, query) followed by every POST parameter,
sorted. Behind a proxy or load balancer the URL this server sees differs from the one Twilio
called, so the URL is rebuilt from the configured public base URL, never from the Host header.
The check itself is the ``twilio`` package's `RequestValidator`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

from askwhy.channels.base import storable

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_PARAMS = 256
"""Far more parameters than Twilio sends (about 40 with ten attachments). A form with more is
read no further, and its signature, whose check costs time in the number of parameters, never
matches: a 1 MB form of 60,000 of them would cost the server a second of CPU before its 403."""


class FormParams(Mapping[str, str]):
    """A form-encoded body: the first value of each parameter, and every value through `getlist`.

    `RequestValidator` signs every value of a repeated parameter, so the lists are kept.
    """

    def __init__(self, pairs: list[tuple[str, str]], *, complete: bool = True) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)
        self.complete = complete
        """False when the body had more than `MAX_PARAMS` parameters and was read no further."""

    @classmethod
    def parse(cls, body: bytes) -> FormParams:
        """The parameters of an ``application/x-www-form-urlencoded`` body (UTF-8)."""
        end = _end_of_params(body, MAX_PARAMS)
        text = body[:end].decode("utf-8", errors="replace")
        return cls(parse_qsl(text, keep_blank_values=True), complete=end == len(body))

    def __getitem__(self, name: str) -> str:
        return self._values[name][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def getlist(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def text(self, name: str) -> str | None:
        """The parameter's value, stripped and storable, or None when it is absent or blank.

        A NUL (``%00``) would fail to store, so it is replaced, like the undecodable bytes `parse`
        replaces; the signature is checked over the values as received."""
        value = storable(self.get(name, "")).strip()
        return value or None


def _end_of_params(body: bytes, limit: int) -> int:
    """Where the body's ``limit``-th parameter ends (its end if it has no more)."""
    end = -1
    for _ in range(limit):
        end = body.find(b"&", end + 1)
        if end < 0:
            return len(body)
    return end


def public_url(*, base_url: str, path: str, query: str = "") -> str:
    """The URL Twilio called: the public base URL, the request path and its query, as received."""
    url = base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signature_matches(*, auth_token: str, url: str, params: FormParams, signature: str | None) -> bool:
    """Whether ``signature`` is Twilio's signature of ``url`` and ``params`` with the auth token."""
    if not signature or not auth_token or not params.complete:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))


def sign(*, auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio would send for this request (tests and local tools sign with it)."""
    return str(RequestValidator(auth_token).compute_signature(url, params))
