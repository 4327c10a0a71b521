"""The themes a guide names, as codes of the codebook: their stable ids and their centres.

A guide's themes (late delivery, price…) exist in the codebook from the start. Their ids derive
from the guide and the theme's key, so syncing or analysing again never duplicates them, and the
themes of one guide are found by the id's prefix. Their centre is the mean embedding of their
label and keywords, in every language the guide gives.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

ID_LENGTH = 32
"""The length of a theme id in the codebook."""


def guide_prefix(guide_id: str) -> str:
    """The start of every id of a guide's themes: never the start of a discovered (hex) id."""
    return f"g{hashlib.sha256(guide_id.encode()).hexdigest()[:8]}-"


def seed_theme_id(guide_id: str, key: str) -> str:
    """The codebook id of the guide's theme ``key``: readable when short enough, stable always."""
    prefix = guide_prefix(guide_id)
    room = ID_LENGTH - len(prefix)
    if len(key) <= room:
        return prefix + key
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"{prefix}{key[: room - 9]}-{digest}"


def seed_texts(labels: Iterable[str], keywords: Iterable[str]) -> list[str]:
    """What a guide theme's centre is made of: its labels and keywords, each once, in order."""
    return list(dict.fromkeys(t.strip().rstrip("*") for t in [*labels, *keywords] if t.strip().rstrip("*")))


def flat_keywords(keywords: Mapping[str, Iterable[str]]) -> list[str]:
    """A guide theme's keywords across its languages, each once, sorted (customers mix languages)."""
    return sorted({k.strip() for words in keywords.values() for k in words if k.strip()})


_SEED_ID = re.compile(r"^g[0-9a-f]{8}-")


def is_guide_theme(theme_id: str) -> bool:
    """True for the id of a theme a guide names (whichever guide)."""
    return bool(_SEED_ID.match(theme_id))


def guide_of_theme(theme_id: str) -> str | None:
    """The id prefix a guide theme shares with the other themes of its guide; None if discovered."""
    found = _SEED_ID.match(theme_id)
    return found.group(0) if found else None
