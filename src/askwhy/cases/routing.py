"""Which team a case goes to, who in the team owns it, and how urgent it is.

The program's case rules are read in order and the first that matches names the team; without one,
the first team with an SLA takes the case. Within a team, cases go round the members in turn, the
turn kept in the store so that every process agrees.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from askwhy.domain.cases import CaseRule, Priority, Team
from askwhy.domain.program import Program
from askwhy.store import cases as store


@dataclass(frozen=True)
class Route:
    team: Team
    rule: CaseRule | None
    """The rule that chose the team, if one did."""

    @property
    def priority(self) -> Priority | None:
        return self.rule.priority if self.rule else None


def matching_rules(
    program: Program,
    *,
    score: int | None,
    themes: Collection[str],
    segment: Mapping[str, Any],
    channel: str,
    alert_segments: Collection[Mapping[str, Any]] = (),
) -> list[CaseRule]:
    """The program's case rules that hold for a response, in the order the program lists them
    (``alert_segments``: the segments of the program's open alerts, for rules that ask)."""
    return [
        rule
        for rule in program.case_rules
        if rule.matches(
            score=score, themes=themes, segment=segment, channel=channel, alert_segments=alert_segments
        )
    ]


def route(
    program: Program,
    *,
    score: int | None,
    themes: Collection[str],
    segment: Mapping[str, Any],
    channel: str,
    alert_segments: Collection[Mapping[str, Any]] = (),
) -> Route | None:
    """The team for a case: the first matching rule's, else the first team with an SLA, else the
    first team; None when the program has no team."""
    rules = matching_rules(
        program, score=score, themes=themes, segment=segment, channel=channel, alert_segments=alert_segments
    )
    for rule in rules:
        team = program.team(rule.team)
        if team is not None:
            return Route(team=team, rule=rule)
    default = next((team for team in program.teams if team.sla is not None), None)
    default = default or (program.teams[0] if program.teams else None)
    return Route(team=default, rule=None) if default is not None else None


def next_owner(*, session: Session, program: str, team: Team) -> str:
    """The member whose turn it is in the team (round-robin, stored)."""
    given = store.take_turn(session=session, program=program, team=team.name)
    return team.members[given % len(team.members)]
