"""responses by their last change

The workspace asks when any response last changed before reusing a figure it computed earlier;
this index answers from its last entry instead of reading every response.

Revision ID: 0013_responses_updated_at
Revises: 0012_workspace_indexes
Create Date: 2026-12-07 06:05:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_responses_updated_at"
down_revision: str | None = "0012_workspace_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_responses_updated_at", "responses", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_responses_updated_at", table_name="responses")
