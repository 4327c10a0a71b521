"""person identities: the single sign-on provider's subject each account is linked to

Revision ID: 0016_person_identities
Revises: 0015_day_tallies
Create Date: 2026-12-07 10:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import askwhy.store.base

revision: str = "0016_person_identities"
down_revision: str | None = "0015_day_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_identities",
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False, comment="The ID token's sub."),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("linked_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_identities_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_person_identities")),
        sa.UniqueConstraint("person_id", "issuer", name=op.f("uq_person_identities_person_id_issuer")),
    )
    op.create_index(op.f("ix_person_identities_person_id"), "person_identities", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_person_identities_person_id"), table_name="person_identities")
    op.drop_table("person_identities")
