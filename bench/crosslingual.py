"""Cross-lingual theme agreement: the product's theme path on English and Spanish comments about the
same topics (bench/data/crosslingual_feedback.csv), run by `python -m bench.languages`."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

from askwhy.analysis.assignment import STRONG_SIMILARITY, assign_themes
from askwhy.analysis.cleaning import clean_for_meaning
from askwhy.analysis.discovered import Discovery
from askwhy.analysis.discovery import discover_codebook
from askwhy.analysis.embeddings import Embedder
from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.analysis.similarity_scale import DEFAULT_SCALE, SimilarityScale, measure_scale
from askwhy.insights.code_responses import AssignmentRule

CROSSLINGUAL_SET = Path(__file__).parent / "data" / "crosslingual_feedback.csv"
LANGUAGES = ("en", "es")
SEED = 0
KMEANS_STARTS = 10
"""KMeans keeps the best of ten starts: with one, its AMI on this set moved by up to 0.05 between seeds."""

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Comments:
    texts: list[str]
    topics: list[str]
    languages: list[str]


def load_crosslingual(path: Path) -> Comments:
    """The labelled comments (columns topic, language, text); a clear error on a malformed file."""
    if not path.exists():
        raise SystemExit(f"{path} is missing (it is part of the repository)")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or set(rows[0]) != {"topic", "language", "text"}:
        raise ValueError(f"{path}: expected the columns topic, language, text")
    for number, row in enumerate(rows, start=2):
        if row["language"] not in LANGUAGES or not row["topic"].strip() or not row["text"].strip():
            raise ValueError(f"{path}, line {number}: needs a topic, a language in {LANGUAGES} and a text")
    return Comments([r["text"] for r in rows], [r["topic"] for r in rows], [r["language"] for r in rows])


@dataclass
class Agreement:
    ami: float
    ari: float
    groups: int
    """Themes (or clusters) found, not counting the group of comments left without one."""
    mixed: float
    """Share of those groups holding comments in both languages."""
    per_language: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass
class CrossLingual:
    model: str
    ours: Agreement
    subthemes: Agreement
    kmeans: Agreement
    topics: int
    unthemed: float
    """Share of comments the product path left without a theme (no content, or nothing close enough)."""
    nearest: float
    """Share of Spanish comments whose nearest English comment has the same topic."""
    encode_cpu: float

    def table(self, which: str) -> str:
        runs = (self.ours, self.subthemes, self.kmeans)
        if which == "both":
            scores = " | ".join(f"{run.ami:.3f} / {run.ari:.3f}" for run in runs)
            mixed = " | ".join(f"{run.mixed:.0%}" for run in runs)
            return (
                f"| {self.model} | {self.ours.groups} ({self.subthemes.groups}) | {self.unthemed:.0%} | "
                f"{scores} | {mixed} | {self.nearest:.2f} |"
            )
        cells = " | ".join(
            f"{run.per_language[lang][0]:.3f} / {run.per_language[lang][1]:.3f}"
            for lang in LANGUAGES
            for run in runs
        )
        return f"| {self.model} | {cells} |"


def product_themes(
    texts: list[str], vectors: npt.NDArray[np.float32], scale: SimilarityScale
) -> tuple[IntArray, IntArray]:
    """Top-level theme and subtheme number per comment (−1: none). Top level: discovery, then the
    assignment rule for the comments discovery left unassigned (offered to the top-level themes, as
    `askwhy.insights.propose_themes` offers the pool), both on the model's scale as `askwhy.bootstrap`
    sets them. Subthemes: discovery's (a theme without subthemes is its own), none for the pool."""
    rule = AssignmentRule(
        threshold=scale.threshold(0.5),
        margin=scale.difference(0.08),
        strong=scale.threshold(STRONG_SIMILARITY),
        near_duplicate=scale.near_duplicate(NEAR_DUPLICATE),
    )
    found: Discovery = discover_codebook(texts, vectors, near_duplicate=rule.near_duplicate)
    top = np.full(len(texts), -1, dtype=np.int64)
    sub = np.full(len(texts), -1, dtype=np.int64)
    count = 0
    for number, discovered in enumerate(found.themes):
        top[list(discovered.members)] = number
        for child in discovered.subthemes or (discovered,):
            sub[list(child.members)] = count
            count += 1
    pool = list(found.unassigned)
    if pool and found.themes:
        centres = {str(n): t.centroid for n, t in enumerate(found.themes)}
        matches = assign_themes(
            vectors[pool],
            centres,
            threshold=rule.threshold,
            margin=rule.margin,
            max_themes=rule.max_themes,
            strong=rule.strong,
        )
        for row, hits in zip(pool, matches, strict=True):
            if hits:
                top[row] = int(hits[0][0])
    return top, sub


def agreement(topics: list[str], languages: list[str], found: IntArray) -> Agreement:
    """AMI and ARI against the topics (comments without a theme are one group), overall and within
    each language, and the share of groups holding both languages."""
    groups = sorted(set(found.tolist()) - {-1})
    mixed = [len({languages[i] for i in np.flatnonzero(found == g)}) == len(LANGUAGES) for g in groups]
    result = Agreement(
        adjusted_mutual_info_score(topics, found),
        adjusted_rand_score(topics, found),
        len(groups),
        float(np.mean(mixed)) if mixed else 0.0,
    )
    for lang in LANGUAGES:
        rows = [i for i, x in enumerate(languages) if x == lang]
        truth = [topics[i] for i in rows]
        result.per_language[lang] = (
            adjusted_mutual_info_score(truth, found[rows]),
            adjusted_rand_score(truth, found[rows]),
        )
    return result


def measure_crosslingual(
    name: str, load: Callable[[], Embedder], data: Comments, *, default_model: bool
) -> CrossLingual:
    """The product path and KMeans on `data` with one model (the default model's scale is its own)."""
    embedder = load()
    scale = DEFAULT_SCALE if default_model else measure_scale(embedder)
    started = time.process_time()
    vectors = np.asarray(embedder.encode([clean_for_meaning(t) or t for t in data.texts]), dtype=np.float32)
    encode_cpu = time.process_time() - started
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ours, sub = product_themes(data.texts, vectors, scale)
    k = len(set(data.topics))
    kmeans = np.asarray(
        KMeans(k, n_init=KMEANS_STARTS, random_state=SEED).fit_predict(vectors), dtype=np.int64
    )
    spanish = [i for i, x in enumerate(data.languages) if x == "es"]
    english = [i for i, x in enumerate(data.languages) if x == "en"]
    nearest = np.asarray(english)[np.argmax(vectors[spanish] @ vectors[english].T, axis=1)]
    same = np.mean([data.topics[i] == data.topics[j] for i, j in zip(spanish, nearest, strict=True)])
    return CrossLingual(
        name,
        agreement(data.topics, data.languages, ours),
        agreement(data.topics, data.languages, sub),
        agreement(data.topics, data.languages, kmeans),
        k,
        float(np.mean(ours == -1)),
        float(same),
        encode_cpu,
    )
