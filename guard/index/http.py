"""The HTTP session every network call goes through: one per run, with explicit
timeouts, bounded retries on transient failures (guard.index.transport), and a
pool sized for the concurrent look-ups. guard.index.watch bounds each request's
whole time (``limited``): retries, ``Retry-After`` waits (at most
``transport.RETRY_AFTER_CAP`` seconds) and reading the body, by what is left of
the run's deadline and, optionally, a cap of its own.

``make_session`` gives a ``LazySession``: the ``requests`` session behind it is
made at the first request, so a run whose every answer is cached and fresh
never imports ``requests`` and ``urllib3`` (a good part of a warm run's
start-up). The ``requests`` exception types are reached through
``request_error`` for the same reason.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import requests

DEFAULT_TIMEOUT = 15.0  # seconds, for connect and for each read
RETRIES = 2
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


def request_error() -> type[requests.RequestException]:
    """``requests.RequestException``, imported when first needed."""
    import requests  # noqa: PLC0415 - slow to import; a run that asks nothing needs none

    return requests.RequestException


class LazySession:
    """The run's ``requests`` session, made at its first request (see the module
    docstring); closing it closes that session, if one was made."""

    def __init__(self, pool_size: int, retries: int) -> None:
        self._pool_size = pool_size
        self._retries = retries
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def _real(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                from guard.index.transport import new_session  # noqa: PLC0415 - see above

                self._session = new_session(self._pool_size, self._retries)
            return self._session

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._real().get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._real().post(url, **kwargs)

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def __enter__(self) -> LazySession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# What the clients take: the lazy session, or a plain ``requests`` one (tests).
Session: TypeAlias = "requests.Session | LazySession"


def make_session(pool_size: int = 16, retries: int = RETRIES) -> LazySession:
    """The run's session (made at its first request)."""
    return LazySession(pool_size, retries)
