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
