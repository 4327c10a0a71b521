"""alert answers: customers' answers to an open alert's targeted question

Revision ID: 0014_alert_answers
Revises: 0013_responses_updated_at
Create Date: 2026-12-07 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import askwhy.store.base

revision: str = "0014_alert_answers"
down_revision: str | None = "0013_responses_updated_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False, comment="The customer's answer, redacted."),
        sa.Column(
            "affected",
            sa.Boolean(),
            nullable=True,
            comment="Yes or no when the answer says so; NULL otherwise.",
        ),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("answered_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_answers_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_alert_answers_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_answers")),
        sa.UniqueConstraint(
            "alert_id", "conversation_id", name=op.f("uq_alert_answers_alert_id_conversation_id")
        ),
    )
    op.create_index(
        op.f("ix_alert_answers_conversation_id"), "alert_answers", ["conversation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_answers_conversation_id"), table_name="alert_answers")
    op.drop_table("alert_answers")
