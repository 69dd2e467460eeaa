"""Fetching policy layers named by URL (``extends = "https://..."``): the one
network edge of layering.

Only ``https://`` URLs are fetched (plain ``http://`` for loopback hosts, for
tests). Redirects are followed by hand, each target checked like the URL itself.
A fetched policy is cached under ``<cache dir>/policies/<sha256 of the URL>``;
a pinned URL whose cached copy matches the pin is used without asking the
network again. When a fetch fails, an unpinned URL's cached copy stands in,
with a note; otherwise ``FetchFailed`` goes to the caller (guard.policy), whose
``on-network-error`` decides. A fetch (redirects included) is ``limited`` by
the run's deadline, whose passing (``DeadlineError``) no setting overrides.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from guard.deadline import Deadline
from guard.errors import PolicyError
from guard.files import atomic_write
from guard.index.http import WHOLE_ANSWER_FACTOR, read_capped, request_error
from guard.index.watch import limited

if TYPE_CHECKING:
    import requests

    from guard.index.http import Session

MAX_POLICY_BYTES = 1 << 20  # a fetched policy larger than this is refused
MAX_REDIRECTS = 5
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_ACCEPT = "application/toml, text/plain;q=0.9, */*;q=0.1"

SessionFactory = Callable[[], "Session"]


class FetchFailed(Exception):
    """A policy URL could not be fetched (network, HTTP status): maybe use the cache."""


def check_url(url: str, where: str) -> None:
    """Only https URLs, or plain http to a loopback host; else a PolicyError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return
    raise PolicyError(
        [f"{where}: {display_url(url)}: only https:// URLs (plain http:// only to 127.0.0.1)"]
    )


def display_url(url: str) -> str:
    """The URL without any password in it (it is shown, noted and printed)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_path(cache_dir: Path, url: str) -> Path:
    """Where a fetched policy is kept: ``<cache dir>/policies/<sha256 of the URL>``."""
    return cache_dir / "policies" / sha256_hex(url.encode())


def _body(response: requests.Response, url: str) -> bytes:
    """The 200 response's body, refused when larger than ``MAX_POLICY_BYTES``."""
    if response.status_code != 200:
        raise FetchFailed(f"HTTP {response.status_code}")
    body = read_capped(response, MAX_POLICY_BYTES)
    if body is None:
        raise PolicyError([f"{display_url(url)}: larger than {MAX_POLICY_BYTES} bytes"])
    return body


def fetch_policy(
    session: Session, url: str, timeout: float, deadline: Deadline | None = None
) -> bytes:
    """GET a policy file, within ``WHOLE_ANSWER_FACTOR`` timeouts in all and
    the run's ``deadline``.

    Redirects are followed by hand (at most ``MAX_REDIRECTS``), each target
    checked like the URL itself. Raises FetchFailed when the server cannot be
    reached or does not answer 200, PolicyError for a forbidden redirect or a
    body larger than ``MAX_POLICY_BYTES``, DeadlineError when the deadline passes.
    """
    whole = WHOLE_ANSWER_FACTOR * timeout
    try:
        with limited(deadline, display_url(url), timeout=timeout, cap=whole) as read_timeout:
            return _follow(session, url, read_timeout)
    except request_error() as exc:
        raise FetchFailed(f"{type(exc).__name__}: {exc}") from exc


def _follow(session: Session, url: str, timeout: float) -> bytes:
    """The body at ``url``, following at most ``MAX_REDIRECTS`` checked redirects."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        with session.get(
            current,
            timeout=timeout,
            stream=True,
            allow_redirects=False,
            headers={"Accept": _ACCEPT},
        ) as response:
            if not response.is_redirect:
                return _body(response, url)
            current = urllib.parse.urljoin(current, response.headers.get("Location", ""))
            check_url(current, f"{display_url(url)} redirects")
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")


class PolicyFetcher:
    """Fetches URL layers through one lazily made session, with the cache."""

    def __init__(
        self,
        session_factory: SessionFactory,
        cache_dir: Path,
        timeout: float,
        deadline: Deadline | None = None,
    ) -> None:
        self._factory = session_factory
        self._session: Session | None = None
        self._cache_dir = cache_dir
        self._timeout = timeout
        self._deadline = deadline

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _cached(self, url: str) -> bytes | None:
        try:
            return cache_path(self._cache_dir, url).read_bytes()
        except OSError:
            return None

    def get(self, url: str, sha256: str = "") -> tuple[bytes, str]:
        """The body and a note (empty unless a cached copy stands in).

        ``sha256`` pins the body; a mismatch is a PolicyError.
        """
        shown = display_url(url)
        cached = self._cached(url)
        if sha256 and cached is not None and sha256_hex(cached) == sha256:
            return cached, ""  # the pinned bytes themselves: no need to ask again
        try:
            if self._session is None:
                self._session = self._factory()
            body = fetch_policy(self._session, url, self._timeout, self._deadline)
        except FetchFailed as exc:
            if cached is not None and not sha256:
                return cached, (
                    f"{shown} could not be fetched ({exc}); using the copy cached earlier, "
                    "which may be out of date (pin it with sha256 to be sure of its contents)"
                )
            raise
        if sha256 and sha256_hex(body) != sha256:
            raise PolicyError(
                [
                    f"{shown}: sha256 mismatch: the extends pin expects {sha256}, "
                    f"the server sent {sha256_hex(body)}"
                ]
            )
        with suppress(OSError):  # a cache that cannot be written only costs offline use
            atomic_write(cache_path(self._cache_dir, url), body)
        return body, ""
