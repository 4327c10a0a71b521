"""On PostgreSQL an inbound message finds its conversation and locks it in one statement: every
statement of the storing transaction is a round trip to the database."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event

from askwhy.bootstrap import Container
from askwhy.clock import FakeClock
from tests.conftest import BACKEND

from .test_inbound import HeldJobs, accept, invited, says, transcript

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="row locks are PostgreSQL's")


def test_a_message_is_routed_and_its_conversation_locked_in_one_statement(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    conversation_id = invited(client, container, auth, clock)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    sa_event.listen(container.engine, "before_cursor_execute", record)
    try:
        accepted = accept(container, says("9", "wamid.1", clock=clock), jobs=HeldJobs())
    finally:
        sa_event.remove(container.engine, "before_cursor_execute", record)
    assert len(accepted.new_messages) == 1
    assert transcript(container, conversation_id)[-1] == ("in", "9")
    reads_of_conversations = [s for s in statements if s.startswith("SELECT CONVERSATIONS.ID")]
    assert len(reads_of_conversations) == 1
    assert reads_of_conversations[0].endswith("FOR UPDATE")
