"""Representative quotes for a theme: typical of it, not repeating each other, pleasant to read."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

PREFERRED_LENGTH = (20, 240)
"""Shorter quotes say too little to stand for a theme; longer ones bury it."""
NEAR_DUPLICATE = 0.95
DIVERSITY = 0.3
"""Weight of "unlike the quotes already chosen" against "close to the centre" (maximal marginal relevance)."""
POOL = 50


def representative(
    vectors: NDArray[np.float32], centroid: NDArray[np.float32], texts: Sequence[str], *, k: int = 5
) -> list[int]:
    """Up to `k` row indices: near the centroid, de-duplicated, of readable length where possible."""
    if len(texts) != len(vectors):
        raise ValueError(f"got {len(texts)} texts but {len(vectors)} vectors")
    if k <= 0 or len(texts) == 0:
        return []
    closeness = vectors @ (centroid / max(float(np.linalg.norm(centroid)), 1e-12))
    readable = np.array([PREFERRED_LENGTH[0] <= len(t.strip()) <= PREFERRED_LENGTH[1] for t in texts])
    # Readable texts first, each group nearest first; only the best few are worth comparing.
    order = np.lexsort((-closeness, ~readable))[: max(POOL, k)]
    chosen: list[int] = []
    seen: set[str] = set()
    candidates = [int(i) for i in order]
    while candidates and len(chosen) < k:
        best, best_score = -1, -np.inf
        for i in candidates:
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            score = (1 - DIVERSITY) * float(closeness[i]) - DIVERSITY * redundancy - (0 if readable[i] else 1)
            if score > best_score:
                best, best_score = i, score
        candidates.remove(best)
        key = _normalised(texts[best])
        if key in seen or any(float(vectors[best] @ vectors[j]) >= NEAR_DUPLICATE for j in chosen):
            continue
        seen.add(key)
        chosen.append(best)
    return chosen


def _normalised(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()
