"""stale day cells as marks added one per change: writers never wait on one another's mark

A write's trigger used to insert its cell's mark unless one existed. On PostgreSQL a mark is then
either new (and two writers of one cell wait on the unique key until the first commits) or old,
taken with no lock, so a recount had to lock the table to wait for every writer that marked. Each
change now adds a mark of its own (the triggers of 0015 are unchanged: with an id as the key, their
insert never conflicts); a recount deletes only the marks it read, and a writer not committed yet
keeps its mark for the next one. The table keeps its name and its five cell columns.

Revision ID: 0022_stale_day_marks
Revises: 0021_responses_scored_by_id
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_stale_day_marks"
down_revision: str | None = "0021_responses_scored_by_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CELL = ["program", "day", "channel", "language", "simulated"]
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""SQLite numbers a row by its INTEGER PRIMARY KEY; PostgreSQL by a bigint identity."""


def _cell() -> list[sa.Column[object]]:
    return [
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    # Copied aside, dropped and made again under its own name: renaming it would have SQLite rewrite
    # the triggers of 0015 to the old table's new name, and PostgreSQL keep its key's name taken.
    columns = ", ".join(CELL)
    op.create_table("stale_day_cells_copy", *_cell())
    op.execute(f"INSERT INTO stale_day_cells_copy ({columns}) SELECT {columns} FROM stale_day_cells")  # noqa: S608
    op.drop_table("stale_day_cells")
    op.create_table(
        "stale_day_cells",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_cell(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stale_day_cells")),
    )
    op.create_index("ix_stale_day_cells_cell", "stale_day_cells", CELL)
    op.execute(f"INSERT INTO stale_day_cells ({columns}) SELECT {columns} FROM stale_day_cells_copy")  # noqa: S608
    op.drop_table("stale_day_cells_copy")


def downgrade() -> None:
    columns = ", ".join(CELL)
    op.create_table("stale_day_cells_copy", *_cell())
    op.execute(
        f"INSERT INTO stale_day_cells_copy ({columns}) SELECT DISTINCT {columns} FROM stale_day_cells"  # noqa: S608
    )
    op.drop_table("stale_day_cells")
    key = sa.PrimaryKeyConstraint(*CELL, name=op.f("pk_stale_day_cells"))
    op.create_table("stale_day_cells", *_cell(), key)
    op.execute(f"INSERT INTO stale_day_cells ({columns}) SELECT {columns} FROM stale_day_cells_copy")  # noqa: S608
    op.drop_table("stale_day_cells_copy")
