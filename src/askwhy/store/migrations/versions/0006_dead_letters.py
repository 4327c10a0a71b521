"""dead letters: webhook deliveries, or items of them, that could not be stored

Revision ID: 0006_dead_letters
Revises: 0005_retention
Create Date: 2026-12-07 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import askwhy.store.base

revision: str = '0006_dead_letters'
down_revision: str | Sequence[str] | None = '0005_retention'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'dead_letters',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False, comment='The inbox channel: whatsapp, twilio_sms…'),
        sa.Column('body', sa.LargeBinary(), nullable=False, comment="The delivery's bytes, as the provider sent them."),
        sa.Column('query', sa.Text(), nullable=True, comment='The query string of the URL the provider called.'),
        sa.Column('items', sa.Text(), nullable=True, comment='The provider ids of the messages or statuses that failed; none: the whole delivery.'),
        sa.Column('reason', sa.Text(), nullable=False, comment='Why, in one line.'),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('first_seen_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=False, comment='When the delivery was received.'),
        sa.Column('last_seen_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=False, comment='When it was last tried.'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dead_letters')),
    )


def downgrade() -> None:
    op.drop_table('dead_letters')
