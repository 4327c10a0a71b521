"""/v1/changes and /v1/themes/{id} answer raw and weighted (both by default, one when asked), and a
theme's weighted impact comes with its interval.

Two weeks of one program: each invites 200 basic and 200 pro customers (the weighting segment is
the plan). Basic customers answer NPS +25 on average, pro customers -25, so everyone invited is at 0
both weeks. In the first week mostly basic customers answer, in the second mostly pro ones: the raw
NPS falls about 21 points, the weighted one does not move."""

from __future__ import annotations

from datetime import timedelta
from itertools import cycle, islice

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.tables import Response
from tests.weighting.invited_store import START, Invite, add_invitations, add_program

pytest_plugins = ("tests.insights.fixtures",)
BY_PLAN = {"method": "post-stratification", "segments": ["plan"]}
BASIC, PRO = (10, 10, 8, 4), (3, 3, 9, 7)
"""Scores cycled within a plan: NPS +25 for basic customers, -25 for pro ones."""


def week(basic_answering: int, pro_answering: int) -> list[Invite]:
    invites = []
    for plan, answering, scores in (("basic", basic_answering, BASIC), ("pro", pro_answering, PRO)):
        given = list(islice(cycle(scores), answering))
        for i in range(200):
            if i < answering:
                invites.append(Invite({"plan": plan}, "completed", True, True, given[i]))
            else:
                invites.append(Invite({"plan": plan}, "abandoned", True))
    return invites


@pytest.fixture
def theme_id(insights_container: Container) -> str:
    """The two weeks stored, and a theme "Price" every detractor mentions."""
    now = insights_container.clock.now()
    with insights_container.sessions.begin() as session:
        add_program(session, weighting=BY_PLAN)
        add_invitations(session, week(100, 40))
        add_invitations(session, week(40, 100), start=START + timedelta(days=7))
        theme = Theme(label="Price", status="accepted", created_at=now, updated_at=now)
        session.add(theme)
        session.flush()
        for response in session.scalars(select(Response).where(Response.score <= 6)):
            sentence = Sentence(
                response_id=response.id, position=0, kind="sentence", text="too expensive",
                sentiment="negative", sentiment_score=-0.8, embedding=np.zeros(4, np.float32).tobytes(),
                theme_state="themed",
            )  # fmt: skip
            session.add(sentence)
            session.flush()
            session.add(
                ThemeMention(
                    sentence_id=sentence.id,
                    theme_id=theme.id,
                    response_id=response.id,
                    similarity=0.9,
                    polarity=-1,
                )
            )
        return theme.id


def test_changes_give_the_raw_and_the_weighted_change_by_default(
    theme_id: str, insights_client: TestClient
) -> None:
    body = insights_client.get("/v1/changes", params={"program": "renewal", "period": "week"}).json()
    assert body["delta"] == pytest.approx(-21.43, abs=0.01)  # (2500 - 1000) / 140, then its opposite
    weighted = body["weighted"]
    assert weighted["status"] == "weighted"
    assert "each period" in weighted["explanation"]
    assert weighted["raw"] == pytest.approx(-21.43, abs=0.01)
    assert weighted["weighted"] == pytest.approx(0.0, abs=1e-6)
    assert weighted["low"] < 0 < weighted["high"]
    assert weighted["significant"] is False
    assert [side["metric"]["raw"] for side in (weighted["before"], weighted["after"])] == pytest.approx(
        [10.71, -10.71], abs=0.01
    )
    assert [side["metric"]["weighted"] for side in (weighted["before"], weighted["after"])] == pytest.approx(
        [0.0, 0.0], abs=1e-6
    )


def test_changes_answer_one_form_when_asked(theme_id: str, insights_client: TestClient) -> None:
    query = {"program": "renewal", "period": "week"}
    raw = insights_client.get("/v1/changes", params={**query, "weighting": "raw"}).json()
    assert raw["weighted"] is None
    assert raw["delta"] == pytest.approx(-21.43, abs=0.01)
    only = insights_client.get("/v1/changes", params={**query, "weighting": "weighted"}).json()
    assert set(only) == {"weighted", "simulated"}
    assert only["weighted"]["weighted"] == pytest.approx(0.0, abs=1e-6)
    bad = insights_client.get("/v1/changes", params={**query, "weighting": "both"})
    assert bad.status_code == 422
    assert [error["field"] for error in bad.json()["errors"]] == ["query.weighting"]


def test_a_change_across_programs_is_raw_only_and_says_why(
    theme_id: str, insights_client: TestClient
) -> None:
    weighted = insights_client.get("/v1/changes", params={"period": "week"}).json()["weighted"]
    assert weighted["status"] == "raw only"
    assert weighted["weighted"] is None
    assert "choose one program" in weighted["reason"]


def test_one_theme_gives_its_share_and_impact_raw_and_weighted(
    theme_id: str, insights_client: TestClient
) -> None:
    first_week = {"program": "renewal", "since": "2026-03-02", "until": "2026-03-09"}
    body = insights_client.get(f"/v1/themes/{theme_id}", params=first_week).json()
    assert body["id"] == theme_id
    weighted = body["weighted"]
    assert weighted["status"] == "weighted"
    [share] = weighted["themes"]
    # A quarter of basic and half of pro answers are detractors: 25 + 20 of 140 raw; pro customers
    # are half the invited, so (25% + 50%) / 2 weighted.
    assert share["theme"] == "Price"
    assert share["raw"] == pytest.approx(100 * 45 / 140, abs=0.01)
    assert share["weighted"] == pytest.approx(37.5, abs=0.01)
    [impact] = weighted["impacts"]
    assert impact["theme"] == "Price"
    assert impact["low"] < impact["weighted"] < impact["high"]
    only = insights_client.get(f"/v1/themes/{theme_id}", params={**first_week, "weighting": "weighted"})
    assert set(only.json()) == {"weighted", "simulated"}
    raw = insights_client.get(f"/v1/themes/{theme_id}", params={**first_week, "weighting": "raw"}).json()
    assert raw["weighted"] is None
    assert raw["id"] == theme_id
