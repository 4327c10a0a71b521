"""The server's access log names no credential: invitation, sign-in and share links and secrets passed
in a query string (Meta's ``hub.verify_token``, a single sign-on's ``code`` and ``state``) are masked
before a line is written."""

from __future__ import annotations

import logging
import re

MASK = "…"
_SECRET_PATHS = re.compile(r"^(/c/|/sign-in/link/|/shared/)[^/?#]+")
_SECRET_PARAMS = re.compile(r"(?i)([?&](?:hub\.verify_token|token|secret|key|code|state)=)[^&#]*")
ACCESS_LOGGER = "uvicorn.access"


def masked(path: str) -> str:
    """``path`` (with its query) with every credential in it replaced by ``…``."""
    return _SECRET_PARAMS.sub(rf"\g<1>{MASK}", _SECRET_PATHS.sub(rf"\g<1>{MASK}", path))


class MaskCredentials(logging.Filter):
    """A filter for uvicorn's access logger, whose records carry the path as their third argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], masked(args[2]), *args[3:])
        return True


def mask_access_log() -> None:
    """Install the filter on uvicorn's access logger (once)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, MaskCredentials) for existing in logger.filters):
        logger.addFilter(MaskCredentials())
