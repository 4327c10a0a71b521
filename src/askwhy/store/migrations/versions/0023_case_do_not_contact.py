"""case do not contact: a case whose customer refused contact is marked so and never written to

A customer who says "no need to call me", or no to the close-the-loop offer, may still have a case
(a missing order, a rule on the score): the team sees it, marked, and askwhy refuses to write to
them from it. Existing cases keep false; askwhy reads the customer's wish again before every send.

Revision ID: 0023_case_do_not_contact
Revises: 0022_stale_day_marks
Create Date: 2026-12-07 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_case_do_not_contact"
down_revision: str | None = "0022_stale_day_marks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "do_not_contact",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="The customer refused contact in the conversation: askwhy never writes to them.",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("do_not_contact")
