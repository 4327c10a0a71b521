"""api key programs: a key may be limited to some programs

A system that serves one program (a store's CRM, one brand's BI) gets a key that reaches only that
program's cases, alerts, figures and transcripts. Existing keys keep an empty list: every program.

Revision ID: 0018_api_key_programs
Revises: 0017_funnel_and_change_indexes
Create Date: 2026-12-07 13:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_api_key_programs"
down_revision: str | None = "0017_funnel_and_change_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "programs",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
                comment="The programs the key reaches; empty: every program.",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("programs")
