"""Representative quotes for a theme: typical of it, not repeating each other, pleasant to read.

A quote has to speak: it carries content (never "thanks" or a handle alone), says something the
quotes before it did not (near-duplicates by meaning are left out, not only identical texts), and
reads as the customer wrote it, with HTML entities decoded and @handles removed. Texts arrive
redacted and stay so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.cleaning import has_content, readable_quote

PREFERRED_LENGTH = (20, 240)
"""Shorter quotes say too little to stand for a theme; longer ones bury it."""
NEAR_DUPLICATE = 0.9
"""Cosine similarity above which two quotes say the same thing, on the default model's scale (at
its paraphrase level); another model's level is `SimilarityScale.near_duplicate` of it. Callers
pass the embedding model's own level (`Container.near_duplicate`): the functions here have no default."""
DIVERSITY = 0.3
"""Weight of "unlike the quotes already chosen" against "close to the centre" (maximal marginal relevance)."""
POOL = 50


def representative(
    vectors: NDArray[np.float32],
    centroid: NDArray[np.float32],
    texts: Sequence[str],
    *,
    k: int = 5,
    near_duplicate: float,
    content: Sequence[bool] | None = None,
) -> list[int]:
    """Up to `k` row indices: near the centroid, de-duplicated (`near_duplicate` on the embedding
    model's own scale), of readable length where possible. `content`, where the caller knows it,
    says which texts have content (`has_content`), so that they are not cleaned again."""
    if len(texts) != len(vectors):
        raise ValueError(f"got {len(texts)} texts but {len(vectors)} vectors")
    if content is not None and len(content) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(content)} content flags")
    if k <= 0 or len(texts) == 0:
        return []
    closeness = vectors @ (centroid / max(float(np.linalg.norm(centroid)), 1e-12))
    readable = np.array(
        [
            PREFERRED_LENGTH[0] <= len(t.strip()) <= PREFERRED_LENGTH[1]
            and (has_content(t) if content is None else bool(content[i]))
            for i, t in enumerate(texts)
        ]
    )
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
        if key in seen or any(float(vectors[best] @ vectors[j]) >= near_duplicate for j in chosen):
            continue
        seen.add(key)
        chosen.append(best)
    return chosen


def _normalised(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def speaking_quotes(
    texts: Sequence[str],
    vectors: Sequence[NDArray[np.float32]],
    *,
    k: int,
    near_duplicate: float,
) -> list[int]:
    """Up to ``k`` indices of candidate quotes taken in the order given (most central first): each
    with content, and neither the same words nor the same meaning (a cosine of `near_duplicate`,
    on the embedding model's own scale) as a quote already taken."""
    if len(texts) != len(vectors):
        raise ValueError(f"got {len(texts)} texts but {len(vectors)} vectors")
    chosen: list[int] = []
    seen: set[str] = set()
    for i, text in enumerate(texts):
        if len(chosen) >= k:
            break
        shown = readable_quote(text)
        key = _normalised(shown)
        if not key or key in seen or not has_content(shown):
            continue
        if any(_cosine(vectors[i], vectors[j]) >= near_duplicate for j in chosen):
            continue
        seen.add(key)
        chosen.append(i)
    return chosen


def _cosine(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    if a.shape != b.shape:
        return 0.0
    norms = float(np.linalg.norm(a)) * float(np.linalg.norm(b))
    return float(a @ b) / norms if norms else 0.0
