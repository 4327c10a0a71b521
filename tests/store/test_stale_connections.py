"""A PostgreSQL connection that died while idle in the pool is replaced before use, without the
round trip of a check on every transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from askwhy.store.database import make_engine
from askwhy.store.stale_connections import check_connections_idle_for_a_while
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL connections only")


def test_a_connection_that_died_while_idle_is_replaced_before_use(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    check_connections_idle_for_a_while(engine, idle_seconds=0.0)
    admin = create_engine(database_url)
    try:
        with engine.connect() as connection:
            first = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_returned_a_moment_ago_is_used_without_a_check(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(
        engine.dialect, "do_ping", lambda connection: pings.append(connection) or ping(connection)
    )
    try:
        for _ in range(3):
            with engine.begin() as connection:
                connection.execute(text("SELECT 2"))
        assert pings == []
    finally:
        engine.dispose()
