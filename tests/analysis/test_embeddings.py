"""The embedding adapter's precisions: what "auto" picks, and that reduced precision stays faithful;
and how its threads wait."""

from __future__ import annotations

import os

import numpy as np
import pytest

from askwhy.analysis.embeddings import (
    DEFAULT_MODEL,
    SentenceTransformerEmbedder,
    import_torch,
    resolve_precision,
)

TEXTS = [
    "The parcel arrived two weeks late and support never answered",
    "Lovely fit, great quality, I will buy again",
    "Checkout kept rejecting my card",
    "ok",
]


@pytest.mark.parametrize("explicit", ["float32", "bfloat16", "int8"])
def test_an_explicit_precision_is_kept(explicit: str) -> None:
    assert resolve_precision(explicit) == explicit  # type: ignore[arg-type]


def test_auto_uses_bfloat16_only_where_the_cpu_computes_it_natively() -> None:
    import torch

    native = torch.cpu._is_avx512_bf16_supported()
    assert resolve_precision("auto") == ("bfloat16" if native else "float32")
    assert resolve_precision("auto", device="cuda") == "float32"


def test_torch_threads_sleep_while_they_wait_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert import_torch().__name__ == "torch"
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    import_torch()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


@pytest.mark.slow
@pytest.mark.parametrize(("precision", "least_cosine"), [("bfloat16", 0.995), ("int8", 0.85)])
def test_reduced_precision_vectors_stay_close_to_float32(precision: str, least_cosine: float) -> None:
    reference = SentenceTransformerEmbedder(DEFAULT_MODEL, precision="float32").encode(TEXTS)
    reduced = SentenceTransformerEmbedder(DEFAULT_MODEL, precision=precision).encode(TEXTS)  # type: ignore[arg-type]
    assert reduced.dtype == np.float32
    assert reduced.shape == reference.shape
    assert np.allclose(np.linalg.norm(reduced, axis=1), 1.0, atol=1e-3)
    cosines = np.sum(reduced * reference, axis=1)
    assert cosines.min() >= least_cosine


def test_loading_the_model_draws_no_progress_bar_of_its_own(capfd: pytest.CaptureFixture[str]) -> None:
    SentenceTransformerEmbedder(DEFAULT_MODEL)
    out, err = capfd.readouterr()
    assert "Loading weights" not in out + err  # the CLI draws its own progress
