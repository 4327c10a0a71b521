"""A theme's quotes speak: entities decoded, handles gone, no thank-yous, no two saying the same."""

from __future__ import annotations

import csv
from pathlib import Path

from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.domain.scales import Metric
from askwhy.insights import analyse_responses, importing
from askwhy.insights.code_responses import assign_pool
from askwhy.insights.feedback_files import ColumnMapping
from askwhy.insights.vectors import to_bytes, unit_mean
from askwhy.store.analysis_tables import Theme

pytest_plugins = ("tests.insights.fixtures",)

COMMENTS = [
    "@NorthwindHelp my parcel came late &amp; nobody said why",
    "my parcel came late & nobody said why",
    "My parcel came late and nobody said why!!",
    "the parcel came late again, a week after the date",
    "parcel late, the tracking never moved",
    "thanks",
]


def test_theme_quotes_are_readable_and_distinct(
    insights_container: Container, insights_client: TestClient, tmp_path: Path
) -> None:
    container = insights_container
    path = tmp_path / "comments.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "score"])
        writer.writerows([f"c{i}", text, 3] for i, text in enumerate(COMMENTS))
    mapping = ColumnMapping(text="text", score="score", metric=Metric.CSAT, id="id")
    now = container.clock.now()
    importing.import_feedback(
        sessions=container.sessions, path=path, mapping=mapping, program="p", channel="import", now=now
    )
    analyse_responses.enrich_pending(
        sessions=container.sessions,
        enricher=container.enricher,
        rule=container.assignment_rule,
        now=container.clock.now,
    )
    centre = unit_mean(container.embedder.encode(["parcel came late"]))
    with container.sessions.begin() as session:
        session.add(
            Theme(
                id="late",
                label="late parcel",
                status="accepted",
                keywords=[],
                centroid=to_bytes(centre),
                examples=[],
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        assign_pool(session=session, rule=container.assignment_rule.__class__(threshold=0.01, margin=1.0))

    quotes = [
        q["text"] for q in insights_client.get("/v1/themes/late", params={"quotes": 10}).json()["quotes"]
    ]

    assert quotes
    assert all("@" not in q and "&amp;" not in q for q in quotes)
    assert "thanks" not in quotes
    assert len({q.casefold().rstrip("!") for q in quotes}) == len(quotes)
    assert sum("nobody said why" in q for q in quotes) == 1, quotes
