"""The HTTP session every network call goes through: one per run, with explicit
timeouts, bounded retries on transient failures, and a pool sized for the
concurrent look-ups; and ``limited``, the wall-clock limit of one request.

Limits on time: ``timeout`` bounds each connect and each read; ``limited``
bounds the whole request (retries, waits a server asks for with
``Retry-After``, and reading the body) by what is left of the run's deadline
and, optionally, a cap of its own. When that time is up, a watchdog shuts the
request's socket down, so a server that sends a byte a second cannot hold a
run. A server's ``Retry-After`` is honoured up to ``RETRY_AFTER_CAP`` seconds.
"""

from __future__ import annotations

import math
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from guard import __version__
from guard.deadline import Deadline, shown
from guard.errors import DeadlineError

DEFAULT_TIMEOUT = 15.0  # seconds, for connect and for each read
RETRIES = 2
RETRY_AFTER_CAP = 10.0  # seconds: the longest Retry-After safepip waits for
READ_CHUNK = 65536
WHOLE_ANSWER_FACTOR = 4  # a JSON or policy answer may take this many timeouts in all


def timeout_from_env(default: float = DEFAULT_TIMEOUT) -> float:
    """``SAFEPIP_TIMEOUT`` (seconds) overrides the default; bad values are ignored."""
    raw = os.environ.get("SAFEPIP_TIMEOUT", "")
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


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
        return requests.Timeout(f"no complete answer within {self.seconds:g} s")

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


def _current() -> _Watch | None:
    watch: _Watch | None = getattr(_local, "watch", None)
    return watch


def _time_left() -> float:
    watch = _current()
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
    previous, _local.watch = _current(), watch
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


def _enrol(connection: HTTPConnection) -> None:
    watch = _current()
    if watch is not None:
        watch.enrol(connection)


class _Watched(HTTPConnection):
    """A connection the current request's watchdog can close (plain or TLS)."""

    def connect(self) -> None:
        super().connect()
        _enrol(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _enrol(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _Watched


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _Retry(Retry):
    """urllib3's retries, waiting at most ``RETRY_AFTER_CAP`` seconds for a
    ``Retry-After`` and never past the current request's time limit."""

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, RETRY_AFTER_CAP, _time_left())

    def get_backoff_time(self) -> float:
        return min(super().get_backoff_time(), _time_left())


class _Adapter(HTTPAdapter):
    """requests' adapter whose connections a ``limited`` request can shut down."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def read_capped(response: requests.Response, limit: int) -> bytes | None:
    """A streamed body, or None as soon as it grows past ``limit`` bytes (the
    caller says what that means). Counted as it inflates, so a compressed bomb
    is stopped at the limit."""
    chunks, size = [], 0
    for chunk in response.iter_content(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def make_session(pool_size: int = 16, retries: int = RETRIES) -> requests.Session:
    session = requests.Session()
    retry = _Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.2,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = _Adapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"safepip/{__version__}"
    return session
