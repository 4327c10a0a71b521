"""workspace indexes: responses by program and time

Every workspace page narrows responses to one program and, often, a date range; without this index
each of them read every response of every program.

Revision ID: 0012_workspace_indexes
Revises: 0011_cases
Create Date: 2026-12-07 06:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_workspace_indexes"
down_revision: str | None = "0011_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_responses_program_responded", "responses", ["program", "responded_at"])


def downgrade() -> None:
    op.drop_index("ix_responses_program_responded", table_name="responses")
