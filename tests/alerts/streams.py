"""Hand-built streams of analysed responses for alert tests.

The history (weeks of days) is written straight into the analysis tables, which is what detection
reads; today's responses go through the real import and enrichment, so their quotes are redacted
the way customers' words are.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from askwhy.bootstrap import Container
from askwhy.domain.scales import Metric
from askwhy.insights import analyse_responses, importing
from askwhy.insights.feedback_files import ColumnMapping
from askwhy.insights.vectors import to_bytes, unit_mean
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, Theme, ThemeMention
from askwhy.store.base import new_id
from askwhy.store.tables import Response

PROGRAM = "post-checkout"
LATE = "late"
LATE_TEXTS = [
    "My parcel came late and nobody told me why.",
    "The delivery was three days late, write to me at jane.doe@example.com about it.",
    "Late again: the courier missed the promised slot.",
    "Shipping took two weeks, far later than the site said.",
    "It arrived a week late and the box was crushed.",
    "The order was late for my daughter's birthday.",
    "Tracking said today, it came late on Friday.",
    "Late delivery, second time this month.",
    "Parcel late and customer service could not say where it was.",
    "The courier was late and left it at the wrong door.",
    "My late parcel ruined the weekend plans.",
    "Too late: I had already bought it elsewhere.",
    "Delivery came late in the evening without notice.",
    "The package showed up late, damp and torn.",
]
CRASHES = tuple(
    f"The app crashed {where}, attempt {i}."
    for i, where in enumerate(
        ["at payment", "on the basket page", "when I logged in", "after the update"] * 6
    )
)
COMPLAINTS = tuple(
    f"The app is {words} ({i})."
    for i, words in enumerate(
        ["awful and broken", "terrible, it ruined my order", "the worst, I hate it", "useless and it crashed",
         "horrible and slow", "a disaster, I am angry"] * 4
    )
)  # fmt: skip
"""Comments the enrichment reads as negative, about no theme."""
OTHER_TEXTS = [
    "Checkout was quick on my phone, option {i}.",
    "Checkout was quick even with a discount code, option {i}.",
    "Checkout was quick, two taps with the saved card, option {i}.",
    "Checkout was quick although the basket was full, option {i}.",
    "Checkout was quick from the tablet at home, option {i}.",
    "Checkout was quick while travelling by train, option {i}.",
]


def add_late_theme(container: Container) -> None:
    """The codebook's "late delivery" theme, accepted by the team."""
    now = container.clock.now()
    centre = unit_mean(container.embedder.encode(["the delivery came late"]))
    with container.sessions.begin() as session:
        session.add(
            Theme(id=LATE, label="late delivery", status="accepted", keywords=[], centroid=to_bytes(centre),
                  examples=[], created_at=now, updated_at=now)
        )  # fmt: skip


def seed_history(
    container: Container,
    *,
    days: int = 63,
    per_day: int = 40,
    program: str = PROGRAM,
    score: int = 5,
    detractors: Callable[[int], int] = lambda back: 0,
    late: Callable[[int], int] = lambda back: 1 + back % 3,
    negative: Callable[[int], int] = lambda back: 12,
    first_sentence: int = 0,
) -> None:
    """``days`` days before today with ``per_day`` analysed responses each, ``late(days back)`` of
    them late (by default 1–3), scored
    ``score`` but for ``detractors(days back)`` of them scored 1, and ``negative(days back)`` of them
    (the late ones first) negative in sentiment (by default 12 of 40, so that a day of 14 late
    complaints among 40 is a theme's spike, not one of the negative share too). Their sentences are
    set aside from discovery (state ``empty``): detection reads the mentions only. A second history in
    the same store starts its sentence ids at ``first_sentence``."""
    today = container.clock.now().replace(hour=9, minute=0, second=0, microsecond=0)
    vector = to_bytes(container.embedder.encode(["the delivery came late"])[0])
    rows: dict[str, list[dict[str, object]]] = {
        "responses": [],
        "analyses": [],
        "sentences": [],
        "mentions": [],
    }
    for back in range(1, days + 1):
        when, late_today = today - timedelta(days=back), late(back)
        for i in range(per_day):
            sentence_id = (first_sentence or FIRST_SENTENCE) + len(rows["sentences"])
            given = 1 if i >= per_day - detractors(back) else score
            _analysed(rows, program=program, when=when, late=i < late_today, score=given, vector=vector,
                      sentence_id=sentence_id, negative=i < negative(back))  # fmt: skip
    with container.sessions.begin() as session:
        for table, batch in zip(
            (Response, ResponseAnalysis, Sentence, ThemeMention), rows.values(), strict=True
        ):
            if batch:
                session.execute(insert(table), batch)


