"""Theme discovery: a two-level codebook (themes with subthemes) from texts nobody has coded yet.

How (measured on every labelled set in `bench/themes_quality.py`):

1. Fragments with no content (greetings, thanks, "ok", a handle alone) go to a "no content"
   bucket and are never clustered.
2. The rest are clustered on two levels by `askwhy.analysis.theme_clusters`: one Ward tree over a
   sample of distinct texts chosen by text hash; the top level is its best-separated cut among
   8–30 themes (fewer for small data), the subthemes a finer cut refined over every text. A text
   much further from its subtheme's centre than texts usually are stays unassigned.
3. The clusters become themes a person reads (`askwhy.analysis.theme_assembly`): labelled by
   phrases from their own texts, subthemes with the same label merged, quotes, descriptions and
   ids derived from the words that set each theme apart.

What it returns is in `askwhy.analysis.discovered`; a team's split of one theme is
`askwhy.analysis.theme_split`. Both are importable from here too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.cleaning import clean_for_meaning, has_content
from askwhy.analysis.discovered import DiscoveredTheme, Discovery, text_key
from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.analysis.theme_assembly import assemble_themes, unit_rows
from askwhy.analysis.theme_clusters import MAX_SAMPLE, cluster_two_levels


def discover_themes(
    texts: Sequence[str],
    vectors: NDArray[np.float32],
    *,
    min_theme_size: int | None = None,
    sentiments: Sequence[float | None] | None = None,
    brand_terms: Collection[str] = (),
    max_sample: int = MAX_SAMPLE,
) -> list[DiscoveredTheme]:
    """Top-level themes found among `texts` (one embedding row each), largest first."""
    return discover_codebook(
        texts,
        vectors,
        min_theme_size=min_theme_size,
        sentiments=sentiments,
        brand_terms=brand_terms,
        max_sample=max_sample,
    ).themes


def min_size_for(n: int) -> int:
    """The smallest theme worth proposing: 0.2% of the texts, and at least 3."""
    return max(3, int(np.ceil(0.002 * n)))


def discover_codebook(
    texts: Sequence[str],
    vectors: NDArray[np.float32],
    *,
    min_theme_size: int | None = None,
    sentiments: Sequence[float | None] | None = None,
    brand_terms: Collection[str] = (),
    max_sample: int = MAX_SAMPLE,
    near_duplicate: float = NEAR_DUPLICATE,
    codebook: NDArray[np.float32] | None = None,
) -> Discovery:
    """Themes and subthemes among `texts`; members index `texts` (the module docstring says how).
    Quotes a theme shows never say the same thing twice (a cosine of `near_duplicate`, on the
    embedding model's own scale). On a re-run, `codebook` holds the centres of the top-level themes
    the codebook already has: that top level stays where the data separates it as well as the best
    count, within noise (`askwhy.analysis.theme_clusters.top_level`)."""
    if len(texts) != len(vectors):
        raise ValueError(f"got {len(texts)} texts but {len(vectors)} vectors")
    if sentiments is not None and len(sentiments) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(sentiments)} sentiments")
    if min_theme_size is not None and min_theme_size < 1:
        raise ValueError("min_theme_size must be at least 1")
    if not len(texts):
        return Discovery([], (), ())
    # Work in an order given by the texts alone: floating-point sums then do not depend on the
    # order rows came in, and the result is the same for the same input in any order.
    order = sorted(range(len(texts)), key=lambda i: (text_key(texts[i]), texts[i]))
    found = _discover(
        [texts[i] for i in order],
        np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)[order],
        min_theme_size=min_theme_size,
        sentiments=None if sentiments is None else [sentiments[i] for i in order],
        brand_terms=brand_terms,
        max_sample=max_sample,
        near_duplicate=near_duplicate,
        codebook=None if codebook is None else unit_rows(np.asarray(codebook, dtype=np.float32)),
    )
    return _in_given_order(found, order)


def _in_given_order(found: Discovery, order: list[int]) -> Discovery:
    def back(theme: DiscoveredTheme) -> DiscoveredTheme:
        return replace(
            theme,
            members=tuple(sorted(order[m] for m in theme.members)),
            quotes=tuple(order[q] for q in theme.quotes),
            subthemes=tuple(back(s) for s in theme.subthemes),
        )

    return Discovery(
        [back(t) for t in found.themes],
        tuple(sorted(order[i] for i in found.no_content)),
        tuple(sorted(order[i] for i in found.unassigned)),
    )


def _discover(
    texts: Sequence[str],
    vectors: NDArray[np.float32],
    *,
    min_theme_size: int | None,
    sentiments: Sequence[float | None] | None,
    brand_terms: Collection[str],
    max_sample: int,
    near_duplicate: float,
    codebook: NDArray[np.float32] | None,
) -> Discovery:
    cleaned = [clean_for_meaning(t, brand_terms=brand_terms, emoji=False) for t in texts]
    content = np.array([has_content(t) for t in cleaned], dtype=bool)
    no_content = tuple(int(i) for i in np.flatnonzero(~content))
    rows = np.flatnonzero(content)
    least = min_theme_size or min_size_for(len(rows))
    unit = unit_rows(np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1))
    fine, parent = _renumber(
        *cluster_two_levels(
            unit[rows], [text_key(cleaned[i]) for i in rows], least, max_sample, codebook=codebook
        )
    )
    if not len(parent):
        return Discovery([], no_content, tuple(int(i) for i in rows))
    assignment = np.full(len(texts), -1, dtype=np.int64)
    assignment[rows] = fine
    scores = _scores(sentiments, len(texts))
    themes = assemble_themes(
        cleaned,
        unit,
        assignment,
        parent,
        scores=scores,
        content=content,
        brand_terms=brand_terms,
        near_duplicate=near_duplicate,
    )
    themed = {m for t in themes for m in t.members}
    unassigned = tuple(int(i) for i in rows if int(i) not in themed)
    return Discovery(themes, no_content, unassigned)


def _scores(sentiments: Sequence[float | None] | None, n: int) -> NDArray[np.float64]:
    if sentiments is None:
        return np.full(n, np.nan)
    return np.array([np.nan if s is None else float(s) for s in sentiments], dtype=np.float64)


def _renumber(
    assignment: NDArray[np.int64], parents: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Subthemes present, numbered 0..m−1; parents numbered 0..k−1 in order of first subtheme."""
    present = np.unique(assignment[assignment >= 0])
    mapping = np.full(len(parents), -1, dtype=np.int64)
    mapping[present] = np.arange(len(present))
    renumbered = np.where(assignment >= 0, mapping[np.maximum(assignment, 0)], -1)
    _, tops = np.unique(parents[present], return_inverse=True)
    return renumbered.astype(np.int64), tops.astype(np.int64)
