"""people: the team, roles per program, sign-in links, audit log

Revision ID: 0007_people
Revises: 0006_dead_letters
Create Date: 2026-12-07 03:25:25.784094
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import askwhy.store.base

revision: str = '0007_people'
down_revision: str | None = '0006_dead_letters'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=True, comment='Unset: the system or a CLI user.'),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_person_id'), ['person_id'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False, comment='Lower-cased; the sign-in name.'),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True, comment='argon2id; unset until a password is chosen (sign-in links only).'),
    sa.Column('role', sa.String(length=20), nullable=True, comment='Role in every program; unset: only the programs in person_roles.'),
    sa.Column('session_version', sa.Integer(), nullable=False, comment='Raised on sign-out everywhere, password reset and disabling: old sessions end.'),
    sa.Column('created_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_sign_in_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('email', name=op.f('uq_people_email'))
    )
    op.create_table('person_roles',
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.Column('program', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_roles_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'program', name=op.f('pk_person_roles'))
    )
    op.create_table('sign_in_links',
    sa.Column('id', sa.String(length=64), nullable=False, comment="SHA-256 of the link's secret."),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_sign_in_links_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_links'))
    )
    with op.batch_alter_table('sign_in_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_links_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sign_in_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_links_person_id'))

    op.drop_table('sign_in_links')
    op.drop_table('person_roles')
    op.drop_table('people')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_person_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
