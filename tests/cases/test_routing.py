"""Routing: the first matching rule names the team, else the first team with an SLA; rules check
every condition they set; a theme rule opens a case once the interviewer heard the theme."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from askwhy.bootstrap import Container
from askwhy.cases.routing import route
from askwhy.domain.program import Program
from askwhy.programs.startup import sync_from_folder

from .conftest import PROGRAM, TEAM, write_program
from .helpers import cases, say, start


def program(**changes: Any) -> Program:
    return Program.model_validate({**PROGRAM, **changes})


def test_the_first_matching_rule_names_the_team() -> None:
    chosen = route(program(), score=9, themes=[], segment={"tier": "gold"}, channel="web")
    assert chosen is not None
    assert chosen.team.name == "vip"
    fallback = route(program(), score=9, themes=[], segment={"tier": "silver"}, channel="web")
    assert fallback is not None
    assert (fallback.team.name, fallback.rule) == ("care", None)


def test_without_a_matching_rule_the_first_team_with_an_sla_takes_the_case() -> None:
    teams = [{**TEAM, "name": "nights", "sla": None}, {**TEAM, "name": "days"}]
    chosen = route(program(teams=teams, case_rules=[]), score=3, themes=[], segment={}, channel="web")
    assert chosen is not None
    assert chosen.team.name == "days"
    assert route(program(teams=[], case_rules=[]), score=3, themes=[], segment={}, channel="web") is None


def test_a_rule_matches_only_when_every_condition_it_sets_holds() -> None:
    rule = program(
        case_rules=[{"team": "care", "score_at_most": 4, "themes": ["price"], "channels": ["sms"]}]
    ).case_rules[0]
    assert rule.matches(score=4, themes=["price", "delivery"], segment={}, channel="sms")
    assert not rule.matches(score=5, themes=["price"], segment={}, channel="sms")
    assert not rule.matches(score=None, themes=["price"], segment={}, channel="sms")
    assert not rule.matches(score=2, themes=["delivery"], segment={}, channel="sms")
    assert not rule.matches(score=2, themes=["price"], segment={}, channel="web")


def test_a_rule_naming_an_unknown_team_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"case_rules\[0\]\.team: no team 'night-shift'"):
        program(case_rules=[{"team": "night-shift", "score_at_most": 2}])


def test_a_theme_rule_opens_a_case_when_the_theme_is_heard(
    client: TestClient, container: Container, tmp_path: Any
) -> None:
    rules = [{"team": "vip", "themes": ["late-delivery"], "priority": "high"}]
    folder = tmp_path / "programs"
    write_program(folder, {**PROGRAM, "case_rules": rules})
    sync_from_folder(
        sessions=container.sessions, guides=container.guides, folder=folder, now=container.clock.now()
    )
    opened = start(client)
    say(client, opened, "7")
    say(client, opened, "the parcel arrived three days late")
    assert cases(container) == []  # rules wait for the conversation to close
    say(client, opened, "that's all")
    [case] = cases(container)
    assert (case.reason, case.team, case.owner, case.priority) == ("rule", "vip", "vera@example.com", "high")
    assert "late-delivery" in case.themes


def test_an_open_alert_rule_matches_customers_in_the_alerts_segment() -> None:
    rule = program(case_rules=[{"team": "care", "in_open_alert": True, "score_at_most": 6}]).case_rules[0]
    north = [{"region": "north"}]
    assert rule.has_conditions
    assert rule.matches(score=5, themes=[], segment={"region": "north"}, channel="web", alert_segments=north)
    assert not rule.matches(
        score=5, themes=[], segment={"region": "south"}, channel="web", alert_segments=north
    )
    assert not rule.matches(score=5, themes=[], segment={"region": "north"}, channel="web", alert_segments=[])
    assert not rule.matches(
        score=8, themes=[], segment={"region": "north"}, channel="web", alert_segments=north
    )
    assert rule.matches(score=5, themes=[], segment={}, channel="web", alert_segments=[{}])  # program-wide


def test_a_detractor_in_the_segment_of_an_open_alert_gets_a_case(
    client: TestClient, container: Container, tmp_path: Any
) -> None:
    from askwhy.store import alerts as alert_store
    from askwhy.store.tables import Response

    rules = [{"team": "vip", "in_open_alert": True, "score_at_most": 6, "priority": "high"}]
    folder = tmp_path / "programs"
    write_program(folder, {**PROGRAM, "case_rules": rules})
    sync_from_folder(
        sessions=container.sessions, guides=container.guides, folder=folder, now=container.clock.now()
    )
    now = container.clock.now()
    with container.sessions.begin() as session:
        key = alert_store.EpisodeKey("post-checkout", "rising_theme", "late-delivery", "region=north")
        alert = alert_store.NewAlert(
            key=key, label="Late delivery", segment={"region": "north"}, severity="high", evidence={}
        )
        assert alert_store.open_alert(session=session, alert=alert, now=now) is not None

    def converse(region: str) -> None:
        opened = start(client)
        say(client, opened, "5")
        with container.sessions.begin() as session:
            for response in session.query(Response).filter_by(conversation_id=opened["conversation_id"]):
                response.segment = {"region": region}
        say(client, opened, "that's all")

    converse("south")
    assert cases(container) == []
    converse("north")
    [case] = cases(container)
    assert (case.reason, case.team, case.owner, case.priority) == ("rule", "vip", "vera@example.com", "high")
    with container.sessions.begin() as session:
        row = session.query(alert_store.AlertRow).one()
        row.state = "resolved"
    converse("north")
    assert len(cases(container)) == 1  # the alert is resolved: its segment opens no more cases


def test_rules_route_by_channel_and_theme_before_the_default_team() -> None:
    rules = [
        {"team": "vip", "channels": ["whatsapp"], "opens_case": False},
        {"team": "vip", "themes": ["refund"], "opens_case": False},
    ]
    routed = program(case_rules=rules)
    by_channel = route(routed, score=3, themes=[], segment={}, channel="whatsapp")
    by_theme = route(routed, score=3, themes=["refund"], segment={}, channel="sms")
    neither = route(routed, score=3, themes=["price"], segment={}, channel="sms")
    assert by_channel is not None
    assert by_theme is not None
    assert neither is not None
    assert (by_channel.team.name, by_theme.team.name, neither.team.name) == ("vip", "vip", "care")
    assert by_channel.rule is not None
    assert by_channel.rule.channels
