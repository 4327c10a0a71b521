"""PostgreSQL connections that sat idle in the pool are checked before use; busy ones are not.

SQLAlchemy's ``pool_pre_ping`` checks every connection taken from the pool with a ``SELECT 1``:
a round trip to the server for every transaction, about one statement in three of a WhatsApp
message's. A connection that went stale (the server restarted, a firewall dropped it) is one
that sat unused; one returned a moment ago is almost always fine, and should it not be, its
transaction fails and is retried as any failed transaction is (a task runs again, a request
answers 503 and its provider retries).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

IDLE_CHECK_SECONDS = 5.0
"""A pooled connection unused for longer than this is checked with a round trip before use."""
RETURNED = "askwhy_returned_at"


def check_connections_idle_for_a_while(engine: Engine, *, idle_seconds: float = IDLE_CHECK_SECONDS) -> None:
    """Have ``engine``'s pool check a connection before use if it was idle over ``idle_seconds``:
    a dead one is replaced by a new connection (SQLAlchemy's pool tries again)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info[RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def check_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get(RETURNED)
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return  # new, or returned a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("a pooled connection was dead; taking another") from exc
