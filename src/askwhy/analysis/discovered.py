"""What theme discovery returns: themes with their subthemes, and the texts no theme holds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, eq=False)
class DiscoveredTheme:
    label: str
    description: str
    keywords: tuple[str, ...]
    members: tuple[int, ...]
    centroid: NDArray[np.float32] = field(repr=False)
    size: int
    sentiment: float | None
    quotes: tuple[int, ...]
    id: str = ""
    """Derived from the words that set the theme apart (under its parent's id for a subtheme):
    same input, same id."""
    subthemes: tuple[DiscoveredTheme, ...] = ()


@dataclass(frozen=True)
class Discovery:
    themes: list[DiscoveredTheme]
    """Top-level themes, largest first, each with its subthemes."""
    no_content: tuple[int, ...]
    """Texts with nothing to code (greetings, thanks, "ok", a handle alone)."""
    unassigned: tuple[int, ...]
    """Texts with content that no theme explains."""


def text_key(text: str) -> str:
    """A text's identity whatever its case or row: discovery orders and samples texts by it."""
    return hashlib.sha1(text.casefold().encode(), usedforsecurity=False).hexdigest()
