"""What an erased customer leaves in the files: after `erase_everywhere`, how many files still hold
a sentence they wrote, with askwhy's erasure (secure_delete, logs cut, tables vacuumed) and with
the rows merely deleted (no secure_delete, no checkpoint, no vacuum).

SQLite: every file of the data folder. PostgreSQL: the database's relation files and the server's
WAL segments after a CHECKPOINT; reading them needs the server's data folder (run as root or as
postgres, with ASKWHY_BENCH_POSTGRES_DATA, default /var/lib/postgresql/15/main).

Command: `python -m bench.erasure_files` (PostgreSQL too when ASKWHY_BENCH_POSTGRES_URL is set,
e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text

import askwhy.privacy.erasure as erasure
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.conversations import receive_message, start_conversation
from askwhy.domain.conversation import Channel, Inbound
from askwhy.settings import Settings
from askwhy.store import migrate
from askwhy.store.database import make_engine
from askwhy.store.tables import Contact

GUIDES = Path(__file__).resolve().parents[1] / "examples" / "guides"
CUSTOMERS = 20
"""Customers written before the erasure, so that erased rows share pages with rows that stay."""


def main() -> None:
    print("| database | erasure | files holding the sentence |")
    print("| --- | --- | --- |")
    for wiped in (False, True):
        print(f"| SQLite | {_name(wiped)} | {_sqlite(wiped=wiped)} |")
    url = os.environ.get("ASKWHY_BENCH_POSTGRES_URL")
    if url:
        data = Path(os.environ.get("ASKWHY_BENCH_POSTGRES_DATA", "/var/lib/postgresql/15/main"))
        for wiped in (False, True):
            print(f"| PostgreSQL | {_name(wiped)} | {_postgres(url, data, wiped=wiped)} |")


def _name(wiped: bool) -> str:
    return "askwhy's (secure_delete, logs cut, vacuum)" if wiped else "rows deleted only"


def _sqlite(*, wiped: bool) -> str:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        url = f"sqlite:///{data / 'askwhy.db'}"
        engine = make_engine(url)
        if not wiped:
            event.listen(engine, "connect", _no_secure_delete)
        migrate.upgrade(engine)
        found: list[str] = []

        def scan(words: bytes) -> None:  # while the server would still run: its logs are there
            found.extend(p.name for p in sorted(data.iterdir()) if p.is_file() and words in p.read_bytes())

        _erase(engine, url, data, wiped=wiped, scan=scan)
        return f"{len(found)} {found}"


def _postgres(admin_url: str, data: Path, *, wiped: bool) -> str:
    name = f"askwhy_erasure_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        with tempfile.TemporaryDirectory() as folder:
            words = _erase(engine, url, Path(folder), wiped=wiped, scan=lambda words: None)
        with engine.connect() as connection:
            files = dict(
                connection.execute(
                    text("SELECT pg_relation_filepath(oid), relname FROM pg_class WHERE relfilenode <> 0")
                ).all()
            )
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text("CHECKPOINT"))
        tables = sorted(name for path, name in files.items() if words in (data / path).read_bytes())
        wal = [p for p in (data / "pg_wal").iterdir() if p.is_file() and words in p.read_bytes()]
        return f"{len(tables)} relation files {tables}, {len(wal)} WAL segment(s)"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _erase(engine: Any, url: str, data: Path, *, wiped: bool, scan: Callable[[bytes], None]) -> bytes:
    """Customers who wrote in the web chat; the first is erased, then ``scan`` looks for the
    sentence they wrote, before the container closes. Returns that sentence."""
    settings = Settings(
        database_url=url, data_dir=data, guides_dir=GUIDES, seed_demo=False, queue_inline=True
    )
    container = bootstrap(settings, engine=engine, clock=FakeClock(), senders={})
    words = f"the Quillfeather parcel sat sodden at gate {uuid.uuid4().hex[:8]}"
    try:
        for n in range(CUSTOMERS):
            _conversation(container, f"bench-{n}", words if n == 0 else f"it was fine, order {n}")
        with _deleting_only(active=not wiped):
            erasure.erase_everywhere(
                sessions=container.sessions,
                engine=container.engine,
                inbox=container.inbox,
                data_dir=container.settings.data_dir,
                external_id="bench-0",
            )
        scan(words.encode())
    finally:
        container.close()
    return words.encode()


def _conversation(container: Container, customer: str, words: str) -> None:
    now = container.clock.now()
    with container.sessions.begin() as session:
        contact = Contact(external_id=customer, created_at=now)
        session.add(contact)
        session.flush()
        reply = start_conversation(
            session=session,
            guide=container.guides["post-checkout"],
            program="post-checkout",
            channel=Channel.WEB,
            contact_id=contact.id,
            now=now,
        )
    for said in ("7", words):
        with container.sessions.begin() as session:
            receive_message(
                session=session,
                guides=container.guides,
                conversation_id=reply.conversation_id,
                inbound=Inbound(text=said),
                channel=Channel.WEB,
                now=now,
            )


@contextmanager
def _deleting_only(*, active: bool) -> Iterator[None]:
    """Erase without wiping the freed space: how erasure was before."""
    original = erasure.wipe_freed_space
    if active:
        erasure.wipe_freed_space = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        erasure.wipe_freed_space = original  # type: ignore[assignment]


def _no_secure_delete(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=OFF")


if __name__ == "__main__":
    main()
