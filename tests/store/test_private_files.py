"""Files and folders askwhy creates for customers' data are the owner's alone: 0700 and 0600,
whatever the umask: the data folder, the database, the webhook inbox, the queue, their logs, and
the report files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from askwhy.bootstrap import bootstrap
from askwhy.clock import FakeClock
from askwhy.report.collect import Report
from askwhy.report.render import write_report
from askwhy.settings import Settings
from askwhy.store.inbox import Delivery
from tests.conftest import GUIDES


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default, under which files come out 0644
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_files_and_folders_are_private(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "new" / "data"
    settings = Settings(
        database_url=f"sqlite:///{data / 'askwhy.db'}",
        data_dir=data,
        guides_dir=GUIDES,
        seed_demo=False,
        queue_inline=False,
    )
    container = bootstrap(settings, clock=FakeClock())
    try:
        with container.engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (words TEXT)"))
            connection.execute(text("INSERT INTO scratch VALUES ('a customer wrote this')"))
        container.inbox.put([Delivery(channel="whatsapp", body=b"{}", received_at=container.clock.now())])
        container.jobs.nudge("deliver_due_now")
        files = sorted(p for p in data.iterdir() if p.is_file())
        names = {p.name for p in files}
        for name in ("askwhy.db", "askwhy.db-wal", "askwhy-inbox.db", "askwhy-inbox.db-wal", "queue.db"):
            assert name in names, f"{name} should have been written"
        assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o600) for p in files}
        assert oct(mode(data)) == oct(0o700)
        assert oct(mode(data.parent)) == oct(0o700), "a missing parent is created private too"
    finally:
        container.close()


def test_an_existing_data_folder_is_left_as_it_is(tmp_path: Path, open_umask: None) -> None:
    tmp_path.chmod(0o755)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'askwhy.db'}", data_dir=tmp_path, guides_dir=GUIDES
    )
    bootstrap(settings, clock=FakeClock()).close()
    assert oct(mode(tmp_path)) == oct(0o755)
    assert oct(mode(tmp_path / "askwhy.db")) == oct(0o600)


def test_report_files_are_private(tmp_path: Path, open_umask: None) -> None:
    out = tmp_path / "report"
    page = write_report(Report(title="t", generated_at=datetime.now(UTC)), out)
    written = sorted(out.iterdir())
    assert page in written
    assert {p.name: oct(mode(p)) for p in written} == {p.name: oct(0o600) for p in written}
    assert oct(mode(out)) == oct(0o700)
