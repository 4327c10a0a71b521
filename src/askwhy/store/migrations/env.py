"""Alembic environment: runs migrations on the connection or URL askwhy hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from askwhy.store.base import Base
from askwhy.store.inbox import managed_by_migrations
from askwhy.store.registry import import_all_tables

import_all_tables()
config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as fresh:
        _run(fresh)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=managed_by_migrations,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
