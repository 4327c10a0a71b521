"""The funnel per segment from the store: counts from hand-built invitations, the API and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from askwhy.analysis.segment_funnel import InvitationOutcome, funnel_by_segment
from askwhy.bootstrap import Container
from askwhy.cli import app
from askwhy.domain.conversation import ConversationStatus
from askwhy.insights.invitation_funnel import NoInvitations, segment_funnel
from askwhy.settings import Settings
from askwhy.store.program_tables import ContactDecision
from tests.weighting.invited_store import Invite, add_invitations, add_program, skewed_population

pytest_plugins = ("tests.insights.fixtures",)

FIVE = [
    Invite({"plan": "basic", "order": "A1"}, "completed", delivered=True, replied=True, score=9),
    Invite({"plan": "basic", "order": "A2"}, "abandoned", delivered=True),
    Invite({"plan": "pro", "order": "A3"}, "opted_out", delivered=False, replied=True, channel="whatsapp"),
    Invite({"plan": "pro", "order": "A4"}, "failed", language="es"),
    Invite({"plan": "pro", "order": "A5"}, "invited", moment="checkout_completed"),
    Invite({"plan": "pro"}, "completed", delivered=True, replied=True, score=5, program="other"),
]


@pytest.fixture
def five(insights_container: Container) -> Container:
    with insights_container.sessions.begin() as session:
        add_program(session)
        add_invitations(session, FIVE)
        now = insights_container.clock.now()
        session.add(ContactDecision(program="renewal", kind="skipped", reason="sampled_out", decided_at=now))
    return insights_container


def test_every_invitation_counts_once_per_attribute_with_its_outcome(five: Container) -> None:
    with five.sessions() as session:
        found = segment_funnel(session=session, program="renewal", max_values=3)
    overall = found.funnel.overall
    counts = (overall.invited, overall.delivered, overall.started, overall.completed, overall.abandoned,
              overall.opted_out, overall.failed)  # fmt: skip
    # The other program's invitation and the skipped decision are not counted; a reply implies delivery.
    assert counts == (5, 3, 2, 1, 1, 1, 1)
    assert overall.response.value == pytest.approx(1 / 5)
    by = {(s.attribute, s.value): s for s in found.funnel.segments}
    assert (by[("plan", "basic")].invited, by[("plan", "basic")].completed) == (2, 1)
    assert (by[("plan", "pro")].invited, by[("plan", "pro")].started, by[("plan", "pro")].opted_out) == (
        3,
        1,
        1,
    )
    assert by[("channel", "whatsapp")].invited == 1
    assert by[("language", "es")].failed == 1
    assert by[("moment", "checkout_completed")].invited == 1
    low, high = by[("plan", "basic")].response.low, by[("plan", "basic")].response.high
    assert low is not None
    assert high is not None
    assert low < 0.5 < high
    # An order number is no segment: five values over the limit of three.
    assert found.skipped == ("order",)
    assert found.attributes[:3] == ("channel", "language", "moment")


def test_a_program_without_invitations_says_so(five: Container) -> None:
    with five.sessions() as session, pytest.raises(NoInvitations, match="'nobody' has no invitations"):
        segment_funnel(session=session, program="nobody")


def test_the_under_heard_plan_is_flagged(insights_container: Container) -> None:
    with insights_container.sessions.begin() as session:
        add_program(session)
        add_invitations(session, skewed_population())
    with insights_container.sessions() as session:
        found = segment_funnel(session=session, program="renewal")
    assert [(s.attribute, s.value) for s in found.funnel.under_heard] == [("plan", "pro")]
    pro = next(s for s in found.funnel.segments if (s.attribute, s.value) == ("plan", "pro"))
    assert pro.heard_ratio == pytest.approx((25 / 200) / (125 / 400))


def test_funnel_api_needs_a_program_and_answers_counts_and_rates(
    five: Container, insights_client: TestClient
) -> None:
    body = insights_client.get("/v1/funnel", params={"program": "renewal"}).json()
    assert body["overall"]["invited"] == 5
    assert body["overall"]["response_rate"]["value"] == 0.2
    basic = next(s for s in body["segments"] if (s["attribute"], s["value"]) == ("plan", "basic"))
    assert basic["completed"] == 1
    assert basic["response_rate"]["low"] < 0.5 < basic["response_rate"]["high"]
    assert insights_client.get("/v1/funnel").status_code == 422
    missing = insights_client.get("/v1/funnel", params={"program": "nobody"})
    assert missing.status_code == 404
    assert "no invitations" in missing.json()["detail"]
    backwards = insights_client.get("/v1/funnel", params={"program": "renewal", "since": "2026-03-05",
                                                          "until": "2026-03-01"})  # fmt: skip
    assert backwards.status_code == 422
    assert "until" in backwards.text


def test_funnel_api_needs_a_read_key(five: Container, insights_client: TestClient) -> None:
    answer = insights_client.get("/v1/funnel", params={"program": "renewal"}, headers={"X-API-Key": "nope"})
    assert answer.status_code == 401


def test_funnel_command_prints_the_table_and_writes_json(
    five: Container, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASKWHY_SEED_DEMO", "false")
    out = tmp_path / "funnel.json"
    result = CliRunner().invoke(app, ["funnel", "renewal", "--json", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "plan=basic" in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["overall"]["completed"] == 1
    unknown = CliRunner().invoke(app, ["funnel", "nobody"])
    assert unknown.exit_code == 1
    assert "no invitations" in unknown.output


def test_counted_outcomes_make_the_same_funnel_as_one_by_one() -> None:
    one = InvitationOutcome(ConversationStatus.COMPLETED, replied=True, attributes={"plan": "basic"})
    other = InvitationOutcome(ConversationStatus.ABANDONED, delivered=True, attributes={"plan": "pro"})
    counted = funnel_by_segment([replace(one, count=30), replace(other, count=70)])
    listed = funnel_by_segment([one] * 30 + [other] * 70)
    assert counted == listed
    assert (counted.overall.invited, counted.overall.delivered, counted.overall.completed) == (100, 100, 30)
