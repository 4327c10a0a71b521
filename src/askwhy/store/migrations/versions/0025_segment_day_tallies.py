"""segment day tallies: the day tallies again per segment value, so a filter on one segment value
reads tallies instead of every response

``segment_response_days``, ``segment_score_days`` and ``segment_theme_days`` hold what
``response_days``, ``score_days`` and ``theme_days`` hold, per (segment name, segment value) of
each cell: a response counts once under each of its segment values. They share the cells' marks:
a change to a response's segment values now marks its cell too (the update trigger of 0015 made
again with ``segment`` among the columns it watches), and every cell is marked here so the first
recount fills the new tables.

Revision ID: 0025_segment_day_tallies
Revises: 0024_theme_days_by_theme
Create Date: 2026-12-07 16:45:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import askwhy.store.base

revision: str = "0025_segment_day_tallies"
down_revision: str | None = "0024_theme_days_by_theme"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("program", "channel", "language", "simulated", "responded_at", "metric", "score", "completion")
"""The columns 0015's update trigger watches."""
CELL = ["program", "segment_name", "segment_value", "day", "channel", "language", "simulated"]


def _cell() -> list[sa.Column[Any]]:
    return [
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column("segment_name", sa.String(length=100), nullable=False),
        sa.Column("segment_value", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "segment_response_days",
        *_cell(),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("analysed", sa.Integer(), nullable=False),
        sa.Column("newest", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("newest_analysed", askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(*CELL, name=op.f("pk_segment_response_days")),
    )
    op.create_table(
        "segment_score_days",
        *_cell(),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*CELL, "metric", "score", name=op.f("pk_segment_score_days")),
    )
    op.create_table(
        "segment_theme_days",
        *_cell(),
        sa.Column("theme_id", sa.String(length=32), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("sentiment_n", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*CELL, "theme_id", name=op.f("pk_segment_theme_days")),
    )
    _watch((*WATCHED, "segment"))
    postgresql = op.get_bind().dialect.name == "postgresql"
    day = "(responded_at AT TIME ZONE 'UTC')::date" if postgresql else "date(responded_at)"
    # Fixed SQL: {day} is one of the two expressions above, never input.
    op.execute(
        "INSERT INTO stale_day_cells (program, day, channel, language, simulated) "  # noqa: S608
        f"SELECT DISTINCT program, {day}, channel, language, simulated FROM responses"
    )


def _watch(fields: tuple[str, ...]) -> None:
    """0015's trigger on updated responses, made again to watch ``fields``."""
    # Trigger bodies: {fields} are the column names above, never input.
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"OLD.{field} IS DISTINCT FROM NEW.{field}" for field in fields)
        op.execute("DROP TRIGGER IF EXISTS stale_day_response_update ON responses")
        op.execute(
            f"CREATE TRIGGER stale_day_response_update AFTER UPDATE OF {', '.join(fields)} ON responses "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION stale_day_of_response()"
        )
        return

    def mark(row: str) -> str:
        return (
            "INSERT OR IGNORE INTO stale_day_cells (program, day, channel, language, simulated) VALUES "  # noqa: S608
            f"({row}.program, date({row}.responded_at), {row}.channel, {row}.language, {row}.simulated);"
        )

    changed = " OR ".join(f"OLD.{field} IS NOT NEW.{field}" for field in fields)
    op.execute("DROP TRIGGER IF EXISTS stale_day_response_update")
    op.execute(
        f"CREATE TRIGGER stale_day_response_update AFTER UPDATE OF {', '.join(fields)} ON responses "
        f"WHEN {changed} BEGIN {mark('OLD')} {mark('NEW')} END"
    )


def downgrade() -> None:
    _watch(WATCHED)
    for table in ("segment_theme_days", "segment_score_days", "segment_response_days"):
        op.drop_table(table)
