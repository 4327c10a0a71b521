"""Batches of work that arrives piece by piece are spaced by the time the previous one took."""

from __future__ import annotations

import threading

import pytest

from askwhy.queue.linger import Linger


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def linger(clock: Clock, cap: float = 0.02) -> Linger:
    return Linger(cap, monotonic=lambda: clock.now, sleep=clock.sleep)


def batch_taking(clock: Clock, seconds: float, taken: int = 3) -> int:
    clock.now += seconds
    return taken


def test_the_first_batch_and_one_after_a_quiet_spell_are_taken_at_once() -> None:
    clock = Clock()
    spacing = linger(clock)
    assert spacing.wait() == 0.0
    spacing.measure(lambda: batch_taking(clock, 0.005))
    clock.now += 1.0  # quiet
    assert spacing.wait() == 0.0
    assert clock.slept == []


def test_a_batch_right_after_another_waits_as_long_as_that_one_took() -> None:
    clock = Clock()
    spacing = linger(clock)
    spacing.measure(lambda: batch_taking(clock, 0.006))
    clock.now += 0.001  # noticed the next piece a millisecond later
    spacing.wait()
    assert clock.slept == [pytest.approx(0.005, abs=1e-9)]


def test_the_wait_is_capped_however_long_the_last_batch_took() -> None:
    clock = Clock()
    spacing = linger(clock, cap=0.02)
    spacing.measure(lambda: batch_taking(clock, 0.5))
    spacing.wait()
    assert clock.slept == [pytest.approx(0.02, abs=1e-9)]


def test_a_batch_that_found_nothing_does_not_shorten_the_next_wait() -> None:
    clock = Clock()
    spacing = linger(clock)
    spacing.measure(lambda: batch_taking(clock, 0.01))
    spacing.measure(lambda: batch_taking(clock, 0.0001, taken=0))
    spacing.wait()
    assert clock.slept == [pytest.approx(0.01 - 0.0001, abs=1e-9)]


def test_a_stop_ends_the_wait() -> None:
    clock = Clock()
    spacing = linger(clock, cap=60.0)
    spacing.measure(lambda: batch_taking(clock, 30.0))
    stopping = threading.Event()
    stopping.set()
    assert spacing.wait(stopping) > 0  # returned at once: the event was set
    assert clock.slept == []


def test_an_idle_storer_reads_the_inbox_counter_less_often_the_longer_nothing_is_kept() -> None:
    from askwhy.cli.inbox_storer import LINGER_CAP_SECONDS, WATCH_SECONDS, watch_interval

    assert watch_interval(0.0) == WATCH_SECONDS  # within a stream of webhooks
    assert watch_interval(0.1) == pytest.approx(0.01)
    assert watch_interval(60.0) == LINGER_CAP_SECONDS  # never later than a batch may linger
    quiet = [0.0, 0.01, 0.05, 0.1, 0.5, 1.0]
    intervals = [watch_interval(q) for q in quiet]
    assert intervals == sorted(intervals)


def test_a_run_that_comes_while_a_batch_is_under_way_waits_for_it_then_lingers() -> None:
    spacing = Linger(0.02, one_at_a_time=True)
    started, finish = threading.Event(), threading.Event()
    order: list[str] = []

    def first_batch() -> int:
        started.set()
        finish.wait(5)
        order.append("first batch ended")
        return 3

    first = threading.Thread(target=spacing.measure, args=(first_batch,))
    first.start()
    assert started.wait(5)

    def second_run() -> None:
        lingered = spacing.wait()
        order.append(f"second run started after lingering {lingered > 0}")

    second = threading.Thread(target=second_run)
    second.start()
    second.join(0.2)
    assert second.is_alive()  # it waits for the batch under way, not beside it
    finish.set()
    first.join(5)
    second.join(5)
    assert order == ["first batch ended", "second run started after lingering True"]


def test_a_failed_batch_lets_the_next_run_start() -> None:
    spacing = Linger(0.02, one_at_a_time=True)

    def failing() -> int:
        raise RuntimeError("database unavailable")

    with pytest.raises(RuntimeError):
        spacing.measure(failing)
    waiter = threading.Thread(target=spacing.wait)
    waiter.start()
    waiter.join(1)
    assert not waiter.is_alive()


def test_a_stop_ends_the_wait_for_a_batch_under_way() -> None:
    spacing = Linger(0.02, one_at_a_time=True)
    started, finish = threading.Event(), threading.Event()

    def slow() -> int:
        started.set()
        finish.wait(5)
        return 1

    batch = threading.Thread(target=spacing.measure, args=(slow,))
    batch.start()
    assert started.wait(5)
    stopping = threading.Event()
    stopping.set()
    waiter = threading.Thread(target=spacing.wait, args=(stopping,))
    waiter.start()
    waiter.join(1)
    assert not waiter.is_alive()
    finish.set()
    batch.join(5)


def test_a_run_within_a_batch_of_its_own_thread_does_not_wait_for_it() -> None:
    """A queue run inline calls a nudged task within the task that nudged it."""
    spacing = Linger(0.0, one_at_a_time=True)
    taken: list[int] = []

    def outer_batch() -> int:
        spacing.wait()  # on the thread running the batch: it must not wait for itself
        taken.append(spacing.measure(lambda: 2))
        return 3

    runner = threading.Thread(target=lambda: taken.append(spacing.measure(outer_batch)))
    runner.start()
    runner.join(2)
    assert not runner.is_alive()
    assert taken == [2, 3]


def test_without_one_at_a_time_a_run_starts_beside_a_batch_under_way() -> None:
    """PostgreSQL: runs answer different conversations side by side."""
    spacing = Linger(0.02)
    started, finish = threading.Event(), threading.Event()

    def first_batch() -> int:
        started.set()
        finish.wait(5)
        return 3

    first = threading.Thread(target=spacing.measure, args=(first_batch,))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=spacing.wait)
    second.start()
    second.join(1)
    assert not second.is_alive()
    finish.set()
    first.join(5)
