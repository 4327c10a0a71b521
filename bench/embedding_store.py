"""Embeddings of benchmark texts, computed once per text and kept in bench/.cache/.

The store is keyed by each text's hash, so a change to how texts are cleaned or cut only costs the
texts that changed. Run it alone to fill the store for every labelled set before benchmarking:

    nice -n 10 .venv/bin/python -m bench.embedding_store
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from askwhy.analysis.embeddings import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from askwhy.analysis.multilingual_embeddings import MULTILINGUAL_MODEL
from bench.common import CACHE

CHUNK = 2048
_EMBEDDERS: dict[str, Embedder] = {}


def _key(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def embed_stored(texts: Sequence[str], *, what: str, model: str = DEFAULT_MODEL) -> npt.NDArray[np.float32]:
    """Embeddings of `texts` (one L2-normalised row each); only texts new to the store are embedded."""
    path = CACHE / f"store-{what}-{re.sub(r'[^A-Za-z0-9.-]+', '_', model)}.npz"
    keys = [_key(text) for text in texts]
    known: dict[str, int] = {}
    stored = np.zeros((0, 0), dtype=np.float32)
    if path.exists():
        with np.load(path, allow_pickle=False) as store:
            known = {str(key): row for row, key in enumerate(store["keys"])}
            stored = store["vectors"]
    missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in known}.items())
    if missing:
        fresh = _embed_with_progress([text for _, text in missing], what=what, model=model)
        stored = fresh if stored.size == 0 else np.vstack([stored, fresh])
        for key, _ in missing:
            known[key] = len(known)
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp.npz")
        np.savez(partial, keys=np.asarray(list(known)), vectors=stored)
        partial.replace(path)
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(stored[[known[key] for key in keys]], dtype=np.float32)


def embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """The model's embedder, loaded once; multilingual-e5-small through its own package."""
    if model not in _EMBEDDERS:
        if model == MULTILINGUAL_MODEL:
            from askwhy.analysis.multilingual_embeddings import MultilingualE5Embedder

            _EMBEDDERS[model] = MultilingualE5Embedder()
        else:
            _EMBEDDERS[model] = SentenceTransformerEmbedder(model, cache_size=0)
    return _EMBEDDERS[model]


def _embed_with_progress(texts: Sequence[str], *, what: str, model: str) -> npt.NDArray[np.float32]:
    encoder = embedder(model)
    order = np.argsort([len(text) for text in texts], kind="stable")
    vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns) as progress:
        task = progress.add_task(f"embedding {what}", total=len(texts))
        for start in range(0, len(texts), CHUNK):
            rows = order[start : start + CHUNK]
            vectors[rows] = encoder.encode([texts[row] for row in rows])
            progress.advance(task, len(rows))
    return vectors


def main() -> None:
    from askwhy.analysis.cleaning import clean_for_meaning
    from bench.corpora import sentiment_sets, theme_sets

    for sentiment in sentiment_sets():
        texts = [clean_for_meaning(t) for t in [*sentiment.train_texts, *sentiment.test_texts]]
        embed_stored(texts, what="texts")
    for themes in theme_sets():
        embed_stored([clean_for_meaning(t) for t in themes.texts], what="texts")


if __name__ == "__main__":
    main()
