"""PEP 740 provenance: who published a file, as the index reports it.

The simple API's PEP 691 JSON (api-version 1.3 and later) gives each file a
``provenance`` key: the URL of its provenance object (PyPI's Integrity API,
``/integrity/{project}/{version}/{filename}/provenance``), or null when the
file has no attestation. The provenance object is
``{"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub",
"repository": "owner/repo", "workflow": "release.yml", "environment": "pypi",
...}, "attestations": [...]}]}``.

safepip does not verify the attestations' signatures: it compares the publisher
identities as the index reports them. An index whose simple API is older than
1.3 (or gives no JSON) has no provenance data: the client says so once and asks
nothing more of it for the rest of the run. Nothing here raises for a failed or
malformed answer (``Provenance.unavailable`` says why), except the run's
deadline. ``parse_simple`` and ``parse_provenance`` are pure.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin

from packaging.utils import canonicalize_name

from guard.deadline import Deadline
from guard.errors import IndexError_
from guard.index.cache import Cache, CachedResponse
from guard.index.http import WHOLE_ANSWER_FACTOR, read_capped, request_error
from guard.index.watch import limited
from guard.models import Provenance, Publisher

if TYPE_CHECKING:
    import requests

    from guard.index.http import Session

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
PROVENANCE_API = (1, 3)  # the simple API version that added the provenance key
MAX_BODY = 16 * 1024 * 1024
PAGE_SECONDS = 600  # how long a simple page is reused
OBJECT_SECONDS = 7 * 24 * 3600  # a file's provenance does not change
CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class SimpleFiles:
    """A project's simple page: its API version and each file's provenance URL
    (None: the file has no attestation)."""

    api_version: tuple[int, int]
    provenance: Mapping[str, str | None]

    @property
    def has_provenance(self) -> bool:
        return self.api_version >= PROVENANCE_API


def _decode(body: bytes, what: str) -> dict[str, object]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise IndexError_(f"{what}: the answer is not JSON") from exc
    if not isinstance(document, dict):
        raise IndexError_(f"{what}: the answer is not a JSON object")
    return document


def _api_version(meta: object) -> tuple[int, int]:
    raw = meta.get("api-version") if isinstance(meta, dict) else None
    major, _, minor = str(raw or "1.0").partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return 1, 0


def parse_simple(body: bytes, url: str) -> SimpleFiles:
    """A PEP 691 JSON project page; provenance URLs resolved against ``url``."""
    document = _decode(body, url)
    files = document.get("files")
    if not isinstance(files, list):
        raise IndexError_(f"{url}: no files list")
    found: dict[str, str | None] = {}
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
            continue
        link = entry.get("provenance")
        found[entry["filename"]] = urljoin(url, link) if isinstance(link, str) and link else None
    return SimpleFiles(_api_version(document.get("meta")), found)


def _text(raw: Mapping[str, object], key: str) -> str:
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def _publisher(raw: object) -> Publisher | None:
    if not isinstance(raw, dict) or not _text(raw, "kind"):
        return None
    return Publisher(
        kind=_text(raw, "kind"),
        repository=_text(raw, "repository") or _text(raw, "project"),
        workflow=_text(raw, "workflow") or _text(raw, "workflow_filepath"),
        environment=_text(raw, "environment"),
    )


def parse_provenance(body: bytes, url: str) -> tuple[Publisher, ...]:
    """The publishers of a PEP 740 provenance object, each once, in order."""
    document = _decode(body, url)
    if document.get("version") != 1:
        raise IndexError_(f"{url}: unknown provenance version {document.get('version')!r}")
    bundles = document.get("attestation_bundles")
    if not isinstance(bundles, list) or not bundles:
        raise IndexError_(f"{url}: no attestation bundles")
    out: list[Publisher] = []
    for bundle in bundles:
        found = _publisher(bundle.get("publisher") if isinstance(bundle, dict) else None)
        if found is None:
            raise IndexError_(f"{url}: an attestation bundle names no publisher")
        if found not in out:
            out.append(found)
    return tuple(out)


def _read(response: requests.Response, url: str) -> bytes:
    body = read_capped(response, MAX_BODY)
    if body is None:
        raise IndexError_(f"{url}: answer larger than {MAX_BODY} bytes")
    return body


class ProvenanceClient:
    """Asks an index for the provenance of files, through the run's session."""

    def __init__(
        self,
        base_url: str,
        session: Session,
        cache: Cache | None,
        timeout: float,
        deadline: Deadline | None = None,
    ) -> None:
        self.simple_url = base_url.rstrip("/") + "/simple/"
        self.session = session
        self.cache = cache
        self.timeout = timeout
        self.deadline = deadline
        self._lock = threading.Lock()
        self._pages: dict[str, SimpleFiles | str] = {}
        self._off = ""  # why this index has no provenance data at all

    def provenance(self, name: str, filename: str) -> Provenance:
        """The provenance of one file of project ``name``."""
        if self._off:
            return Provenance(unavailable=self._off)
        key = canonicalize_name(name)
        page = self._page(key)
        if isinstance(page, SimpleFiles) and filename not in page.provenance:
            page = self._page(key, refresh=True)  # a reused page older than the file
        if isinstance(page, str):
            return Provenance(unavailable=page)
        if filename not in page.provenance:
            return Provenance(unavailable=f"the simple API does not list {filename}")
        url = page.provenance[filename]
        return Provenance() if url is None else self._object(url)

    def _page(self, name: str, refresh: bool = False) -> SimpleFiles | str:
        with self._lock:
            known = None if refresh else self._pages.get(name)
        if known is not None:
            return known
        page = self._fetch_page(name, refresh)
        with self._lock:
            self._pages[name] = page
        return page

    def _fetch_page(self, name: str, refresh: bool) -> SimpleFiles | str:
        """The project's page, or why there is none; an answer that shows the
        index has no provenance data at all switches the client off."""
        url = f"{self.simple_url}{quote(name)}/"
        try:
            status, kind, body = self._cached_get(url, SIMPLE_JSON, PAGE_SECONDS, refresh)
        except IndexError_ as exc:
            return str(exc)
        if status != 200:
            return f"{url}: HTTP {status}"
        if SIMPLE_JSON not in kind:
            self._off = "provenance data unavailable from this index (no PEP 691 JSON)"
            return self._off
        try:
            page = parse_simple(body, url)
        except IndexError_ as exc:
            return str(exc)
        if not page.has_provenance:
            major, minor = page.api_version
            self._off = (
                f"provenance data unavailable from this index (its simple API is "
                f"{major}.{minor}; provenance needs 1.3)"
            )
            return self._off
        return page

    def _object(self, url: str) -> Provenance:
        try:
            status, _, body = self._cached_get(url, "application/json", OBJECT_SECONDS)
            if status != 200:
                return Provenance(unavailable=f"{url}: HTTP {status}")
            return Provenance(parse_provenance(body, url))
        except IndexError_ as exc:
            return Provenance(unavailable=str(exc))

    def _cached_get(
        self, url: str, accept: str, keep: int, refresh: bool = False
    ) -> tuple[int, str, bytes]:
        """Status, content type and body of a GET (a cached 200 when fresh,
        unless ``refresh``)."""
        key = f"{url}#{accept}"
        cached = self.cache.get(key) if self.cache and not refresh else None
        if cached is not None and cached.fresh():
            return 200, cached.etag, cached.body
        whole = WHOLE_ANSWER_FACTOR * self.timeout
        try:
            with limited(self.deadline, url, timeout=self.timeout, cap=whole) as read_timeout:
                timeout = (min(read_timeout, CONNECT_TIMEOUT), read_timeout)
                response = self.session.get(
                    url, headers={"Accept": accept}, timeout=timeout, stream=True
                )
                with response:
                    ok = response.status_code == 200
                    body = _read(response, url) if ok else b""
        except request_error() as exc:
            raise IndexError_(f"{url}: {type(exc).__name__}: {exc}") from exc
        kind = response.headers.get("Content-Type", "")
        if ok and self.cache:
            # The content type rides in the etag slot: these answers are never revalidated.
            self.cache.put(CachedResponse(key, body, kind, "", time.time(), keep))
        return response.status_code, kind, body
