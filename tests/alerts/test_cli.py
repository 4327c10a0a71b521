"""`askwhy alerts`: list, show with evidence, ack, snooze, resolve, and plain errors for the person typing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from askwhy.bootstrap import Container
from askwhy.cli import app
from askwhy.domain.alerts import AffectedSegment, AlertQuote, Evidence, evidence_to_json
from askwhy.settings import Settings
from askwhy.store import alerts
from askwhy.store.alert_tables import AlertRow
from askwhy.store.alerts import EpisodeKey, NewAlert


@pytest.fixture
def runner(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASKWHY_QUEUE_INLINE", "true")
    return CliRunner()


@pytest.fixture
def alert_id(container: Container) -> str:
    now = container.clock.now()
    evidence = Evidence(
        what="late delivery: 35.0% of responses today (14 of 40), up from 5.0%",
        value=0.35,
        baseline=0.05,
        low=4.1,
        high=None,
        since=now,
        n=40,
        baseline_n=2240,
        test="beta-binomial upper tail",
        p_value=1e-9,
        segments=(AffectedSegment("region", "south", 1.0, 0.05, 14),),
        quotes=(AlertQuote("My parcel came late.", "r1", now),),
    )
    key = EpisodeKey("post-checkout", "rising_theme", "late", "")
    with container.sessions.begin() as session:
        row = alerts.open_alert(
            session=session,
            alert=NewAlert(key, "late delivery", {}, "high", evidence_to_json(evidence)),
            now=now,
        )
        assert row is not None
        session.flush()
        return row.id


def state(container: Container, alert_id: str) -> str:
    with container.reads() as session:
        row = session.get(AlertRow, alert_id)
        assert row is not None
        return row.state


def test_list_and_show(runner: CliRunner, alert_id: str) -> None:
    listed = runner.invoke(app, ["alerts", "list"], terminal_width=250)
    assert listed.exit_code == 0, listed.output
    assert alert_id in listed.output, "the id is shown whole, to be copied"
    shown = runner.invoke(app, ["alerts", "show", alert_id], terminal_width=250)
    assert shown.exit_code == 0, shown.output
    assert "late delivery: 35.0% of responses today" in shown.output
    assert "region=south" in shown.output
    assert "My parcel came late." in shown.output
    assert "baseline n=2240" in shown.output


def test_ack_snooze_resolve(runner: CliRunner, container: Container, alert_id: str) -> None:
    assert runner.invoke(app, ["alerts", "ack", alert_id, "--by", "ana"]).exit_code == 0
    assert state(container, alert_id) == "acknowledged"
    snoozed = runner.invoke(app, ["alerts", "snooze", alert_id, "--until", "4h"])
    assert snoozed.exit_code == 0, snoozed.output
    assert state(container, alert_id) == "snoozed"
    assert runner.invoke(app, ["alerts", "resolve", alert_id, "--note", "courier replaced"]).exit_code == 0
    assert state(container, alert_id) == "resolved"
    again = runner.invoke(app, ["alerts", "ack", alert_id])
    assert again.exit_code == 2
    assert "resolved" in again.output


def test_errors_name_what_to_change(runner: CliRunner, alert_id: str) -> None:
    unknown = runner.invoke(app, ["alerts", "ack", "nope"])
    assert unknown.exit_code == 2
    assert "no alert nope" in unknown.output
    bad = runner.invoke(app, ["alerts", "snooze", alert_id, "--until", "soon"])
    assert bad.exit_code == 2
    assert "--until" in bad.output
    past = runner.invoke(app, ["alerts", "snooze", alert_id, "--until", "2020-01-01T00:00:00Z"])
    assert past.exit_code == 2
    assert "future" in past.output


def test_run_reports_what_it_opened(runner: CliRunner, container: Container) -> None:
    done = runner.invoke(app, ["alerts", "run"])
    assert done.exit_code == 0, done.output
    assert "0 alerts opened" in done.output
