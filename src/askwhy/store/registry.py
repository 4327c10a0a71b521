"""Every table module, imported, so that the metadata is complete (for Alembic and tests)."""

from __future__ import annotations

from types import ModuleType

from askwhy.store import (
    alert_answer_tables,
    alert_tables,
    analysis_tables,
    api_tables,
    case_tables,
    data_versions,
    day_tally_tables,
    dead_letters,
    messaging_tables,
    notification_tables,
    people_tables,
    program_tables,
    share_tables,
    tables,
)

TABLE_MODULES: tuple[ModuleType, ...] = (
    tables,
    analysis_tables,
    messaging_tables,
    program_tables,
    api_tables,
    dead_letters,
    people_tables,
    share_tables,
    alert_tables,
    notification_tables,
    case_tables,
    alert_answer_tables,
    day_tally_tables,
    data_versions,
)


def import_all_tables() -> tuple[ModuleType, ...]:
    """The table modules; importing this module has already registered their tables."""
    return TABLE_MODULES
