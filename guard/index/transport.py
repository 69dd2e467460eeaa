"""The ``requests`` session behind guard.index.http's ``LazySession``: bounded
retries that honour ``Retry-After`` only within the current request's time
limit, and connections the request's watchdog (``watch.limited``) can shut down.
Imported only when a run makes its first request: ``requests`` and
``urllib3`` are slow to import.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from guard import __version__
from guard.index import watch

RETRY_AFTER_CAP = 10.0  # seconds: the longest Retry-After safepip waits for


def _enrol(connection: HTTPConnection) -> None:
    current = watch.current_watch()
    if current is not None:
        current.enrol(connection)


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
        return None if wait is None else min(wait, RETRY_AFTER_CAP, watch.time_left())

    def get_backoff_time(self) -> float:
        return min(super().get_backoff_time(), watch.time_left())


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


def new_session(pool_size: int, retries: int) -> requests.Session:
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
