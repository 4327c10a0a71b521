"""Similarity thresholds relative to the embedding model, so one setting means the same on every model.

A cosine of 0.5 is "about the same thing" for all-MiniLM-L6-v2, whose unrelated sentences sit near
0.1, but means nothing for multilingual-e5-small, whose unrelated sentences sit near 0.8. The
product's thresholds (theme assignment, its margin, a strong match) are given on the default
model's scale; each model's scale is measured once on a fixed calibration set packaged here
(customer comments on distinct topics, each in English and Spanish) as the median cosine of pairs
on different topics ("unrelated") and mapped by the affine map that sends the default model's
unrelated level to the model's own and keeps identical texts at 1.0.

Levels at which two texts say the same thing (a quote that repeats another, a theme found again)
sit far above the unrelated level, where that map extrapolates badly: multilingual-e5-small's
unrelated pairs reach 0.90 and its paraphrases start near 0.96, so 0.9 would call unrelated quotes
duplicates while the unrelated map's 0.98 would split half of the paraphrases. Those levels are
mapped instead by the median cosine of English paraphrase pairs of the same calibration topics
(`near_duplicate`), which keeps the same share of paraphrases above the level on every model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from askwhy.analysis.embeddings import Embedder

CALIBRATION_TOPICS: tuple[tuple[str, str], ...] = (
    ("My parcel arrived four days after the promised date.", "Mi paquete llegó cuatro días tarde."),
    (
        "The support agent was patient and solved my problem.",
        "El agente de soporte fue paciente y lo resolvió.",
    ),
    ("The monthly price went up again without warning.", "El precio mensual volvió a subir sin avisar."),
    ("The app crashes every time I open the camera.", "La aplicación se cierra cada vez que abro la cámara."),
    ("I was charged twice for the same order.", "Me cobraron dos veces el mismo pedido."),
    ("The food was cold when it reached my table.", "La comida llegó fría a mi mesa."),
    ("Signing up took less than a minute.", "Registrarme tomó menos de un minuto."),
    ("The hotel room smelled of smoke.", "La habitación del hotel olía a tabaco."),
    ("I waited forty minutes on hold before anyone answered.", "Esperé cuarenta minutos al teléfono."),
    ("The jacket's zip broke after a week.", "La cremallera de la chaqueta se rompió en una semana."),
    ("The website will not accept my card.", "La web no acepta mi tarjeta."),
    ("The driver was rude and threw the box at my door.", "El repartidor fue grosero y tiró la caja."),
    ("Internet keeps dropping every evening.", "El internet se corta todas las noches."),
    ("The instructions were clear and easy to follow.", "Las instrucciones eran claras y fáciles."),
    ("I could not find where to cancel my subscription.", "No encontré dónde cancelar mi suscripción."),
    ("The store staff helped me choose the right size.", "El personal de la tienda me ayudó con la talla."),
)
"""Sixteen topics, one English and one Spanish comment each: pairs across topics are unrelated."""

PARAPHRASES: tuple[str, ...] = (
    "My package came four days later than promised.",
    "The support person was patient and fixed my issue.",
    "They raised the monthly price again with no notice.",
    "Every time I open the camera the app crashes.",
    "I got billed two times for one order.",
    "My food was already cold when it was served.",
    "It took under a minute to sign up.",
    "Our hotel room smelled like cigarette smoke.",
    "I was on hold for forty minutes before someone picked up.",
    "After one week the zipper on the jacket broke.",
    "The site keeps rejecting my card.",
    "The delivery driver was rude and tossed the box at my door.",
    "My internet connection drops every evening.",
    "The instructions were clear and simple to follow.",
    "I couldn't find how to cancel my subscription.",
    "Staff in the store helped me pick the right size.",
)
"""The English comment of each calibration topic said again in other words (the same order)."""

REFERENCE_UNRELATED = 0.0873
"""The median cosine of unrelated calibration pairs under the default model, all-MiniLM-L6-v2
(measured by `measure_scale`; `tests/analysis/test_similarity_scale.py` checks it still holds)."""
REFERENCE_PARAPHRASE = 0.8936
"""The median cosine of a calibration topic's English comment and its paraphrase under the default
model (measured by `measure_scale`, checked by the same test)."""


@dataclass(frozen=True)
class SimilarityScale:
    """Where a model puts unrelated texts; maps thresholds from the default model's scale to its own."""

    unrelated: float = REFERENCE_UNRELATED
    paraphrase: float = REFERENCE_PARAPHRASE

    @property
    def _stretch(self) -> float:
        return (1.0 - self.unrelated) / (1.0 - REFERENCE_UNRELATED)

    def threshold(self, reference: float) -> float:
        """A cosine threshold given on the default model's scale, on this model's scale."""
        if self.unrelated == REFERENCE_UNRELATED:
            return reference
        return self.unrelated + (reference - REFERENCE_UNRELATED) * self._stretch

    def difference(self, reference: float) -> float:
        """A difference of cosines (a margin) given on the default model's scale, on this one's."""
        if self.unrelated == REFERENCE_UNRELATED:
            return reference
        return reference * self._stretch

    def near_duplicate(self, reference: float) -> float:
        """A "says the same thing" level given on the default model's scale (at or near its
        paraphrase level), on this model's: linear between the paraphrase levels and 1.0, and
        between the unrelated and paraphrase levels below them."""
        if (self.unrelated, self.paraphrase) == (REFERENCE_UNRELATED, REFERENCE_PARAPHRASE):
            return reference
        if reference >= REFERENCE_PARAPHRASE:
            share = (reference - REFERENCE_PARAPHRASE) / (1.0 - REFERENCE_PARAPHRASE)
            return self.paraphrase + share * (1.0 - self.paraphrase)
        share = (reference - REFERENCE_UNRELATED) / (REFERENCE_PARAPHRASE - REFERENCE_UNRELATED)
        return self.unrelated + share * (self.paraphrase - self.unrelated)


DEFAULT_SCALE = SimilarityScale()
"""The default model's own scale: every threshold unchanged."""


def measure_scale(embedder: Embedder) -> SimilarityScale:
    """The scale of `embedder`'s model, from the calibration set (one batch of 48 sentences)."""
    texts = [text for pair in CALIBRATION_TOPICS for text in pair]
    topic = np.repeat(np.arange(len(CALIBRATION_TOPICS)), 2)
    vectors = np.asarray(embedder.encode([*texts, *PARAPHRASES]), dtype=np.float32)
    pairs, paraphrases = vectors[: len(texts)], vectors[len(texts) :]
    similarity = pairs @ pairs.T
    unrelated = similarity[topic[:, None] != topic[None, :]]
    same = np.sum(pairs[::2] * paraphrases, axis=1)
    return SimilarityScale(
        unrelated=round(float(np.median(unrelated)), 4), paraphrase=round(float(np.median(same)), 4)
    )
