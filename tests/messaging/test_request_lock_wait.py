"""A request waits for a conversation's lock its own bound (`Settings.request_lock_wait_seconds`,
1 s by default), not the longer lock timeout queue workers keep to: the conversation lock's own
timeout must not lengthen it (PostgreSQL; SQLite's write turn has its own test)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.exc import OperationalError

from askwhy.bootstrap import Container
from askwhy.store import conversations as conversation_queries
from askwhy.store.database import lock_waits_at_most
from tests.messaging.test_concurrency import conversation_id

__all__ = ["conversation_id"]  # fixture


def test_a_request_waits_for_a_conversation_lock_its_own_bound_not_the_lock_timeout(
    container: Container, conversation_id: str
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL row locks")
    assert conversation_queries.LOCK_TIMEOUT == "5s"
    with container.sessions.begin() as holder:
        conversation_queries.lock_conversation(session=holder, conversation_id=conversation_id)
        started = time.monotonic()
        with (
            lock_waits_at_most(0.3),
            pytest.raises(OperationalError, match="lock timeout"),
            container.sessions.begin() as request,
        ):
            conversation_queries.lock_conversation(session=request, conversation_id=conversation_id)
        assert time.monotonic() - started < 2.5, "gave up at the request's 0.3 s, not at 5 s"
