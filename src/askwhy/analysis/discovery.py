"""Theme discovery: a two-level codebook (themes with subthemes) from texts nobody has coded yet.

How (measured on every labelled set in `bench/themes_quality.py`):

1. Fragments with no content (greetings, thanks, "ok", a handle alone) go to a "no content"
   bucket and are never clustered.
2. The rest are clustered on two levels by `askwhy.analysis.theme_clusters`: one Ward tree over a
   sample of distinct texts chosen by text hash; the top level is its best-separated cut among
   8–30 themes (fewer for small data), the subthemes a finer cut refined over every text. A text
   much further from its subtheme's centre than texts usually are stays unassigned.
3. Labels are phrases from the theme's own texts (`askwhy.analysis.phrases`); two subthemes
   whose best phrase is the same are one subtheme, merged. Ids are derived from the words that set
   each theme apart (`askwhy.analysis.theme_ids`), not from the label, so the same input gives the
   same ids and a near-tie between two label phrases does not change a theme's identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray
from sklearn.cluster import KMeans

from askwhy.analysis.cleaning import clean_for_meaning, has_content
from askwhy.analysis.phrases import NO_PHRASE, Phrase, label_themes, words
from askwhy.analysis.quotes import NEAR_DUPLICATE, representative
from askwhy.analysis.theme_clusters import MAX_SAMPLE, cluster_two_levels
from askwhy.analysis.theme_ids import content_words, sibling_ids, theme_id


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
    return hashlib.sha1(text.casefold().encode(), usedforsecurity=False).hexdigest()


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
) -> Discovery:
    """Themes and subthemes among `texts`; members index `texts` (the module docstring says how).
    Quotes a theme shows never say the same thing twice (a cosine of `near_duplicate`, on the
    embedding model's own scale)."""
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
) -> Discovery:
    cleaned = [clean_for_meaning(t, brand_terms=brand_terms, emoji=False) for t in texts]
    content = np.array([has_content(t) for t in cleaned], dtype=bool)
    no_content = tuple(int(i) for i in np.flatnonzero(~content))
    rows = np.flatnonzero(content)
    least = min_theme_size or min_size_for(len(rows))
    unit = _normalise(np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1))
    fine, parent = _renumber(
        *cluster_two_levels(unit[rows], [text_key(cleaned[i]) for i in rows], least, max_sample)
    )
    if not len(parent):
        return Discovery([], no_content, tuple(int(i) for i in rows))
    assignment = np.full(len(texts), -1, dtype=np.int64)
    assignment[rows] = fine
    scores = _scores(sentiments, len(texts))
    themes = _build(
        cleaned,
        unit,
        assignment,
        parent,
        scores=scores,
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


def _build(
    cleaned: Sequence[str],
    unit: NDArray[np.float32],
    fine: NDArray[np.int64],
    parent: NDArray[np.int64],
    *,
    scores: NDArray[np.float64],
    brand_terms: Collection[str],
    near_duplicate: float,
) -> list[DiscoveredTheme]:
    """Label, merge by label and package the subthemes and their themes."""
    top = np.where(fine >= 0, parent[np.maximum(fine, 0)], -1)
    top_groups = [np.flatnonzero(top == t) for t in range(int(parent.max()) + 1)]
    fine_groups = [np.flatnonzero(fine == f) for f in range(len(parent))]
    top_labels, top_ranked = _labels(cleaned, unit, top_groups, scores=scores, brand_terms=brand_terms)
    fine_labels, fine_ranked = _labels(
        cleaned,
        unit,
        fine_groups,
        scores=scores,
        brand_terms=brand_terms,
        taken=top_labels,
        families=[int(p) for p in parent],
    )
    themes = []
    for t, members in enumerate(top_groups):
        children: dict[str, list[int]] = {}
        ranked: dict[str, list[Phrase]] = {}
        for f in np.flatnonzero(parent == t):
            # Subthemes with one label are near-duplicates, merged; those with no phrase stay apart.
            key = fine_labels[f] if fine_labels[f] != NO_PHRASE else f"{NO_PHRASE}\x1f{f}"
            children.setdefault(key, []).extend(int(i) for i in fine_groups[f])
            ranked.setdefault(key, fine_ranked[f])
        subthemes = [
            _theme(
                label.split("\x1f")[0],
                np.sort(np.asarray(rows)),
                cleaned=cleaned,
                unit=unit,
                scores=scores,
                ranked=ranked[label],
                parent_label=top_labels[t],
                near_duplicate=near_duplicate,
            )
            for label, rows in children.items()
        ]
        subthemes = subthemes if len(subthemes) > 1 else []
        theme = _theme(
            top_labels[t],
            members,
            cleaned=cleaned,
            unit=unit,
            scores=scores,
            ranked=top_ranked[t],
            parent_label="",
            near_duplicate=near_duplicate,
        )
        themes.append(_with_subthemes(theme, sorted(subthemes, key=_order)))
    return sorted(_with_ids(themes, cleaned, brand_terms), key=_order)


def _with_ids(
    themes: list[DiscoveredTheme], cleaned: Sequence[str], brand_terms: Collection[str]
) -> list[DiscoveredTheme]:
    """Every theme's id from its signature against all texts, a subtheme's against its parent's."""
    banned = frozenset(w for term in brand_terms for w in words(term))
    vocabulary = [content_words(t, banned=banned) for t in cleaned]
    everything = sorted({m for t in themes for m in t.members})
    ids = sibling_ids([t.members for t in themes], everything, vocabulary, labels=_names(themes, cleaned))
    return [
        replace(
            theme,
            id=top,
            subthemes=tuple(
                replace(child, id=sub)
                for child, sub in zip(
                    theme.subthemes,
                    sibling_ids(
                        [c.members for c in theme.subthemes],
                        theme.members,
                        vocabulary,
                        labels=_names(theme.subthemes, cleaned),
                        parent=top,
                    ),
                    strict=True,
                )
            ),
        )
        for theme, top in zip(themes, ids, strict=True)
    ]


def _labels(
    cleaned: Sequence[str],
    unit: NDArray[np.float32],
    groups: list[NDArray[np.intp]],
    *,
    scores: NDArray[np.float64],
    brand_terms: Collection[str],
    taken: Sequence[str] = (),
    families: Sequence[int] | None = None,
) -> tuple[list[str], list[list[Phrase]]]:
    closeness = np.zeros(len(cleaned), dtype=np.float64)
    for members in groups:
        centre = _normalise(unit[members].mean(axis=0, keepdims=True))[0]
        closeness[members] = unit[members] @ centre
    moods = [float(np.nanmean(scores[m])) if np.isfinite(scores[m]).any() else 0.0 for m in groups]
    return label_themes(
        cleaned, groups, closeness, brand_terms=brand_terms, moods=moods, taken=taken, families=families
    )


def _theme(
    label: str,
    members: NDArray[np.intp],
    *,
    cleaned: Sequence[str],
    unit: NDArray[np.float32],
    scores: NDArray[np.float64],
    ranked: list[Phrase],
    parent_label: str,
    near_duplicate: float,
) -> DiscoveredTheme:
    centroid = _normalise(unit[members].mean(axis=0, keepdims=True))[0]
    texts = [cleaned[i] for i in members]
    quotes = representative(unit[members], centroid, texts, k=5, near_duplicate=near_duplicate)
    mood = scores[members]
    sentiment = float(np.nanmean(mood)) if np.isfinite(mood).any() else None
    keywords = tuple(p.text for p in ranked[:5]) or ((label,) if label != NO_PHRASE else ())
    return DiscoveredTheme(
        label=label,
        description=_description(keywords, len(members), mood),
        keywords=keywords,
        members=tuple(int(i) for i in members),
        centroid=centroid,
        size=len(members),
        sentiment=sentiment,
        quotes=tuple(int(members[q]) for q in quotes),
        id=theme_id(label if label != NO_PHRASE else _anchor(members, cleaned), parent_label),
    )


def _names(themes: Sequence[DiscoveredTheme], cleaned: Sequence[str]) -> list[str]:
    """Distinct names of siblings: their labels, or for a theme with no phrase its anchor text."""
    return [t.label if t.label != NO_PHRASE else _anchor(np.asarray(t.members), cleaned) for t in themes]


def _anchor(members: NDArray[np.intp], cleaned: Sequence[str]) -> str:
    """What names a theme with no phrase of its own: the first of its texts in hash order."""
    return "\x1e" + min(text_key(cleaned[i]) for i in members)


def _with_subthemes(theme: DiscoveredTheme, subthemes: list[DiscoveredTheme]) -> DiscoveredTheme:
    return DiscoveredTheme(**{**theme.__dict__, "subthemes": tuple(subthemes)})


def _order(theme: DiscoveredTheme) -> tuple[int, str]:
    return (-theme.size, theme.label)


def _description(keywords: tuple[str, ...], size: int, scores: NDArray[np.float64]) -> str:
    values = scores[np.isfinite(scores)]
    count = f"{size} sentence" if size == 1 else f"{size} sentences"
    mood = ""
    if values.size:
        mood = (
            "mostly negative"
            if np.mean(values < 0) >= 0.6
            else "mostly positive"
            if np.mean(values > 0) >= 0.6
            else "mixed"
        )
    detail = f"{count}, {mood}" if mood else count
    said = ", ".join(f'"{k}"' for k in keywords[:4]) or "nothing distinctive"
    return f"Customers say {said} ({detail})."


def split_theme(
    vectors: NDArray[np.float32], *, parts: int = 2, random_state: int = 0
) -> list[NDArray[np.intp]]:
    """Split one theme's sentences into `parts` groups of row indices, largest first."""
    if parts < 2:
        raise ValueError("a split needs at least 2 parts")
    if len(vectors) < parts:
        raise ValueError(f"cannot split {len(vectors)} sentences into {parts} parts")
    unit = _normalise(np.asarray(vectors, dtype=np.float32))
    groups = KMeans(n_clusters=parts, n_init=10, random_state=random_state).fit_predict(unit)
    found = [np.flatnonzero(groups == g).astype(np.intp) for g in range(parts)]
    return sorted(found, key=lambda g: (-len(g), int(g[0]) if len(g) else 0))


def _normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)
