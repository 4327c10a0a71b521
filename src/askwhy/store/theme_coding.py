"""Writing theme mentions so that workers coding at the same time store what one would.

Several analysis workers can code the same pool sentences at once (on PostgreSQL, in transactions
that overlap): a mention is one sentence in one theme, so a mention another worker has written
already is the same fact and is kept as it is, never an error. Discovery proposes themes whose ids
come from their content and takes the whole pool, so two runs take turns instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Executable, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ThemeMention

DISCOVERY_LOCK = 0x61736B77_79640002
"""PostgreSQL advisory lock key of theme discovery (``askwyd`` + 2): one run at a time across workers."""
MENTION_KEY = ("sentence_id", "theme_id")


def insert_mentions_once(*, session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Insert theme mentions, leaving any (sentence, theme) already stored as it is.

    On PostgreSQL a worker that meets another's uncommitted mention waits for it; once that commits
    the row is skipped, and if it rolls back this one is inserted: either way each mention is stored
    once, and the day cells it touches are marked by the insert that stored it.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    table = cast(Table, ThemeMention.__table__)
    statement: Executable
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=MENTION_KEY)
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=MENTION_KEY)
    else:
        raise NotImplementedError(f"theme mentions cannot be written idempotently on {dialect}")
    # Core's executemany: the ORM's bulk path costs several times more per row for no gain here.
    session.execute(statement, list(rows))


def one_discovery_at_a_time(*, session: Session) -> None:
    """PostgreSQL: wait until any other discovery has committed, so this one reads the pool (and the
    themes) it left. Held until this transaction ends; SQLite has one writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(DISCOVERY_LOCK)))
