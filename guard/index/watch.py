"""The wall-clock limit of one request (``limited``): a watchdog per request
that shuts the request's connections down when its time is up, so a server
that sends a byte a second cannot hold a run. The clients run each request in
``limited``; guard.index.transport enrols the connections and asks what is
left for its retries.
"""

from __future__ import annotations

import math
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from guard.deadline import Deadline, shown
from guard.errors import DeadlineError

if TYPE_CHECKING:
    import requests
    from urllib3.connection import HTTPConnection


class _Watch:
    """The time limit of one request (in one thread), and the connections it used."""

    def __init__(self, deadline: Deadline, url: str, cap: float) -> None:
        self.deadline = deadline
        self.url = shown(url)
        self.seconds = deadline.budget(cap)
        self.ends = deadline.clock() + self.seconds
        self.fired = False
        self._lock = threading.Lock()
        self._connections: list[HTTPConnection] = []
        self._timer: threading.Timer | None = None
        if math.isfinite(self.seconds):
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def left(self) -> float:
        return max(0.0, self.ends - self.deadline.clock())

    @property
    def over(self) -> bool:
        return self.fired or self.left() <= 0

    def error(self) -> Exception:
        """DeadlineError when the run's deadline passed, else a timeout of this request."""
        if self.deadline.passed:
            return self.deadline.error(f"while fetching {self.url}")
        return timeout_error()(f"no complete answer within {self.seconds:g} s")

    def enrol(self, connection: HTTPConnection) -> None:
        """A connection this request uses: shut down if time runs out."""
        with self._lock:
            if self.over:
                raise self.error()
            if connection not in self._connections:
                self._connections.append(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            sock = connection.sock
            if sock is not None:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


_local = threading.local()


def current_watch() -> _Watch | None:
    watch: _Watch | None = getattr(_local, "watch", None)
    return watch


def time_left() -> float:
    """What is left of the current request's time limit (in this thread)."""
    watch = current_watch()
    return math.inf if watch is None else watch.left()


@contextmanager
def limited(
    deadline: Deadline | None, url: str, *, timeout: float, cap: float = math.inf
) -> Iterator[float]:
    """Run one request (and the reading of its body) in the ``with`` block, for at
    most ``cap`` seconds and never past ``deadline``; gives the per-read timeout
    to use.

    Raises ``DeadlineError`` ("... while fetching URL") when the deadline passes
    first, ``requests.Timeout`` when ``cap`` does.
    """
    deadline = deadline if deadline is not None else Deadline.never()
    if deadline.passed:
        raise deadline.error(f"before fetching {shown(url)}")
    watch = _Watch(deadline, url, cap)
    previous, _local.watch = current_watch(), watch
    try:
        yield min(timeout, watch.seconds)
    except DeadlineError:
        raise
    except Exception as exc:
        if watch.over:
            raise watch.error() from exc
        raise
    finally:
        watch.stop()
        _local.watch = previous
    if watch.fired:  # a body cut short without an error
        raise watch.error()


def timeout_error() -> type[requests.Timeout]:
    """``requests.Timeout``, imported when first needed."""
    import requests  # noqa: PLC0415 - slow to import; a run that asks nothing needs none

    return requests.Timeout
