"""Imports every table module so that the metadata is complete (for Alembic and tests)."""

from __future__ import annotations

import importlib

TABLE_MODULES = (
    "askwhy.store.tables",
    "askwhy.store.analysis_tables",
    "askwhy.store.messaging_tables",
    "askwhy.store.program_tables",
    "askwhy.store.api_tables",
    "askwhy.store.dead_letters",
)


def import_all_tables() -> None:
    for name in TABLE_MODULES:
        importlib.import_module(name)
