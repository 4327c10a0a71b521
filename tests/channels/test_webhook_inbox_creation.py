"""The webhook inbox's table on PostgreSQL is created by whichever process opens the inbox first:
`askwhy serve` and `askwhy worker`s starting together on a new database all open it at once, and
every one of them must start."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.settings import Settings
from askwhy.store.database import is_sqlite, make_engine
from askwhy.store.inbox import Inbox, deliveries


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock, senders={})
    if is_sqlite(built.engine):
        built.close()
        pytest.skip("on SQLite the inbox is a file of the server's, opened before its workers start")
    yield built
    built.close()


def test_processes_opening_the_inbox_together_on_a_new_database_all_open_it(container: Container) -> None:
    deliveries.drop(container.engine, checkfirst=True)  # a database no inbox was opened on yet
    engines = [make_engine(container.settings.resolved_database_url) for _ in range(6)]
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def open_inbox(engine: object) -> None:
        barrier.wait()
        try:
            Inbox(engine)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_inbox, args=(engine,)) for engine in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for engine in engines:
            engine.dispose()
    assert errors == []
    assert "query" in {column["name"] for column in inspect(container.engine).get_columns(deliveries.name)}