REGIONS = ("north", "south")
"""History's responses alternate between the two regions, the late ones too."""
FIRST_SENTENCE = 10_000_000
"""History's sentence ids start far above those enrichment gives today's sentences."""


def _analysed(
    rows: dict[str, list[dict[str, object]]],
    *,
    program: str,
    when: datetime,
    late: bool,
    score: int,
    vector: bytes,
    sentence_id: int,
    negative: bool = False,
) -> None:
    response_id, text = new_id(), "It came late." if late else "Fine."
    sentiment, polarity = ("negative", -0.6) if negative else ("neutral", 0.0)
    band = "promoter" if score >= 4 else "detractor"
    rows["responses"].append(
        {"id": response_id, "program": program, "guide_id": "g", "channel": "import", "metric": "csat",
         "score": score, "band": band, "answers": [], "comment": text, "source": "import", "language": "en",
         "completion": "completed", "segment": {"region": REGIONS[sentence_id % 2]}, "responded_at": when,
         "updated_at": when, "simulated": False}
    )  # fmt: skip
    rows["analyses"].append(
        {"response_id": response_id, "text": text, "pii_found": [], "language": "en", "sentiment": sentiment,
         "sentiment_score": polarity, "sentences": 1, "model": "hashing", "enriched_at": when}
    )  # fmt: skip
    rows["sentences"].append(
        {"id": sentence_id, "response_id": response_id, "position": 0, "kind": "sentence", "text": text,
         "sentiment": sentiment, "sentiment_score": polarity, "embedding": vector,
         "theme_state": "empty"}
    )  # fmt: skip
    if late:
        rows["mentions"].append(
            {"sentence_id": sentence_id, "theme_id": LATE, "response_id": response_id, "similarity": 0.9,
             "polarity": -1}
        )  # fmt: skip


def import_today(
    container: Container,
    tmp_path: Path,
    *,
    late: int,
    others: int,
    score: int = 5,
    program: str = PROGRAM,
    extra: tuple[str, ...] = (),
    south: int = 0,
) -> list[str]:
    """Today's responses through the real import and enrichment: ``late`` of them about late
    delivery (coded with the theme, in the south region), ``others`` about quick checkouts, then the
    ``extra`` texts; the first ``south`` of the others are in the south region too, the rest north.
    Returns the ids of the responses coded as late."""
    path = tmp_path / f"today-{new_id()[:8]}.csv"
    texts = (
        [LATE_TEXTS[i % len(LATE_TEXTS)] for i in range(late)]
        + [OTHER_TEXTS[i % len(OTHER_TEXTS)].format(i=i) for i in range(others)]
        + list(extra)
    )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "score", "region"])
        writer.writerows(
            [new_id(), text, score, "south" if "late" in text.lower() or i < late + south else "north"]
            for i, text in enumerate(texts)
        )
    mapping = ColumnMapping(text="text", score="score", metric=Metric.CSAT, id="id", segments=("region",))
    importing.import_feedback(
        sessions=container.sessions, path=path, mapping=mapping, program=program, channel="import",
        now=container.clock.now(),
    )  # fmt: skip
    analyse_responses.enrich_pending(
        sessions=container.sessions, enricher=container.enricher, rule=container.assignment_rule,
        now=container.clock.now,
    )  # fmt: skip
    return code_late_sentences(container)


def code_late_sentences(container: Container) -> list[str]:
    """Code every sentence that speaks of lateness with the theme (as assignment would)."""
    with container.sessions.begin() as session:
        coded = set(session.scalars(select(ThemeMention.sentence_id)))
        rows = session.execute(select(Sentence.id, Sentence.response_id, Sentence.text)).all()
        ids = []
        for sentence_id, response_id, text in rows:
            if sentence_id not in coded and ("late" in text.lower() or "later" in text.lower()):
                session.add(ThemeMention(sentence_id=sentence_id, theme_id=LATE, response_id=response_id,
                                         similarity=0.8, polarity=-1))  # fmt: skip
                ids.append(response_id)
        return ids
