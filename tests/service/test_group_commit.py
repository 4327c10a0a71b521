"""Group commit: items that arrive while a batch is written share the next write; each caller
gets its own outcome, on a thread or on the event loop itself."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from askwhy.service.group_commit import Busy, GroupCommit


@pytest.mark.parametrize("on_loop", [False, True])
def test_items_submitted_together_share_writes_and_get_their_own_outcomes(on_loop: bool) -> None:
    batches: list[list[int]] = []
    threads: set[int] = set()

    def write(items: list[int]) -> list[int | Exception]:
        batches.append(items)
        threads.add(threading.get_ident())
        return [ValueError(f"{item} is odd") if item % 2 else item * 10 for item in items]

    async def main() -> list[int | BaseException]:
        commit: GroupCommit[int, int] = GroupCommit(write, max_batch=3, on_loop=on_loop)
        return await asyncio.gather(*(commit.submit(item) for item in range(6)), return_exceptions=True)

    outcomes = asyncio.run(main())
    assert [o if isinstance(o, int) else str(o) for o in outcomes] == [
        0, "1 is odd", 20, "3 is odd", 40, "5 is odd"
    ]  # fmt: skip
    assert sorted(item for batch in batches for item in batch) == list(range(6))
    assert all(len(batch) <= 3 for batch in batches)
    assert len(batches) < 6, "items shared writes"
    assert (threads == {threading.get_ident()}) is on_loop


def test_a_failing_write_fails_every_caller_of_its_batch() -> None:
    def write(items: list[int]) -> list[int | Exception]:
        raise RuntimeError("the database is unavailable")

    async def main() -> list[int | BaseException]:
        commit: GroupCommit[int, int] = GroupCommit(write, max_batch=8, on_loop=True)
        return await asyncio.gather(*(commit.submit(item) for item in range(3)), return_exceptions=True)

    assert [str(outcome) for outcome in asyncio.run(main())] == ["the database is unavailable"] * 3


def test_items_arriving_during_a_write_share_the_next_one() -> None:
    batches: list[list[int]] = []

    def write(items: list[int]) -> list[int | Exception]:
        batches.append(items)
        time.sleep(0.05)  # on a thread: the event loop takes more items meanwhile
        return list(items)

    async def main() -> None:
        commit: GroupCommit[int, int] = GroupCommit(write, max_batch=8)
        first = asyncio.ensure_future(commit.submit(0))
        await asyncio.sleep(0.01)
        later = [asyncio.ensure_future(commit.submit(item)) for item in range(1, 5)]
        assert await asyncio.gather(first, *later) == [0, 1, 2, 3, 4]

    asyncio.run(main())
    assert batches == [[0], [1, 2, 3, 4]]


def test_a_busy_write_on_the_loop_is_tried_again_without_blocking_the_loop() -> None:
    tries: list[list[int]] = []
    ticks = 0

    def write(items: list[int]) -> list[int | Exception]:
        tries.append(items)
        if len(tries) < 4:
            raise Busy("locked")
        return list(items)

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def main() -> int:
        ticking = asyncio.ensure_future(tick())
        commit: GroupCommit[int, int] = GroupCommit(write, max_batch=8, on_loop=True)
        try:
            return await commit.submit(7)
        finally:
            ticking.cancel()

    assert asyncio.run(main()) == 7
    assert tries == [[7]] * 4
    assert ticks > 3, "the loop ran other work between the tries"


def test_a_caller_that_stops_waiting_is_dropped_and_a_busy_batch_with_no_caller_left_given_up() -> None:
    tries: list[list[int]] = []

    def write(items: list[int]) -> list[int | Exception]:
        tries.append(items)
        raise Busy("locked for good")

    async def main() -> int:
        commit: GroupCommit[int, int] = GroupCommit(write, max_batch=8, on_loop=True)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await commit.submit(1)
        given_up_at = len(tries)
        await asyncio.sleep(0.1)
        return given_up_at

    given_up_at = asyncio.run(main())
    assert 1 < given_up_at < 20, "tried again a moment later each time, not in a busy loop"
    assert len(tries) <= given_up_at + 1, "not tried again once nobody waits for it"
    assert all(batch == [1] for batch in tries)
