"""Graph API error responses mapped onto `SendError`: retry later, send a template, or give up.

The decision rests on the error ``code`` in the body, as Meta recommends, and falls back on the
HTTP status when the body is not the documented error object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from askwhy.channels.base import SendError
from askwhy.channels.http_errors import as_int, retry_after_seconds

REENGAGEMENT = 131047
"""More than 24 hours since the customer last wrote: only a template may be sent."""
THROTTLED = {
    4: 60.0,  # application call rate limit
    80007: 60.0,  # business account rate limit
    130429: 5.0,  # Cloud API throughput reached
    131056: 6.0,  # pair rate limit: too many messages to this customer in a short time
}
"""Rate-limit codes and the pause before the next attempt, in seconds."""
TEMPORARY = {1, 2, 131000, 131016}
"""Unknown or service errors that Meta documents as worth retrying."""
DEFAULT_RETRY_SECONDS = 5.0


def send_error(*, status_code: int, body: bytes, retry_after: str | None) -> SendError:
    """The `SendError` for a non-2xx Graph API response."""
    error = _error_object(body)
    code = as_int(error.get("code"))
    reason = _reason(error) or f"HTTP {status_code}"
    shown = str(code) if code is not None else f"http_{status_code}"
    wait = retry_after_seconds(retry_after)
    if code == REENGAGEMENT:
        return SendError(reason=reason, code=shown, permanent=True, needs_template=True)
    if code in THROTTLED:
        return SendError(reason=reason, code=shown, retry_after_seconds=wait or THROTTLED[code])
    if code in TEMPORARY or status_code >= 500 or status_code == 408:
        return SendError(
            reason=reason, code=shown, retry_after_seconds=wait or DEFAULT_RETRY_SECONDS, unavailable=True
        )
    if status_code == 429:
        return SendError(reason=reason, code=shown, retry_after_seconds=wait or DEFAULT_RETRY_SECONDS)
    return SendError(reason=reason, code=shown, permanent=True)


def _error_object(body: bytes) -> Mapping[str, Any]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    error = document.get("error") if isinstance(document, dict) else None
    return error if isinstance(error, dict) else {}


def _reason(error: Mapping[str, Any]) -> str | None:
    message = error.get("message")
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    parts = [str(part) for part in (message, details) if part]
    return " — ".join(parts) or None
