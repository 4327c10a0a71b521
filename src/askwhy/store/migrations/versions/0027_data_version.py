"""data version: a number that grows with every committed change to what the workspace reads

The workspace keeps its figures per data version. The version was one statement of row counts and
maxima over responses, analyses, sentences, themes, conversations and the audit log, which read
indexes of 100,000 rows on every page view (15-20 ms each on SQLite, several per page). Triggers on
those tables and on theme mentions now add one to a row of data_versions in the writing
transaction (store/data_versions.py): on SQLite per changed row; on PostgreSQL once per
transaction, at its commit (a deferred constraint trigger), to one of 16 rows chosen by its
transaction id. The rows are written on first use (an upsert), so a table emptied by TRUNCATE
counts again from zero.

Revision ID: 0027_data_version
Revises: 0026_recounted_cells
Create Date: 2026-12-07 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_data_version"
down_revision: str | None = "0026_recounted_cells"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = (
    "responses",
    "response_analyses",
    "sentences",
    "theme_mentions",
    "themes",
    "conversations",
    "audit_log",
)
EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("shard", name=op.f("pk_data_versions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    add = (
        "INSERT INTO data_versions (shard, number) VALUES (0, 1) "
        "ON CONFLICT (shard) DO UPDATE SET number = number + 1;"
    )
    for table in WATCHED:
        for event in EVENTS:
            name = f"data_version_{table}_{event.lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {add} END")


def _postgresql_triggers() -> None:
    # The setting is local to the transaction: the first deferred event adds one, the others see it.
    op.execute(
        """
        CREATE FUNCTION data_version_add() RETURNS trigger AS $$
        BEGIN
            IF current_setting('askwhy.data_version_added', true) IS DISTINCT FROM 'yes' THEN
                PERFORM set_config('askwhy.data_version_added', 'yes', true);
                INSERT INTO data_versions (shard, number) VALUES (txid_current() % 16, 1)
                ON CONFLICT (shard) DO UPDATE SET number = data_versions.number + 1;
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    )
    for table in WATCHED:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER data_version_{table} AFTER {' OR '.join(EVENTS)} ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_add()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS data_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS data_version_add()")
    else:
        for table in WATCHED:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_{event.lower()}")
    op.drop_table("data_versions")
