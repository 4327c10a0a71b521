"""Discovered clusters made into themes a person reads: labels, near-duplicate subthemes merged by
label, quotes, descriptions and ids.

Labels are phrases from the theme's own texts (`askwhy.analysis.phrases`); two subthemes whose
best phrase is the same are one subtheme, merged. Ids are derived from the words that set each
theme apart (`askwhy.analysis.theme_ids`), not from the label, so the same input gives the same
ids and a near-tie between two label phrases does not change a theme's identity.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.discovered import DiscoveredTheme, text_key
from askwhy.analysis.phrases import NO_PHRASE, Phrase, label_themes, words
from askwhy.analysis.quotes import representative
from askwhy.analysis.theme_ids import content_words, sibling_ids, theme_id


def assemble_themes(
    cleaned: Sequence[str],
    unit: NDArray[np.float32],
    fine: NDArray[np.int64],
    parent: NDArray[np.int64],
    *,
    scores: NDArray[np.float64],
    content: NDArray[np.bool_],
    brand_terms: Collection[str],
    near_duplicate: float,
) -> list[DiscoveredTheme]:
    """Label, merge by label and package the subthemes (`fine`, a number per text, −1 for none)
    and their themes (`parent`, a top-level number per subtheme), largest first; `content` says
    which texts have content (`askwhy.analysis.cleaning.has_content`)."""
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
                content=content,
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
            content=content,
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
        centre = unit_rows(unit[members].mean(axis=0, keepdims=True))[0]
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
    content: NDArray[np.bool_],
    ranked: list[Phrase],
    parent_label: str,
    near_duplicate: float,
) -> DiscoveredTheme:
    centroid = unit_rows(unit[members].mean(axis=0, keepdims=True))[0]
    texts = [cleaned[i] for i in members]
    quotes = representative(
        unit[members], centroid, texts, k=5, near_duplicate=near_duplicate, content=content[members].tolist()
    )
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


def unit_rows(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Each row scaled to length 1 (a zero row stays zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)
