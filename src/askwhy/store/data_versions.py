"""The store's data version: a number that grows with every committed change to the rows the
workspace's figures read, so a figure kept in memory is known to hold by one small read.

Triggers (migration 0027) add one to a row of ``data_versions`` in the transaction of every insert,
update or delete of responses, analyses, sentences, theme mentions, themes, conversations and
audit entries: the change and the new number commit together, and a reader that reads the number
first never sees it ahead of the data. The version is the sum of the rows. On SQLite, whose
writers take turns anyway, every change adds to row 0. On PostgreSQL a transaction adds one, once,
when it commits (a deferred trigger), to one of `SHARDS` rows chosen by its transaction id, so
writers seldom wait on one another's row and never hold it while they wait for another lock.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from askwhy.store.base import Base

SHARDS = 16
"""Rows PostgreSQL's writers spread their additions over."""
WATCHED = (
    "responses",
    "response_analyses",
    "sentences",
    "theme_mentions",
    "themes",
    "conversations",
    "audit_log",
)
"""The tables whose every change moves the version: all that the workspace's figures read
(a codebook edit writes an audit entry)."""


class DataVersionShard(Base):
    """One addend of the data version (see the module)."""

    __tablename__ = "data_versions"

    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(BigInteger)


def data_version(*, session: Session) -> int:
    """The number of committed changes to the watched tables as ``session`` sees them: it differs
    whenever a figure of the workspace's pages could. Read it before the figure's rows."""
    return int(session.scalar(select(func.coalesce(func.sum(DataVersionShard.number), 0))) or 0)
