"""waiting messages: an index of the customers' messages the interviewer has not taken yet

Merges the two heads (0002_analysis, 0003_channels) into one.

Revision ID: 0004_waiting_messages
Revises: 0002_analysis, 0003_channels
Create Date: 2026-11-28 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_waiting_messages'
down_revision: str | Sequence[str] | None = ('0002_analysis', '0003_channels')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("direction = 'in' AND processed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_waiting', ['created_at'], unique=False, sqlite_where=WAITING, postgresql_where=WAITING)


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_waiting', sqlite_where=WAITING, postgresql_where=WAITING)
