"""The codebook pages: themes with volume, sentiment and trend, one theme's page, and its edits."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["workspace"], include_in_schema=False)
