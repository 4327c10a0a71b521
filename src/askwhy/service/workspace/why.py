"""Why it moved: two periods or two segments compared, split into the themes behind the change."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["workspace"], include_in_schema=False)
