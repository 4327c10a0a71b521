"""Share and export: signed read-only links, CSV and Excel files of what the pages show."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["workspace"], include_in_schema=False)
