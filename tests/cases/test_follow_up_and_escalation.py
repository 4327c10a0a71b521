"""Resolved cases ask whether it is sorted (the recovered share, never the program's metric), and
overdue cases escalate to the team's lead once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.cases import follow_up, lifecycle
from askwhy.cases.measures import measures
from askwhy.cases.notices import RecordingNotifier
from askwhy.clock import FakeClock
from askwhy.store.tables import Response
from askwhy.tasks.cases import escalate

from .helpers import accept_contact, cases, events, say, start


def resolve(container: Container, case_id: str) -> None:
    with container.sessions.begin() as session:
        lifecycle.resolve(
            session=session, case_id=case_id, actor="ana@example.com", now=container.clock.now(),
            notifier=RecordingNotifier(),
        )  # fmt: skip


def answer(container: Container, case_id: str, score: int) -> None:
    with container.sessions.begin() as session:
        follow_up.record_answer(session=session, case_id=case_id, score=score, now=container.clock.now())


def test_a_detractor_whose_follow_up_is_passive_or_better_counts_as_recovered(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    accept_contact(client)
    accept_contact(client)
    first, second = cases(container)
    for case in (first, second):
        resolve(container, case.id)
    answer(container, first.id, 8)
    answer(container, second.id, 4)
    [kinds] = [[event.kind for event in events(container, first.id)][-2:]]
    assert kinds == ["follow_up_asked", "follow_up_answered"]
    with container.sessions() as session:
        program = measures(session=session, now=clock.now(), program="post-checkout")[0]
        scores = set(session.scalars(select(Response.score)))
    assert (program.recovered, program.follow_ups) == (0.5, 2)
    assert scores == {3}  # the follow-up never enters the program's own metric


def test_a_follow_up_answer_is_refused_before_the_question_or_off_the_scale(
    client: TestClient, container: Container
) -> None:
    accept_contact(client)
    [case] = cases(container)
    with pytest.raises(follow_up.FollowUpRefused, match="resolve it first"):
        answer(container, case.id, 9)
    resolve(container, case.id)
    with pytest.raises(follow_up.FollowUpRefused, match="score: a follow-up score is 0 to 10"):
        answer(container, case.id, 11)


def test_an_overdue_case_escalates_to_the_lead_once(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    say(client, start(client), "please call me")
    [case] = cases(container)
    notifier = RecordingNotifier()
    clock.advance(hours=7, minutes=59)  # due at 18:00 Monday, eight business hours after opening
    assert escalate(container, notifier=notifier) == []
    clock.advance(hours=15)  # Tuesday morning
    assert escalate(container, notifier=notifier) == [case.id]
    assert escalate(container, notifier=notifier) == []
    [notice] = notifier.notices
    assert notice.recipients == ("carla@example.com", "ana@example.com")
    escalated = [event for event in events(container, case.id) if event.kind == "escalated"]
    assert len(escalated) == 1
    assert escalated[0].details["lead"] == "carla@example.com"


def test_a_resolved_case_does_not_escalate(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    say(client, start(client), "please call me")
    [case] = cases(container)
    resolve(container, case.id)
    clock.advance(days=3)
    assert escalate(container, notifier=RecordingNotifier()) == []
