"""share links: read-only links to a filtered overview, revocable

Revision ID: 0008_share_links
Revises: 0007_people
Create Date: 2026-12-07 05:13:53.018863
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import askwhy.store.base

revision: str = "0008_share_links"
down_revision: str | None = "0007_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column(
            "filters", sa.String(length=2000), nullable=False, comment="The view's query string (no secret)."
        ),
        sa.Column(
            "created_by", sa.String(length=32), nullable=True, comment="Unset once that person is deleted."
        ),
        sa.Column("created_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_share_links_created_by_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
    )
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.create_index("ix_share_links_program_expires", ["program", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_index("ix_share_links_program_expires")

    op.drop_table("share_links")
