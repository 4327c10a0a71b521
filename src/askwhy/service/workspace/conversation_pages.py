"""Conversations: the list, and one conversation redacted, raw for admins with a logged reason."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["workspace"], include_in_schema=False)
