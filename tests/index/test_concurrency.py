"""``guard.index.concurrency``: bounded, ordered concurrent maps and background tasks."""

from __future__ import annotations

import threading
import time

import pytest

from guard.index.concurrency import Background, map_concurrently


def test_results_come_in_the_items_order_with_progress() -> None:
    seen: list[tuple[int, int]] = []

    def slow_first(n: int) -> int:
        time.sleep(0.05 if n == 0 else 0)
        return n * 10

    out = map_concurrently(slow_first, [0, 1, 2, 3], workers=4, progress=lambda *a: seen.append(a))
    assert out == [0, 10, 20, 30]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_no_items_no_threads() -> None:
    def never(_: int) -> int:
        raise AssertionError("called")

    assert map_concurrently(never, []) == []


def test_at_most_workers_run_at_once() -> None:
    lock = threading.Lock()
    running = peak = 0

    def track(_: int) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    map_concurrently(track, list(range(12)), workers=3)
    assert 1 <= peak <= 3


def test_the_first_failure_in_order_is_raised_once_started_calls_end() -> None:
    finished: list[int] = []

    def fail_one(n: int) -> int:
        if n == 1:
            raise ValueError(f"failed {n}")
        time.sleep(0.1)
        finished.append(n)
        return n

    with pytest.raises(ValueError, match="failed 1"):
        map_concurrently(fail_one, [1, 2, 3], workers=2)
    assert 2 in finished  # it was running when 1 failed, and was waited for


def test_background_tasks_run_until_stopped() -> None:
    done = threading.Event()
    gate = threading.Event()
    ran: list[str] = []
    started = threading.Event()
    pool = Background(1, "test-bg")

    def first(_: None) -> None:
        started.set()
        gate.wait(5)
        ran.append("first")
        done.set()

    pool.submit(first, None)
    assert started.wait(5)
    pool.submit(ran.append, "dropped")  # queued behind the first: dropped by stop
    pool.stop()
    gate.set()
    assert done.wait(5)
    time.sleep(0.05)
    assert ran == ["first"]
