"""Placing newly discovered themes in a codebook that already has themes, so a re-run keeps ids.

A re-run discovers themes among the texts the codebook does not explain yet. A discovered theme that
is an existing theme under another shape is that theme: its texts join it and nothing new is
proposed. It is the same theme when half of its texts are already that theme's texts (a re-analysed
response, a repeated answer), when its label is that theme's label, or when their centres are as
close as two samples of one theme are (`NEAR_DUPLICATE`). Only the rest become new proposals, with
ids derived from their content, so the same input gives the same ids whatever the row order or the
database's row ids. Existing themes are never relabelled, moved or recentred here: what a team saw
and edited stays as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.discovered import DiscoveredTheme, text_key
from askwhy.analysis.theme_ids import theme_id

NEAR_DUPLICATE = 0.9
"""Centre similarity at and above which two themes are one. Measured with all-MiniLM-L6-v2 on
Banking77: two disjoint halves of one subtheme have centres at 0.92 or closer for 95% of subthemes
(0.98 for top-level themes), while no two sibling subthemes reach 0.9 (the closest pair: 0.89).
Another model's level is `SimilarityScale.near_duplicate` of it, passed as ``near_duplicate``."""
SHARED_TEXTS = 0.5
"""Share of a discovered theme's distinct texts already in an existing theme that makes it that theme."""


@dataclass(frozen=True)
class KnownTheme:
    """A live theme of the codebook (proposed or accepted), as discovery may match it."""

    id: str
    label: str
    centroid: NDArray[np.float32] | None = field(default=None, repr=False)
    texts: frozenset[str] = frozenset()
    """`text_key` of each of its sentences."""
    parent_id: str | None = None


@dataclass(frozen=True)
class Placement:
    """Where one discovered theme goes: into an existing theme (`known`) or a new one (`id`)."""

    discovered: DiscoveredTheme
    known: str | None
    id: str
    """The existing theme's id, or the new theme's content-derived id."""
    subthemes: tuple[Placement, ...] = ()


def place_themes(
    themes: Sequence[DiscoveredTheme],
    texts: Sequence[str],
    known: Sequence[KnownTheme],
    *,
    near_duplicate: float = NEAR_DUPLICATE,
) -> list[Placement]:
    """Each discovered top-level theme matched to an existing theme or kept as a new one; its
    subthemes matched among that theme's children (a subtheme of a matched subtheme just joins it).
    `near_duplicate` is `NEAR_DUPLICATE` on the embedding model's own scale."""
    keys = [text_key(t) for t in texts]
    placements = []
    for theme in themes:
        match = same_theme(theme, keys, known, near_duplicate=near_duplicate)
        if match is None:
            children = _children(theme, keys, (), parent="", near_duplicate=near_duplicate)
            placements.append(Placement(theme, None, theme.id, children))
        elif match.parent_id is None:
            siblings = [k for k in known if k.parent_id == match.id]
            children = _children(theme, keys, siblings, match.id, near_duplicate=near_duplicate)
            placements.append(Placement(theme, match.id, match.id, children))
        else:
            placements.append(Placement(theme, match.id, match.id))
    return placements


def _children(
    theme: DiscoveredTheme,
    keys: Sequence[str],
    known: Sequence[KnownTheme],
    parent: str,
    *,
    near_duplicate: float,
) -> tuple[Placement, ...]:
    """Subthemes placed under an existing parent (`parent`, with children `known`) or a new one."""
    placed = []
    for child in theme.subthemes:
        # Under an existing parent, a subtheme nearer to one of its children than to the parent's
        # topic as a whole is that child: new data is coded into the subthemes people have seen.
        near = float(child.centroid @ theme.centroid)
        match = same_theme(child, keys, known, near=near, near_duplicate=near_duplicate)
        if match is not None:
            placed.append(Placement(child, match.id, match.id))
        else:
            # Under an existing parent the id hangs on the parent's id, which never changes with labels.
            placed.append(Placement(child, None, theme_id(child.label, parent) if parent else child.id))
    return tuple(placed)


def same_theme(
    theme: DiscoveredTheme,
    keys: Sequence[str],
    known: Sequence[KnownTheme],
    *,
    near: float = 1.0,
    near_duplicate: float = NEAR_DUPLICATE,
) -> KnownTheme | None:
    """The existing theme this discovered one is, if any: most shared texts first, then the same
    label, then the nearest centre at `near` or `near_duplicate` (whichever is lower) or closer."""
    if not known:
        return None
    mine = {keys[m] for m in theme.members}
    shared = [(len(mine & k.texts) / max(len(mine), 1), k.id, k) for k in known]
    best_shared = max(shared, key=lambda s: (s[0], s[1]))
    if best_shared[0] >= SHARED_TEXTS:
        return best_shared[2]
    label = theme.label.casefold()
    for k in sorted(known, key=lambda k: k.id):
        if k.label.casefold() == label:
            return k
    close = [
        (float(theme.centroid @ k.centroid), k.id, k)
        for k in known
        if k.centroid is not None and k.centroid.shape == theme.centroid.shape
    ]
    if close:
        similarity, _, nearest = max(close, key=lambda c: (c[0], c[1]))
        if similarity >= min(near, near_duplicate):
            return nearest
    return None


def proposes(placed: Placement, pooled: Collection[int], least: int) -> bool:
    """Whether a placement is a theme to write: an existing theme always (it gains its pool texts),
    a new one only when at least `least` of its texts have no theme yet."""
    return placed.known is not None or sum(1 for m in placed.discovered.members if m in pooled) >= least


def kept_share(before: Sequence[str], after: Sequence[str]) -> float:
    """Share of the earlier themes' ids still present after a re-run (1.0 when there were none)."""
    if not before:
        return 1.0
    now = set(after)
    return float(np.mean([i in now for i in before]))
