"""A theme split in two or more by the team: its sentences grouped again by meaning."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def split_theme(
    vectors: NDArray[np.float32], *, parts: int = 2, random_state: int = 0
) -> list[NDArray[np.intp]]:
    """Split one theme's sentences into `parts` groups of row indices, largest first."""
    # Imported here: the codebook imports this module, and a worker taking turns or a server
    # starting up should not pay for scikit-learn's import (about a second of CPU).
    from sklearn.cluster import KMeans

    from askwhy.analysis.theme_assembly import unit_rows

    if parts < 2:
        raise ValueError("a split needs at least 2 parts")
    if len(vectors) < parts:
        raise ValueError(f"cannot split {len(vectors)} sentences into {parts} parts")
    unit = unit_rows(np.asarray(vectors, dtype=np.float32))
    groups = KMeans(n_clusters=parts, n_init=10, random_state=random_state).fit_predict(unit)
    found = [np.flatnonzero(groups == g).astype(np.intp) for g in range(parts)]
    return sorted(found, key=lambda g: (-len(g), int(g[0]) if len(g) else 0))
