"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL), the app in-process.

The suite runs once per database: `ASKWHY_TEST_DATABASE=sqlite` (default) or `postgresql`.
PostgreSQL gets one throwaway database per test run (and per xdist worker), emptied between tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect, text

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store import inbox, migrate
from askwhy.store.base import Base
from askwhy.store.database import make_engine
from askwhy.store.registry import import_all_tables

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "examples" / "guides"
BACKEND = os.environ.get("ASKWHY_TEST_DATABASE", "sqlite")
POSTGRES_ADMIN_URL = os.environ.get(
    "ASKWHY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pytest_report_header() -> str:
    return f"askwhy test database: {BACKEND}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the newest schema, migrated once per run through Alembic."""
    if BACKEND == "postgresql":
        name = f"askwhy_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "askwhy.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()
        yield str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """An empty database at the newest schema, for this test alone."""
    if BACKEND == "postgresql":
        yield migrated_template
        _empty_postgres(migrated_template)
    else:
        path = tmp_path / "askwhy.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite:///{path}"


def _empty_postgres(url: str) -> None:
    import_all_tables()
    engine = create_engine(url)
    tables = [table.name for table in Base.metadata.sorted_tables]
    if inspect(engine).has_table(inbox.deliveries.name):  # created by the first test that opens it
        tables.append(inbox.deliveries.name)
    names = ", ".join(f'"{name}"' for name in tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, data_dir=tmp_path, guides_dir=GUIDES, seed_demo=False, queue_inline=True
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock)
    yield built
    built.close()


@pytest.fixture
def engine(container: Container) -> Engine:
    return container.engine


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client
