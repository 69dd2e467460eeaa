"""The one pool of worker processes: CPU-bound work (artifact scans) on several cores.

``map_in_processes(fn, items, workers)`` runs ``fn`` over ``items`` in fresh
worker processes (started with "spawn": nothing of this process's threads or
locks is inherited) and returns, in the items' order, each result or the
exception it ended with; a worker that died takes the items it had not
finished with it (``BrokenProcessPool``), and the caller decides what a failure
means. ``fn`` and the items must pickle. When no pool can be started at all
(no semaphores, no processes), it returns None: run the work some other way
(``fn`` must be safe to run again, as a pure function is).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_in_processes(
    fn: Callable[[T], R], items: Sequence[T], workers: int
) -> list[R | BaseException] | None:
    """``fn`` over ``items`` in up to ``workers`` processes (see the module docstring)."""
    # Imported here: a run whose scans are all remembered never starts a pool.
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    try:
        pool = ProcessPoolExecutor(
            max_workers=max(1, min(workers, len(items))),
            mp_context=multiprocessing.get_context("spawn"),
        )
    except (OSError, ImportError, NotImplementedError, ValueError):
        return None
    with pool:
        try:
            futures = [pool.submit(fn, item) for item in items]
        except (OSError, RuntimeError):  # the workers could not be started
            pool.shutdown(wait=True, cancel_futures=True)
            return None
        done: list[R | BaseException] = []
        for future in futures:
            try:
                done.append(future.result())
            except Exception as exc:  # noqa: BLE001 - the caller decides what a failure means
                done.append(exc)
        return done
