"""The baselines of the themes benchmark beside discovery: BERTopic, and how far we are above both.

BERTopic is a bench-only dependency (`pip install -e '.[bench]'`); without it its cells stay empty.
It is given the same embeddings as discovery, so it loads no embedding model and reaches no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from bench.themes_quality import SetResult

IntArray = npt.NDArray[np.int64]

BERTOPIC_SETTINGS = (
    "BERTopic 0.17 runs with its defaults (UMAP to 5 dimensions, 15 neighbours, cosine; HDBSCAN, "
    "smallest topic 10, `eom`; c-TF-IDF over a plain `CountVectorizer`; its outliers, topic −1, count "
    "as one group like ours) and two differences: it is given the embeddings instead of embedding "
    "the texts itself (`embedding_model` unset, so no model is loaded or downloaded), and its UMAP is "
    "BERTopic's own default UMAP with `random_state={seed}` added, so a run is repeatable (UMAP then "
    "runs on one thread)."
)


def bertopic_topics(texts: list[str], vectors: npt.NDArray[np.float32], *, seed: int) -> IntArray | None:
    """BERTopic's topic per text (−1 for its outliers) on `vectors`, or None if it is not installed."""
    try:
        from bertopic import BERTopic
        from umap import UMAP
    except ImportError:
        return None
    # BERTopic's default UMAP (bertopic/_bertopic.py), seeded.
    umap = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False, random_state=seed
    )
    topics, _ = BERTopic(umap_model=umap).fit_transform(texts, embeddings=vectors)
    return np.asarray(topics, dtype=np.int64)


def margins(results: Sequence[SetResult], baseline: str) -> list[tuple[float, str]]:
    """Our better level's AMI minus the baseline's ("kmeans" or "bertopic"), per set and code level."""
    out = []
    for r in results:
        theirs = getattr(r, baseline)
        for suffix, level in (("", "fine"), (" coarse", "coarse")):
            if level not in theirs or "top" + suffix not in r.ours:
                continue
            better = max(r.ours["top" + suffix].ami, r.ours["sub" + suffix].ami)
            name = r.name if level == "fine" else f"{r.name} (coarse codes)"
            out.append((better - theirs[level].ami, name))
    return out


def comparison(results: Sequence[SetResult]) -> str:
    """One sentence per baseline: the rows where our better level is above and below it, worst and best."""
    sentences = []
    for baseline, title in (("kmeans", "KMeans given k"), ("bertopic", "BERTopic")):
        found = margins(results, baseline)
        if not found:
            continue
        below = [f"{name} ({margin:+.3f})" for margin, name in sorted(found) if margin < 0]
        worst, best = min(found), max(found)
        where = f"below it on {', '.join(below)}" if below else "below it on none"
        sentences.append(
            f"Against {title}, our better level's AMI is at or above it on {len(found) - len(below)} of "
            f"{len(found)} rows and {where}; worst margin {worst[0]:+.3f} ({worst[1]}), best "
            f"{best[0]:+.3f} ({best[1]})."
        )
    return " ".join(sentences)
