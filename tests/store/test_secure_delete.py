"""Every SQLite connection askwhy opens overwrites deleted content with zeros, whatever SQLite's
build default: the database's, the webhook inbox file's and the queue's."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from askwhy.bootstrap import bootstrap
from askwhy.clock import FakeClock
from askwhy.settings import Settings
from tests.conftest import GUIDES


@pytest.fixture
def build_default_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections start with secure_delete off, as most SQLite builds have it."""
    connect = sqlite3.connect

    def off(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)
        connection.execute("PRAGMA secure_delete=OFF")
        return connection

    monkeypatch.setattr(sqlite3, "connect", off)


def test_the_database_inbox_and_queue_connections_zero_what_they_delete(
    tmp_path: Path, build_default_off: None
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'askwhy.db'}",
        data_dir=tmp_path,
        guides_dir=GUIDES,
        seed_demo=False,
        queue_inline=False,
    )
    container = bootstrap(settings, clock=FakeClock())
    try:
        for engine in (container.engine, container.inbox.engine):
            with engine.connect() as connection:
                assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1, engine.url
        queue = container.jobs.huey.storage
        with queue.db(commit=False) as cursor:
            assert cursor.execute("PRAGMA secure_delete").fetchone()[0] == 1
    finally:
        container.close()
