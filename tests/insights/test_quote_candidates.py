"""A theme's quote candidates: the chosen examples of the selection first, then its sentences
closest to the theme, at most the number asked, each once; and the quotes of each side of a change."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.bootstrap import Container
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import show_theme, theme_quotes
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.tables import Response
from askwhy.store.theme_quotes import quote_candidates

START = datetime(2026, 3, 1, tzinfo=UTC)


def _seed(session: Session) -> dict[int, tuple[float, date, str]]:
    """80 sentences about "late" over ten days, in two programs: sentence id → (similarity, day, program)."""
    rng = random.Random(4)
    session.add(Theme(id="late", label="late", status="accepted", created_at=START, updated_at=START))
    session.flush()
    made = {}
    for i in range(80):
        at = START + timedelta(days=i % 10, hours=i % 7)
        program = "shop" if i % 4 else "bank"
        response = Response(
            program=program, guide_id="g", channel="web", metric="nps", score=3, band="x", language="en",
            completion="completed", simulated=False, segment={}, responded_at=at, updated_at=at,
        )  # fmt: skip
        session.add(response)
        session.flush()
        sentence = Sentence(
            response_id=response.id, position=0, kind="sentence", text=f"the parcel came late, day {i}",
            sentiment="negative", sentiment_score=-0.5, embedding=b"", theme_state="themed",
        )  # fmt: skip
        session.add(sentence)
        session.flush()
        similarity = round(rng.uniform(0.3, 0.95), 6)
        session.add(
            ThemeMention(
                sentence_id=sentence.id,
                theme_id="late",
                response_id=response.id,
                similarity=similarity,
                polarity=-1,
            )
        )
        made[sentence.id] = (similarity, at.date(), program)
    return made


def test_examples_come_first_then_the_closest_of_the_selection(container: Container) -> None:
    with container.sessions.begin() as session:
        made = _seed(session)
    selection = Selection(program="shop", since=date(2026, 3, 3), until=date(2026, 3, 6))
    inside = [
        i
        for i, (_, day, program) in made.items()
        if program == "shop" and date(2026, 3, 3) <= day < date(2026, 3, 6)
    ]
    outside = next(i for i in made if i not in inside)
    examples = [inside[5], outside, inside[9]]  # an example outside the selection is not shown
    with container.reads() as session:
        found = quote_candidates(
            session=session, restrict=selection.apply, theme_id="late", examples=examples, limit=6
        )
    ids = [c.sentence.id for c in found]
    chosen = sorted([inside[5], inside[9]], key=lambda i: -made[i][0])
    closest = sorted((i for i in inside if i not in chosen), key=lambda i: -made[i][0])
    assert ids == chosen + closest[:4]
    assert [c.similarity for c in found] == [made[i][0] for i in ids]


def test_a_side_reads_its_quotes_alone(container: Container) -> None:
    with container.sessions.begin() as session:
        made = _seed(session)
    side = Selection(program="shop", since=date(2026, 3, 7), until=date(2026, 3, 11))
    with container.reads() as session:
        quotes = theme_quotes(
            session=session, theme_id="late", selection=side, quotes=3, near_duplicate=NEAR_DUPLICATE
        )
        shown = show_theme(
            session=session, theme_id="late", selection=side, quotes=3, near_duplicate=NEAR_DUPLICATE
        ).quotes
    assert quotes == shown
    assert len(quotes) == 3
    assert all(
        made[q.sentence_id][2] == "shop" and made[q.sentence_id][1] >= date(2026, 3, 7) for q in quotes
    )
