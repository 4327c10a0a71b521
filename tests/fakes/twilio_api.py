"""A fake Twilio REST API: a real HTTP server on 127.0.0.1 that records requests and can fail.

It answers ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` and ``.../Calls.json`` with
the documented 201 resource bodies, serves media and call recordings (`media`, `recording_url`),
answers ``DELETE .../Recordings/{sid}.json`` with 204 (listed in `deleted`), checks HTTP basic
auth (Account SID, Auth Token), and, when told to, answers with Twilio's documented error bodies
(``{"code", "message", "more_info", "status"}``), a 500, or nothing at all until the client gives
up (a timeout).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qs

from tests.fakes.media import FILES_PATH, MediaShelf, redirect, send_json
from tests.fakes.server import LocalHttpFake

ERRORS: dict[str, tuple[int, int, str]] = {
    # name: (HTTP status, Twilio error code, message), as on Twilio's error dictionary
    "rate_limit": (429, 20429, "Too Many Requests"),
    "unsubscribed": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "invalid_to": (400, 21211, "The 'To' number +1555 is not a valid phone number."),
    "bad_auth": (401, 20003, "Authenticate"),
    "http_500": (500, 20500, "Internal Server Error"),
}


@dataclass(frozen=True)
class Received:
    """One request the fake answered."""

    resource: str
    """``Messages`` or ``Calls``."""
    account_sid: str
    form: dict[str, str]
    accepted: bool


@dataclass
class FakeTwilioApi(LocalHttpFake):
    """Start with `start()` or as a context manager; point the sender at ``base_url``."""

    thread_name: ClassVar[str] = "fake-twilio-api"

    account_sid: str = "AC" + "0" * 32
    auth_token: str = "test-auth-token"
    received: list[Received] = field(default_factory=list)
    media: MediaShelf = field(default_factory=MediaShelf)
    """Files served at `media_url` (basic auth, then a redirect to the file)."""

    def media_url(self, media_sid: str) -> str:
        """Where a webhook's MediaUrl0 points for a file put on the shelf as ``media_sid``."""
        return (
            f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM{'0' * 32}/Media/{media_sid}"
        )

    deleted: list[str] = field(default_factory=list)
    """Recording SIDs deleted through ``DELETE .../Recordings/{sid}.json``."""

    def recording_url(self, recording_sid: str) -> str:
        """A recording's ``RecordingUrl`` (no extension) for a file put on the shelf as ``recording_sid``."""
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Recordings/{recording_sid}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    def fail_next(self, *kinds: str) -> None:
        """Answer the next requests with these failures, in order: an `ERRORS` name or "timeout"."""
        for kind in kinds:
            if kind not in ERRORS and kind != "timeout":
                raise ValueError(f"unknown failure {kind!r}")
        with self._lock:
            self._failures.extend(kinds)

    def accepted(self, resource: str = "Messages") -> list[dict[str, str]]:
        """Forms of the accepted requests for one resource."""
        with self._lock:
            return [r.form for r in self.received if r.accepted and r.resource == resource]

    def _answer(self, path: str, authorization: str | None, form: dict[str, str]) -> tuple[int, Any]:
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        parts = path.split("?", 1)[0].strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["2010-04-01", "Accounts"] or not parts[3].endswith(".json"):
            return 404, _error_body(404, 20404, "The requested resource was not found")
        account, resource = parts[2], parts[3].removesuffix(".json")
        if authorization != _basic(self.account_sid, self.auth_token) or account != self.account_sid:
            failure = "bad_auth"
        if failure == "timeout":
            self._stopping.wait(60)
            return 0, None
        with self._lock:
            self.received.append(Received(resource, account, form, accepted=failure is None))
        if failure is not None:
            status, code, message = ERRORS[failure]
            return status, _error_body(status, code, message)
        return 201, self._created(resource, account, form)

    def _created(self, resource: str, account: str, form: dict[str, str]) -> dict[str, Any]:
        number = next(self._ids)
        if resource == "Calls":
            sid = f"CA{number:032x}"
            return {"sid": sid, "account_sid": account, "to": form.get("To"), "from": form.get("From"),
                    "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
                    "uri": f"/2010-04-01/Accounts/{account}/Calls/{sid}.json"}  # fmt: skip
        sid = f"SM{number:032x}"
        return {"sid": sid, "account_sid": account, "to": form.get("To"), "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"), "body": form.get("Body"),
                "status": "accepted" if form.get("MessagingServiceSid") else "queued",
                "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
                "error_code": None, "error_message": None,
                "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json"}  # fmt: skip


def _error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}  # fmt: skip


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _handler(fake: FakeTwilioApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {name: values[0] for name, values in parse_qs(raw, keep_blank_values=True).items()}
            status, answer = fake._answer(self.path, self.headers.get("Authorization"), form)
            if status == 0:
                self.close_connection = True
                return
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if status == 429:
                self.send_header("Retry-After", "2")
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            if self.path.startswith(FILES_PATH):  # the file itself: no credentials, like S3
                fake.media.serve(self, self.path.removeprefix(FILES_PATH))
            elif self.headers.get("Authorization") != _basic(fake.account_sid, fake.auth_token):
                send_json(self, 401, json.dumps(_error_body(401, 20003, "Authenticate")).encode())
            else:
                redirect(self, fake.base_url + FILES_PATH + self.path.rstrip("/").rsplit("/", 1)[-1])

        def do_DELETE(self) -> None:
            if self.headers.get("Authorization") != _basic(fake.account_sid, fake.auth_token):
                send_json(self, 401, json.dumps(_error_body(401, 20003, "Authenticate")).encode())
                return
            recording = self.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")
            with fake._lock:
                fake.deleted.append(recording)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
