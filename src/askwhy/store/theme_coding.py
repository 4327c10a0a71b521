"""Writing theme mentions so that workers coding at the same time store what one would.

Several analysis workers can code the same pool sentences at once (on PostgreSQL, in transactions
that overlap): a mention is one sentence in one theme, so a mention another worker has written
already is the same fact and is kept as it is, never an error. Discovery proposes themes whose ids
come from their content and takes the whole pool, so two runs take turns instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ThemeMention

DISCOVERY_LOCK = 0x61736B77_79640002
"""PostgreSQL advisory lock key of theme discovery (``askwyd`` + 2): one run at a time across workers."""
MENTION_KEY = ("sentence_id", "theme_id")


def insert_mentions_once(*, session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Insert theme mentions, leaving any (sentence, theme) already stored as it is.

    On PostgreSQL a worker that meets another's uncommitted mention waits for it; once that commits
    the row is skipped, and if it rolls back this one is inserted: either way each mention is stored
    once, and the day cells it touches are marked by the insert that stored it. A sentence deleted
    meanwhile (its response analysed again after an edit) gets no mention: its new sentences are
    coded by the analysis that replaced it.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(_WHILE_THEIR_SENTENCES_STAND, {key: [row[key] for row in rows] for key in _COLUMNS})
    elif dialect == "sqlite":
        table = cast(Table, ThemeMention.__table__)
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=MENTION_KEY)
        # Core's executemany: the ORM's bulk path costs several times more per row for no gain here.
        session.execute(statement, list(rows))
    else:
        raise NotImplementedError(f"theme mentions cannot be written idempotently on {dialect}")


_COLUMNS = ("sentence_id", "theme_id", "response_id", "similarity", "polarity")
_WHILE_THEIR_SENTENCES_STAND = text(
    """
    INSERT INTO theme_mentions (sentence_id, theme_id, response_id, similarity, polarity)
    SELECT m.sentence_id, m.theme_id, m.response_id, m.similarity, m.polarity
    FROM unnest(
        CAST(:sentence_id AS integer[]), CAST(:theme_id AS varchar[]), CAST(:response_id AS varchar[]),
        CAST(:similarity AS double precision[]), CAST(:polarity AS integer[])
    ) AS m (sentence_id, theme_id, response_id, similarity, polarity)
    JOIN sentences ON sentences.id = m.sentence_id
    FOR KEY SHARE OF sentences
    ON CONFLICT (sentence_id, theme_id) DO NOTHING
    """
)
"""One statement for the batch; the key-share lock waits for a sentence being deleted, then skips it."""


def one_discovery_at_a_time(*, session: Session) -> None:
    """PostgreSQL: wait until any other discovery has committed, so this one reads the pool (and the
    themes) it left. Held until this transaction ends; SQLite has one writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(DISCOVERY_LOCK)))
