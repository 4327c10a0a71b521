"""The responses of one `open_cases` task are checked in one transaction, each in a savepoint: a
case another worker opened meanwhile undoes only its own response's work."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event
from sqlalchemy.exc import IntegrityError

from askwhy.bootstrap import Container
from askwhy.cases.notices import RecordingNotifier
from askwhy.cases.opening import open_cases
from askwhy.clock import FakeClock
from askwhy.store.case_tables import Case, CaseEvent
from askwhy.tasks import cases as case_tasks

from .helpers import cases, say, start


def test_a_case_opened_elsewhere_leaves_the_other_cases_of_the_task_opened(
    client: TestClient, container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        say(client, start(client), "please call me")
        clock.advance(minutes=1)
    response_ids = [case.response_id or "" for case in cases(container)]
    assert len(set(response_ids)) == 3
    with container.sessions.begin() as session:  # as if their enqueues were lost
        session.execute(delete(CaseEvent))
        session.execute(delete(Case))

    def raced(**arguments: Any) -> Case | None:
        case = open_cases(**arguments)
        if arguments["response_id"] == response_ids[1]:
            arguments["session"].flush()
            raise IntegrityError("INSERT INTO cases", {}, Exception("opened by another worker"))
        return case

    monkeypatch.setattr(case_tasks, "open_cases", raced)
    opened = case_tasks.open_for(container, response_ids, notifier=RecordingNotifier())
    assert opened == 2
    assert sorted(case.response_id or "" for case in cases(container)) == sorted(
        [response_ids[0], response_ids[2]]
    )


def test_the_responses_and_conversations_of_a_task_are_read_together(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    statements = statements_of_opening(client, container, clock, runs=1)
    by_id = [
        s
        for s in statements
        if s.startswith("SELECT") and ("FROM responses" in s or "FROM conversations" in s)
    ]
    assert len(by_id) == 2, by_id
    assert len(cases(container)) == 3


def test_a_task_reads_each_program_and_the_cases_and_themes_of_its_responses_once(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    statements = statements_of_opening(client, container, clock, runs=2)
    selects = [s for s in statements if s.startswith("SELECT")]
    for table in ("programs", "cases", "theme_mentions"):
        reads = [s for s in selects if f"FROM {table} " in s and "FOR UPDATE" not in s]
        assert len(reads) == 2, (table, reads)  # one a task, not one a response
    assert len(cases(container)) == 3


def statements_of_opening(
    client: TestClient, container: Container, clock: FakeClock, *, runs: int
) -> list[str]:
    """The statements of `runs` case-opening tasks over three closed conversations whose cases were
    undone: the first task opens three cases, any later one none."""
    for _ in range(3):
        say(client, start(client), "please call me")
        clock.advance(minutes=1)
    response_ids = [case.response_id or "" for case in cases(container)]
    with container.sessions.begin() as session:
        session.execute(delete(CaseEvent))
        session.execute(delete(Case))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        for run in range(runs):
            opened = case_tasks.open_for(container, response_ids, notifier=RecordingNotifier())
            assert opened == (3 if run == 0 else 0)
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    return statements
