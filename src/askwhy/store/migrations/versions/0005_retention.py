"""retention: when each raw customer text was replaced by its redacted form

Revision ID: 0005_retention
Revises: 0004_waiting_messages
Create Date: 2026-11-28 03:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import askwhy.store.base

revision: str = '0005_retention'
down_revision: str | Sequence[str] | None = '0004_waiting_messages'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RAW_KEPT = sa.text('raw_purged_at IS NULL')
RAW_INBOUND = sa.text("direction = 'in' AND raw_purged_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_purged_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=True, comment='Inbound: when its text was replaced by the redacted form (raw transcript retention).'))
        batch_op.create_index('ix_messages_raw_kept', ['created_at'], unique=False, sqlite_where=RAW_INBOUND, postgresql_where=RAW_INBOUND)

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_purged_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=True, comment='When comment and answers were replaced by their redacted form (raw transcript retention).'))
        batch_op.create_index('ix_responses_raw_kept', ['responded_at'], unique=False, sqlite_where=RAW_KEPT, postgresql_where=RAW_KEPT)


def downgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_raw_kept', sqlite_where=RAW_KEPT, postgresql_where=RAW_KEPT)
        batch_op.drop_column('raw_purged_at')

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_raw_kept', sqlite_where=RAW_INBOUND, postgresql_where=RAW_INBOUND)
        batch_op.drop_column('raw_purged_at')
