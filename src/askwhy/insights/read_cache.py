"""Figures computed once per state of the data: a page shown again, unchanged, is not recomputed.

The workspace's heaviest figures (the overview, the codebook, a theme's drivers, a comparison) read
every response of a program. Each server process keeps the latest of them in memory, keyed by what
was asked and by the store's data version (`store.data_versions.data_version`, a number the
database moves with every committed change to what the figures read, asked in the same read
transaction before the figure), so a figure is reused only while nothing it reads has changed, and
every process behind a proxy stays right on its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session

from askwhy.store.data_versions import data_version
from askwhy.store.database import READ_ONLY

T = TypeVar("T")
KEPT = 64
"""Figures kept per database, least recently used dropped first."""
_VERSION = "askwhy.data_version"
"""Where a session keeps the data version its transaction read (`_version`)."""


class PerDatabase(Generic[T]):
    """One ``T`` per database, made on first use, keyed by the session's bind: each database (and each
    test's) has its own, dropped with it."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._by_bind: WeakKeyDictionary[object, T] = WeakKeyDictionary()
        self._guard = threading.Lock()

    def of(self, session: Session) -> T:
        bind = session.get_bind()
        with self._guard:
            found = self._by_bind.get(bind)
            if found is None:
                found = self._by_bind[bind] = self._make()
            return found


class _Kept:
    """The latest figures of one database, by (question, data version)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.figures: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable) -> tuple[bool, object]:
        with self.lock:
            if key not in self.figures:
                return False, None
            self.figures.move_to_end(key)
            return True, self.figures[key]

    def put(self, key: Hashable, value: object) -> None:
        with self.lock:
            self.figures[key] = value
            self.figures.move_to_end(key)
            while len(self.figures) > KEPT:
                self.figures.popitem(last=False)


_by_database = PerDatabase(_Kept)


def reuse(*, session: Session, question: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s answer to ``question``, reused while the data version is unchanged.

    Only a read session's answers are kept: a writing session's figure may count its own changes
    before they commit (or roll back), under a version that does not count them yet."""
    key = (question, _version(session))
    kept = _by_database.of(session)
    found, value = kept.get(key)
    if found:
        return value  # type: ignore[return-value]  # stored by this function for the same question
    computed = compute()
    if session.get_bind().get_execution_options().get(READ_ONLY):
        kept.put(key, computed)
    return computed


def _version(session: Session) -> int:
    """The data version, read once per transaction: a figure read later in it is never older than
    the version (the version is read first), so one read serves every figure of a page."""
    transaction = session.get_transaction()
    known = session.info.get(_VERSION)
    if known is not None and transaction is not None and known[0] is transaction:
        return int(known[1])
    version = data_version(session=session)
    session.info[_VERSION] = (session.get_transaction(), version)
    return version
