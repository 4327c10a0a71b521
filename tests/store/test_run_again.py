"""A transaction PostgreSQL aborted to break a deadlock is run again; other errors are not."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from askwhy.store.database import run_again_if_aborted


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def failing(sqlstate: str, times: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise DBAPIError("UPDATE messages …", {}, DriverError(sqlstate))
        return "stored"

    return calls, work


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_is_run_again(sqlstate: str) -> None:
    calls, work = failing(sqlstate, times=2)
    assert run_again_if_aborted(work) == "stored"  # type: ignore[arg-type]
    assert len(calls) == 3


def test_it_gives_up_after_its_attempts() -> None:
    calls, work = failing("40P01", times=5)
    with pytest.raises(DBAPIError):
        run_again_if_aborted(work, attempts=3)  # type: ignore[arg-type]
    assert len(calls) == 3


def test_other_database_errors_are_not_run_again() -> None:
    calls, work = failing("23505", times=1)  # unique_violation
    with pytest.raises(DBAPIError):
        run_again_if_aborted(work)  # type: ignore[arg-type]
    assert len(calls) == 1
