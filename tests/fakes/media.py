"""Media endpoints shared by the fake providers: files a test puts there, served as they would be.

Graph API: ``GET /{version}/{media-id}`` (bearer token) answers the "Retrieve Media URL" JSON,
whose ``url`` (same bearer token) serves the bytes. Twilio: ``GET /2010-04-01/Accounts/{sid}/
Messages/{MM}/Media/{ME}`` (basic auth) redirects (307) to the file, served without credentials.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

FILES_PATH = "/media-files/"


@dataclass
class MediaShelf:
    """The files a fake serves, by id, and the ids it was asked for."""

    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """id: (mime type, bytes)."""
    downloads: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, media_id: str, audio: bytes, mime_type: str = "audio/ogg") -> str:
        self.files[media_id] = (mime_type, audio)
        return media_id

    def retrieve_url(self, media_id: str, base_url: str) -> dict[str, object] | None:
        """The Graph API's answer for a media id, None when there is no such file."""
        if media_id not in self.files:
            return None
        mime_type, audio = self.files[media_id]
        return {"messaging_product": "whatsapp", "url": f"{base_url}{FILES_PATH}{media_id}",
                "mime_type": mime_type, "sha256": hashlib.sha256(audio).hexdigest(),
                "file_size": len(audio), "id": media_id}  # fmt: skip

    def serve(self, handler: BaseHTTPRequestHandler, media_id: str) -> None:
        """Write the file (200) or a 404 to ``handler``."""
        found = self.files.get(media_id)
        if found is None:
            _send(handler, 404, "text/plain", b"not found")
            return
        with self._lock:
            self.downloads.append(media_id)
        _send(handler, 200, found[0], found[1])


def _send(handler: BaseHTTPRequestHandler, status: int, mime_type: str, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", mime_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def redirect(handler: BaseHTTPRequestHandler, location: str) -> None:
    handler.send_response(307)
    handler.send_header("Location", location)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def send_json(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    _send(handler, status, "application/json", body)
