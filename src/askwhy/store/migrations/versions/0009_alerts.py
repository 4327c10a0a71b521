"""alerts: one row per episode, and detection marks

Revision ID: 0009_alerts
Revises: 0008_share_links
Create Date: 2026-12-07 05:26:59.853676
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import askwhy.store.base

revision: str = "0009_alerts"
down_revision: str | None = "0008_share_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column(
            "kind", sa.String(length=20), nullable=False, comment="rising_theme, new_theme or metric_drop"
        ),
        sa.Column(
            "subject",
            sa.String(length=100),
            nullable=False,
            comment="Theme id, proposed theme id or metric name.",
        ),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column(
            "segment",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "segment_key",
            sa.String(length=500),
            nullable=False,
            comment="The segment as sorted name=value pairs; empty for the program.",
        ),
        sa.Column("severity", sa.String(length=10), nullable=False, comment="low, medium or high"),
        sa.Column(
            "state", sa.String(length=15), nullable=False, comment="open, acknowledged, snoozed, resolved"
        ),
        sa.Column("opened_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("snoozed_until", askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="The Evidence, as JSON.",
        ),
        sa.Column(
            "routed_at",
            askwhy.store.base.UTCDateTime(timezone=True),
            nullable=True,
            comment="Set by routing (askwhy.alerts.routing) once sent on; detection leaves it NULL.",
        ),
        sa.Column(
            "resolved_notified_at",
            askwhy.store.base.UTCDateTime(timezone=True),
            nullable=True,
            comment="Set by routing once the resolution is sent on; NULL until then.",
        ),
        sa.Column("note", sa.Text(), nullable=False, comment="Why it was acknowledged or resolved."),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alerts_not_routed",
            ["opened_at"],
            unique=False,
            sqlite_where=sa.text("routed_at IS NULL"),
            postgresql_where=sa.text("routed_at IS NULL"),
        )
        batch_op.create_index("ix_alerts_program_opened", ["program", "opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_state"), ["state"], unique=False)
        batch_op.create_index(
            "uq_alerts_episode_in_progress",
            ["program", "kind", "subject", "segment_key"],
            unique=True,
            sqlite_where=sa.text("state != 'resolved'"),
            postgresql_where=sa.text("state != 'resolved'"),
        )

    op.create_table(
        "detection_marks",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_detection_marks")),
    )


def downgrade() -> None:
    op.drop_table("detection_marks")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_alerts_episode_in_progress",
            sqlite_where=sa.text("state != 'resolved'"),
            postgresql_where=sa.text("state != 'resolved'"),
        )
        batch_op.drop_index(batch_op.f("ix_alerts_state"))
        batch_op.drop_index("ix_alerts_program_opened")
        batch_op.drop_index(
            "ix_alerts_not_routed",
            sqlite_where=sa.text("routed_at IS NULL"),
            postgresql_where=sa.text("routed_at IS NULL"),
        )

    op.drop_table("alerts")
