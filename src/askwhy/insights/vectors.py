"""Embeddings as stored: float32 bytes, one vector per row."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from askwhy.analysis.embeddings import Vectors


def to_bytes(vector: Vectors) -> bytes:
    """One vector as little-endian float32 bytes."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> Vectors:
    """One stored vector back as a float32 array."""
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def stack(blobs: Sequence[bytes], dimension: int | None = None) -> Vectors:
    """Stored vectors as one matrix (rows in order); an empty matrix when there are none."""
    if not blobs:
        return np.zeros((0, dimension or 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1).astype(np.float32)


def unit_mean(vectors: Vectors) -> Vectors:
    """The L2-normalised mean of some vectors: a theme's centre."""
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return np.asarray(mean / norm if norm > 0 else mean, dtype=np.float32)
