"""recounted cells: which recount last counted each day cell

A figure the workspace keeps per day (the score patterns behind drivers and changes) is reused for
a day while none of its cells is marked stale and each was last counted by the same recount; every
recount gives the cells it counts a new random number (`store.day_recount`). The cells counted
already get one here.

Revision ID: 0026_recounted_cells
Revises: 0025_segment_day_tallies
Create Date: 2026-12-07 17:00:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_recounted_cells"
down_revision: str | None = "0025_segment_day_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CELL = ["program", "day", "channel", "language", "simulated"]


def upgrade() -> None:
    op.create_table(
        "recounted_cells",
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("recount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*CELL, name=op.f("pk_recounted_cells")),
    )
    columns = ", ".join(CELL)
    # Fixed SQL: the columns above and a number drawn here, never input.
    op.execute(
        f"INSERT INTO recounted_cells ({columns}, recount) "  # noqa: S608
        f"SELECT {columns}, {secrets.randbits(62)} FROM response_days"
    )


def downgrade() -> None:
    op.drop_table("recounted_cells")
