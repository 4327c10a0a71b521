"""cases: close-the-loop cases, their history and each team's round-robin turn

Revision ID: 0011_cases
Revises: 0010_notifications
Create Date: 2026-12-07 05:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import askwhy.store.base

revision: str = "0011_cases"
down_revision: str | None = "0010_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, comment: str | None = None) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, askwhy.store.base.UTCDateTime(timezone=True), nullable=True, comment=comment)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=True),
        sa.Column("response_id", sa.String(length=32), nullable=True),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column(
            "reason", sa.String(length=20), nullable=False, comment="accepted_contact, help_request or rule"
        ),
        sa.Column("themes", JSON, nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=12), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=320), nullable=True, comment="The owner's e-mail."),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        _when("first_response_due_at"),
        _when("due_at", "Resolution deadline, in business hours."),
        _when("first_response_at"),
        _when("resolved_at"),
        _when("closed_at"),
        _when("escalated_at"),
        _when("follow_up_asked_at"),
        sa.Column("follow_up_score", sa.Integer(), nullable=True),
        _when("follow_up_answered_at"),
        sa.Column("updated_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_cases_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_cases_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_cases_response_id_responses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("conversation_id", "reason", name=op.f("uq_cases_conversation_id_reason")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_program_status", ["program", "status"], unique=False)
        batch_op.create_index("ix_cases_team_status", ["team", "status"], unique=False)
        batch_op.create_index("ix_cases_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_response_id"), ["response_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_contact_id"), ["contact_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_case", ["case_id", "id"], unique=False)

    op.create_table(
        "case_team_turns",
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("given", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("program", "team", name=op.f("pk_case_team_turns")),
    )


def downgrade() -> None:
    op.drop_table("case_team_turns")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_case")
    op.drop_table("case_events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in ("ix_cases_contact_id", "ix_cases_response_id", "ix_cases_status_due"):
            batch_op.drop_index(name)
        batch_op.drop_index("ix_cases_team_status")
        batch_op.drop_index("ix_cases_program_status")
    op.drop_table("cases")
