"""day tallies: responses, scores and theme mentions counted per program, UTC day, channel,
language and simulated flag, kept exact by triggers that mark a changed cell stale

The workspace reads its figures from these few thousand rows instead of every response of a
program. Triggers on responses, analyses, sentences and theme mentions mark the cell of any row
that changes in stale_day_cells; the writing session recounts those cells before it commits
(store/day_recount.py). Existing data is marked stale here, and counted by the first write.

Revision ID: 0015_day_tallies
Revises: 0014_alert_answers
Create Date: 2026-12-07 10:20:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import askwhy.store.base

revision: str = "0015_day_tallies"
down_revision: str | None = "0014_alert_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESPONSE_FIELDS = (
    "program",
    "channel",
    "language",
    "simulated",
    "responded_at",
    "metric",
    "score",
    "completion",
)
"""A response's columns that a tally counts: an update of any other leaves its cell as it was."""
CHILDREN = {
    "response_analyses": ("INSERT", "DELETE"),
    "theme_mentions": ("INSERT", "UPDATE", "DELETE"),
    "sentences": ("UPDATE OF sentiment_score",),
}


def _cell() -> list[sa.Column[Any]]:
    return [
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
    ]


CELL = ["program", "day", "channel", "language", "simulated"]


def upgrade() -> None:
    op.create_table(
        "stale_day_cells", *_cell(), sa.PrimaryKeyConstraint(*CELL, name=op.f("pk_stale_day_cells"))
    )
    op.create_table(
        "response_days",
        *_cell(),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("analysed", sa.Integer(), nullable=False),
        sa.Column("newest", askwhy.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("newest_analysed", askwhy.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(*CELL, name=op.f("pk_response_days")),
    )
    op.create_table(
        "score_days",
        *_cell(),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*CELL, "metric", "score", name=op.f("pk_score_days")),
    )
    op.create_table(
        "theme_days",
        *_cell(),
        sa.Column("theme_id", sa.String(length=32), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("sentiment_n", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*CELL, "theme_id", name=op.f("pk_theme_days")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
        day = "(responded_at AT TIME ZONE 'UTC')::date"
    else:
        _sqlite_triggers()
        day = "date(responded_at)"
    # Fixed SQL: {day} is one of the two expressions above, never input.
    op.execute(
        "INSERT INTO stale_day_cells (program, day, channel, language, simulated) "  # noqa: S608
        f"SELECT DISTINCT program, {day}, channel, language, simulated FROM responses"
    )


def _sqlite_triggers() -> None:
    # Trigger bodies: {row} is OLD or NEW, never input.
    def mark(row: str) -> str:
        return (
            "INSERT OR IGNORE INTO stale_day_cells (program, day, channel, language, simulated) VALUES "  # noqa: S608
            f"({row}.program, date({row}.responded_at), {row}.channel, {row}.language, {row}.simulated);"
        )

    def mark_response_of(row: str) -> str:
        return (
            "INSERT OR IGNORE INTO stale_day_cells (program, day, channel, language, simulated) "  # noqa: S608
            "SELECT program, date(responded_at), channel, language, simulated FROM responses "
            f"WHERE id = {row}.response_id;"
        )

    changed = " OR ".join(f"OLD.{field} IS NOT NEW.{field}" for field in RESPONSE_FIELDS)
    op.execute(f"CREATE TRIGGER stale_day_response_insert AFTER INSERT ON responses BEGIN {mark('NEW')} END")
    op.execute(f"CREATE TRIGGER stale_day_response_delete AFTER DELETE ON responses BEGIN {mark('OLD')} END")
    op.execute(
        f"CREATE TRIGGER stale_day_response_update AFTER UPDATE OF {', '.join(RESPONSE_FIELDS)} ON responses "
        f"WHEN {changed} BEGIN {mark('OLD')} {mark('NEW')} END"
    )
    for table, events in CHILDREN.items():
        for event in events:
            rows = {"INSERT": ("NEW",), "DELETE": ("OLD",)}.get(event, ("OLD", "NEW"))
            when = " WHEN OLD.sentiment_score IS NOT NEW.sentiment_score" if table == "sentences" else ""
            body = " ".join(mark_response_of(row) for row in rows)
            name = f"stale_day_{table}_{event.split()[0].lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table}{when} BEGIN {body} END")


def _postgresql_triggers() -> None:
    op.execute(
        """
        CREATE FUNCTION stale_day_of_response() RETURNS trigger AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                INSERT INTO stale_day_cells (program, day, channel, language, simulated)
                VALUES (OLD.program, (OLD.responded_at AT TIME ZONE 'UTC')::date, OLD.channel,
                        OLD.language, OLD.simulated)
                ON CONFLICT DO NOTHING;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO stale_day_cells (program, day, channel, language, simulated)
                VALUES (NEW.program, (NEW.responded_at AT TIME ZONE 'UTC')::date, NEW.channel,
                        NEW.language, NEW.simulated)
                ON CONFLICT DO NOTHING;
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE FUNCTION stale_day_of_child() RETURNS trigger AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                INSERT INTO stale_day_cells (program, day, channel, language, simulated)
                SELECT program, (responded_at AT TIME ZONE 'UTC')::date, channel, language, simulated
                FROM responses WHERE id = OLD.response_id
                ON CONFLICT DO NOTHING;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO stale_day_cells (program, day, channel, language, simulated)
                SELECT program, (responded_at AT TIME ZONE 'UTC')::date, channel, language, simulated
                FROM responses WHERE id = NEW.response_id
                ON CONFLICT DO NOTHING;
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    )
    changed = " OR ".join(f"OLD.{field} IS DISTINCT FROM NEW.{field}" for field in RESPONSE_FIELDS)
    op.execute(
        "CREATE TRIGGER stale_day_responses AFTER INSERT OR DELETE ON responses "
        "FOR EACH ROW EXECUTE FUNCTION stale_day_of_response()"
    )
    op.execute(
        f"CREATE TRIGGER stale_day_response_update AFTER UPDATE OF {', '.join(RESPONSE_FIELDS)} ON responses "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION stale_day_of_response()"
    )
    for table, events in CHILDREN.items():
        when = (
            " WHEN (OLD.sentiment_score IS DISTINCT FROM NEW.sentiment_score)" if table == "sentences" else ""
        )
        op.execute(
            f"CREATE TRIGGER stale_day_{table} AFTER {' OR '.join(events)} ON {table} "
            f"FOR EACH ROW{when} EXECUTE FUNCTION stale_day_of_child()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("responses", *CHILDREN):
            op.execute(f"DROP TRIGGER IF EXISTS stale_day_{table} ON {table}")
        op.execute("DROP TRIGGER IF EXISTS stale_day_response_update ON responses")
        op.execute("DROP FUNCTION IF EXISTS stale_day_of_child()")
        op.execute("DROP FUNCTION IF EXISTS stale_day_of_response()")
    else:
        for name in ("response_insert", "response_delete", "response_update"):
            op.execute(f"DROP TRIGGER IF EXISTS stale_day_{name}")
        for table, events in CHILDREN.items():
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS stale_day_{table}_{event.split()[0].lower()}")
    for table in ("theme_days", "score_days", "response_days", "stale_day_cells"):
        op.drop_table(table)
