"""The PyPI JSON API client: ``{base}/pypi/{name}/json``, through one session,
cached on disk with revalidation; the answers are parsed by ``guard.index.parse``
into typed ``Project`` objects, so raw JSON never leaves the index package.

A 404 means "not on PyPI" (``None``); anything else that is not a good answer
(network error, 5xx after retries, a body that is not the expected JSON) raises
``IndexError_``. The per-version endpoint is optional: mirrors may 404 it.
Each request is ``limited`` by the run's deadline; its passing raises
``DeadlineError``, which ends the run whatever ``on-network-error`` says.

``PyPIClient.look_up`` is the look-up service: many projects at once (through
``guard.index.concurrency``), with a failed look-up either raised or recorded,
as the caller's ``on-network-error`` setting says.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.deadline import Deadline
from guard.errors import IndexError_
from guard.index.cache import Cache, CachedResponse
from guard.index.concurrency import MAX_WORKERS, Progress, map_concurrently
from guard.index.http import WHOLE_ANSWER_FACTOR, read_capped, request_error
from guard.index.parse import project_from_body, vulnerabilities_from_body
from guard.index.watch import limited
from guard.models import Project, Vulnerability

if TYPE_CHECKING:
    import requests

    from guard.index.http import Session

DEFAULT_PYPI_URL = "https://pypi.org"
MAX_BODY = 64 * 1024 * 1024  # a project's JSON larger than this is refused


def _max_age(headers: Mapping[str, str]) -> int:
    for part in headers.get("Cache-Control", "").split(","):
        key, _, value = part.strip().partition("=")
        if key.lower() == "max-age":
            try:
                return max(0, int(value))
            except ValueError:
                return 0
        if key.lower() in {"no-cache", "no-store"}:
            return 0
    return 0


def _conditional_headers(cached: CachedResponse | None) -> dict[str, str]:
    """Request headers that let the server answer 304 when ``cached`` is still good."""
    headers = {"Accept": "application/json"}
    if cached is not None and cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached is not None and cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


def _read_body(response: requests.Response, url: str) -> bytes:
    """The streamed body, refused when it grows past ``MAX_BODY``."""
    body = read_capped(response, MAX_BODY)
    if body is None:
        raise IndexError_(f"{url}: answer larger than {MAX_BODY} bytes")
    return body


@dataclass(frozen=True)
class Lookups:
    """What a look-up of several projects found.

    ``projects`` has every name asked for: its project, or None when it is not
    on the index or its look-up failed; ``failed`` says why for the latter.
    """

    projects: Mapping[NormalizedName, Project | None]
    failed: Mapping[NormalizedName, str]


class PyPIClient:
    """Looks projects up on a PyPI-compatible JSON API."""

    def __init__(
        self,
        base_url: str,
        session: Session,
        cache: Cache | None,
        timeout: float,
        deadline: Deadline | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.cache = cache
        self.timeout = timeout
        self.deadline = deadline

    def project_url(self, name: str) -> str:
        return f"{self.base_url}/pypi/{quote(canonicalize_name(name))}/json"

    def _request(
        self, url: str, cached: CachedResponse | None
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Status, headers and (for a 200) body of one conditional GET, within
        ``WHOLE_ANSWER_FACTOR`` timeouts and the run's deadline."""
        headers = _conditional_headers(cached)
        whole = WHOLE_ANSWER_FACTOR * self.timeout
        try:
            with limited(self.deadline, url, timeout=self.timeout, cap=whole) as timeout:
                response = self.session.get(url, headers=headers, timeout=timeout, stream=True)
                with response:
                    body = _read_body(response, url) if response.status_code == 200 else b""
        except request_error() as exc:
            raise IndexError_(f"{url}: {type(exc).__name__}: {exc}") from exc
        return response.status_code, response.headers, body

    def _store(
        self, url: str, body: bytes, etag: str, last_modified: str, headers: Mapping[str, str]
    ) -> None:
        """Keep an answer, with its validators and how long it may be reused."""
        if self.cache:
            entry = CachedResponse(url, body, etag, last_modified, time.time(), _max_age(headers))
            self.cache.put(entry)

    def _get(self, url: str, revalidate: bool) -> bytes | None:
        """The body at ``url`` (through the cache), or None on 404. A cached body
        that is not JSON (cut short, corrupt) is fetched again, never used."""
        cached = self.cache.get(url) if self.cache else None
        if cached is not None and not _is_json(cached.body):
            cached = None
        if cached is not None and not revalidate and cached.fresh():
            return cached.body
        status, headers, body = self._request(url, cached)
        if status == 304 and cached is not None:
            self._store(url, cached.body, cached.etag, cached.last_modified, headers)
            return cached.body
        if status == 404:
            return None
        if status != 200:
            raise IndexError_(f"{url}: HTTP {status}")
        etag, last_modified = headers.get("ETag", ""), headers.get("Last-Modified", "")
        self._store(url, body, etag, last_modified, headers)
        return body

    def project(self, name: str, revalidate: bool = False) -> Project | None:
        url = self.project_url(name)
        body = self._get(url, revalidate)
        return None if body is None else project_from_body(body, url)

    def look_up(
        self,
        names: Iterable[str],
        *,
        block_on_error: bool,
        revalidate: bool = False,
        progress: Progress | None = None,
    ) -> Lookups:
        """Look several projects up at once; see ``look_up_all``."""
        return look_up_all(
            self.project,
            names,
            block_on_error=block_on_error,
            revalidate=revalidate,
            progress=progress,
        )

    def version_vulnerabilities(
        self, name: str, version: Version
    ) -> tuple[Vulnerability, ...] | None:
        """Vulnerabilities of one version, or None where the endpoint is not available."""
        url = f"{self.base_url}/pypi/{quote(canonicalize_name(name))}/{quote(str(version))}/json"
        try:
            body = self._get(url, revalidate=False)
        except IndexError_:
            return None
        return None if body is None else vulnerabilities_from_body(body)


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def look_up_all(
    project: Callable[[str, bool], Project | None],
    names: Iterable[str],
    *,
    block_on_error: bool,
    revalidate: bool = False,
    progress: Progress | None = None,
) -> Lookups:
    """Look several projects up at once (each name once, in name order), with
    ``project(name, revalidate)`` on the bounded pool of ``guard.index.concurrency``.

    A look-up that fails raises ``IndexError_`` ("could not look up NAME:
    ...") when ``block_on_error`` (the policy's ``on-network-error = "block"``);
    otherwise it is recorded in ``failed``.
    """
    wanted = sorted({canonicalize_name(n) for n in names})

    def one(name: NormalizedName) -> tuple[Project | None, str]:
        try:
            return project(name, revalidate), ""
        except IndexError_ as exc:
            return None, str(exc)

    found = map_concurrently(one, wanted, MAX_WORKERS, progress)
    failed = {name: error for name, (_, error) in zip(wanted, found, strict=True) if error}
    if block_on_error and failed:
        name = next(iter(failed))
        raise IndexError_(f"could not look up {name}: {failed[name]}")
    projects = {name: p for name, (p, _) in zip(wanted, found, strict=True)}
    return Lookups(projects, failed)
