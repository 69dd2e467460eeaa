"""The HTTP session every network call goes through: one per run, with explicit
timeouts, bounded retries on transient failures, and a pool sized for the
concurrent look-ups."""

from __future__ import annotations

import os

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from guard import __version__

DEFAULT_TIMEOUT = 15.0  # seconds, for connect and for each read
RETRIES = 2


def timeout_from_env(default: float = DEFAULT_TIMEOUT) -> float:
    """``SAFEPIP_TIMEOUT`` (seconds) overrides the default; bad values are ignored."""
    raw = os.environ.get("SAFEPIP_TIMEOUT", "")
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def make_session(pool_size: int = 16, retries: int = RETRIES) -> requests.Session:
    session = requests.Session()
    retry = Retry(
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
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"safepip/{__version__}"
    return session
