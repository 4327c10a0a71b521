"""Reading providers' HTTP error answers: numeric codes and Retry-After, tolerant of bad values."""

from __future__ import annotations

from typing import Any


def as_int(value: Any) -> int | None:
    """A provider error code as an int, or None when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def retry_after_seconds(header: str | None) -> float | None:
    """The Retry-After header in seconds (never negative), or None when absent or unreadable."""
    try:
        return max(float(header), 0.0) if header else None
    except ValueError:
        return None
