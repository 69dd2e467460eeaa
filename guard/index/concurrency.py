"""The one place that runs index work concurrently: look-ups and downloads.

``map_concurrently`` runs a function over a list of items on a bounded number
of threads and returns the results in the items' order; ``Background`` runs
tasks until told to stop (the look-ups made while pip resolves); ``Pending``
runs one call beside the caller's own work (the OSV query beside the JSON API
look-ups). Every thread
pool of the index side is made here, so the bound on concurrent requests is
set in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 16  # concurrent requests at most; the HTTP session's pool is as large

Progress = Callable[[int, int], None]


def map_concurrently(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int = MAX_WORKERS,
    progress: Progress | None = None,
) -> list[R]:
    """``[fn(item) for item in items]``, on at most ``workers`` threads at once.

    Results come in the items' order; ``progress(done, total)`` is called as
    each one is taken, in that order. The first failure, in that order, is
    raised once the calls already started have ended; calls not started yet
    are dropped.
    """
    if not items:
        return []
    out: list[R] = []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        for done, result in enumerate(pool.map(fn, items), start=1):
            out.append(result)
            if progress is not None:
                progress(done, len(items))
    return out


class Background:
    """Tasks run on at most ``workers`` threads until ``stop``.

    ``stop`` does not wait: tasks not started yet are dropped, running ones end
    on their own (their threads are named ``{name}_N``).
    """

    def __init__(self, workers: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    def submit(self, fn: Callable[[T], object], item: T) -> None:
        self._pool.submit(fn, item)

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class Pending(Generic[R]):
    """``fn()`` started on its own thread; ``result()`` waits for it and returns
    its value (or raises what it raised)."""

    def __init__(self, fn: Callable[[], R], name: str) -> None:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._future = pool.submit(fn)
        pool.shutdown(wait=False)

    def result(self) -> R:
        return self._future.result()
