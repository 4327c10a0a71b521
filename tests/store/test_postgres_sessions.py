"""PostgreSQL connections are set up for a page's short statements."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from askwhy.store.database import make_engine
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL connections only")


def test_a_postgres_connection_does_not_compile_statements_just_in_time(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar_one() == "off"
    finally:
        engine.dispose()


def test_options_the_caller_gives_are_kept_beside_it(database_url: str) -> None:
    engine = make_engine(database_url, connect_args={"options": "-c statement_timeout=4321"})
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar_one() == "off"
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "4321ms"
    finally:
        engine.dispose()
