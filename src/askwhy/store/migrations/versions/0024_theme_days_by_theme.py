"""theme days by theme: a program's theme tallies read from one index, theme after theme

The workspace sums a program's theme tallies per theme (`store.day_tallies`): the codebook, the
ranking of themes for drivers, one theme's counts and its responses per day. The key of
``theme_days`` starts with the day, so SQLite visited every row through the key and then the row
itself, and sorted them by theme. An index holding every column, in the order (program,
simulated, theme), answers those sums from the index alone, already grouped, and one theme's
rows are one range of it: on 100,000 responses (70,000 tally rows) the sum over every theme takes
23 ms instead of 53 ms of CPU, one theme's counts 0.5 ms instead of 15 ms.

Revision ID: 0024_theme_days_by_theme
Revises: 0023_case_do_not_contact
Create Date: 2026-12-07 16:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024_theme_days_by_theme"
down_revision: str | None = "0023_case_do_not_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "program",
    "simulated",
    "theme_id",
    "day",
    "channel",
    "language",
    "mentions",
    "responses",
    "sentiment_sum",
    "sentiment_n",
    "positive",
    "negative",
]


def upgrade() -> None:
    op.create_index("ix_theme_days_by_theme", "theme_days", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_theme_days_by_theme", table_name="theme_days")
