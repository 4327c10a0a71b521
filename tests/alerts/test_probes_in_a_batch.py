"""The alerts a turn may ask about are read once a transaction (a batch of queued turns takes
many), and an answer kept in that transaction counts for its later turns."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from askwhy.bootstrap import Container
from askwhy.conversations import alert_questions
from askwhy.domain.conversation import ConversationStatus, InterviewState
from askwhy.interview.alert_probe import PREFIX
from tests.alerts.test_probes import Customer, client, container, open_alert

__all__ = ["client", "container"]  # the fixtures this module uses


def test_askable_alerts_are_read_once_a_transaction_and_again_after_an_answer(
    client: TestClient, container: Container
) -> None:
    alert_id = open_alert(container)
    first, second = Customer(client, container), Customer(client, container)
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM alerts" in statement:
            reads.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        with container.sessions.begin() as session:

            def askable() -> list[int]:
                found = alert_questions.askable_alerts_read_once_a_transaction(
                    session=session, program="post-checkout"
                )
                return [alert.answers for alert in found]

            assert askable() == [0]
            assert askable() == [0]
            assert len(reads) == 1, "read once in the transaction"
            asked = InterviewState(status=ConversationStatus.ACTIVE, last_question=PREFIX + alert_id)
            for conversation_id in (first.id, second.id):
                kept = alert_questions.record_answer(
                    session=session,
                    before=asked,
                    conversation_id=conversation_id,
                    text="yes, it was late",
                    now=container.clock.now(),
                )
                assert kept
                assert askable() == [1 if conversation_id == first.id else 2]
            assert len(reads) == 3, "read again after each answer"
        with container.sessions.begin() as session:
            found = alert_questions.askable_alerts_read_once_a_transaction(
                session=session, program="post-checkout"
            )
            assert [alert.answers for alert in found] == [2]
            assert len(reads) == 4, "a new transaction reads again"
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
