"""The PyPI JSON API client: ``{base}/pypi/{name}/json``, looked up concurrently
through one session, cached on disk with revalidation, and parsed once, here,
into typed ``Project`` objects. Raw JSON never leaves this module.

A 404 means "not on PyPI" (``None``); anything else that is not a good answer
(network error, 5xx after retries, a body that is not the expected JSON) raises
``IndexError_``. The per-version endpoint is optional: mirrors may 404 it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import quote, urljoin

import requests
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from guard.errors import IndexError_
from guard.index.cache import Cache, CachedResponse
from guard.models import FileInfo, Ownership, Project, Release, Vulnerability

DEFAULT_PYPI_URL = "https://pypi.org"
MAX_WORKERS = 16
MAX_BODY = 64 * 1024 * 1024  # a project's JSON larger than this is refused

Progress = Callable[[int, int], None]


# --- parsing: untrusted JSON into typed objects ------------------------------


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _file(raw: object, doc_url: str) -> FileInfo | None:
    if not isinstance(raw, dict):
        return None
    filename = _str(raw.get("filename"))
    if not filename:
        return None
    digests = raw.get("digests")
    sha = _str(digests.get("sha256")).lower() if isinstance(digests, dict) else ""
    size = raw.get("size")
    return FileInfo(
        filename=filename,
        url=urljoin(doc_url, _str(raw.get("url"))) if raw.get("url") else "",
        sha256=sha or None,
        packagetype=_str(raw.get("packagetype")),
        upload_time=_time(raw.get("upload_time_iso_8601")) or _time(raw.get("upload_time")),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        yanked=raw.get("yanked") is True,
        yanked_reason=_str(raw.get("yanked_reason")),
    )


def _vulnerabilities(raw: object) -> tuple[Vulnerability, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        if not isinstance(item, dict) or not _str(item.get("id")):
            continue
        if item.get("withdrawn"):
            continue
        aliases = item.get("aliases")
        fixed = item.get("fixed_in")
        out.append(
            Vulnerability(
                id=_str(item.get("id")),
                aliases=tuple(a for a in aliases if isinstance(a, str))
                if isinstance(aliases, list)
                else (),
                summary=_str(item.get("summary")) or _str(item.get("details"))[:200],
                fixed_in=tuple(f for f in fixed if isinstance(f, str))
                if isinstance(fixed, list)
                else (),
                link=_str(item.get("link")),
            )
        )
    return tuple(out)


def _ownership(raw: object) -> Ownership:
    if not isinstance(raw, dict):
        return Ownership()
    org = raw.get("organization")
    roles = raw.get("roles")
    users: set[str] = set()
    if isinstance(roles, list):
        for role in roles:
            if isinstance(role, dict) and _str(role.get("user")):
                users.add(_str(role.get("user")).lower())
    return Ownership(
        organization=org if isinstance(org, str) and org else None, users=tuple(sorted(users))
    )


def parse_project(data: object, doc_url: str) -> Project:
    """Parse one ``/pypi/NAME/json`` document; ``doc_url`` resolves relative file URLs."""
    if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
        raise IndexError_(f"{doc_url}: not a PyPI JSON API document (no 'info' object)")
    info: dict[str, object] = data["info"]
    display = _str(info.get("name"))
    if not display:
        raise IndexError_(f"{doc_url}: the JSON API document has no project name")
    releases: dict[Version, Release] = {}
    invalid: list[str] = []
    raw_releases = data.get("releases")
    if isinstance(raw_releases, dict):
        for raw_version, raw_files in raw_releases.items():
            try:
                version = Version(str(raw_version))
            except InvalidVersion:
                invalid.append(str(raw_version))
                continue
            files = [_file(f, doc_url) for f in raw_files] if isinstance(raw_files, list) else []
            releases[version] = Release(version, tuple(f for f in files if f is not None))
    try:
        latest: Version | None = Version(_str(info.get("version")))
    except InvalidVersion:
        latest = None
    if latest is not None and latest not in releases:
        # Some mirrors omit "releases"; the latest files are in "urls".
        urls = data.get("urls")
        files = [_file(f, doc_url) for f in urls] if isinstance(urls, list) else []
        releases[latest] = Release(latest, tuple(f for f in files if f is not None))
    project_urls: list[tuple[str, str]] = []
    raw_urls = info.get("project_urls")
    if isinstance(raw_urls, dict):
        project_urls = [(str(k), v) for k, v in raw_urls.items() if isinstance(v, str)]
    serial = data.get("last_serial")
    status = ""
    raw_status = data.get("project-status") or info.get("project_status")
    if isinstance(raw_status, dict):
        status = _str(raw_status.get("status"))
    elif isinstance(raw_status, str):
        status = raw_status
    return Project(
        name=canonicalize_name(display),
        display_name=display,
        summary=_str(info.get("summary")),
        description=_str(info.get("description")),
        author=_str(info.get("author")),
        author_email=_str(info.get("author_email")),
        maintainer_email=_str(info.get("maintainer_email")),
        home_page=_str(info.get("home_page")),
        project_urls=tuple(project_urls),
        latest_version=latest,
        releases=releases,
        invalid_versions=tuple(invalid),
        vulnerabilities=_vulnerabilities(data.get("vulnerabilities")),
        ownership=_ownership(data.get("ownership")),
        status=status,
        last_serial=serial if isinstance(serial, int) and not isinstance(serial, bool) else None,
        requires_dist=tuple(r for r in requires if isinstance(r, str))
        if isinstance(requires := info.get("requires_dist"), list)
        else (),
    )


# --- the client ---------------------------------------------------------------


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


class PyPIClient:
    """Looks projects up on a PyPI-compatible JSON API."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        cache: Cache | None,
        timeout: float,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.cache = cache
        self.timeout = timeout

    def project_url(self, name: str) -> str:
        return f"{self.base_url}/pypi/{quote(canonicalize_name(name))}/json"

    def _get(self, url: str, revalidate: bool) -> bytes | None:
        """The body at ``url`` (through the cache), or None on 404."""
        cached = self.cache.get(url) if self.cache else None
        if cached is not None and not revalidate and cached.fresh():
            return cached.body
        headers = {"Accept": "application/json"}
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        try:
            response = self.session.get(url, headers=headers, timeout=self.timeout, stream=True)
            body = b""
            if response.status_code == 200:
                chunks = []
                size = 0
                for chunk in response.iter_content(65536):
                    size += len(chunk)
                    if size > MAX_BODY:
                        raise IndexError_(f"{url}: answer larger than {MAX_BODY} bytes")
                    chunks.append(chunk)
                body = b"".join(chunks)
        except requests.RequestException as exc:
            raise IndexError_(f"{url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 304 and cached is not None:
            entry = CachedResponse(
                url,
                cached.body,
                cached.etag,
                cached.last_modified,
                time.time(),
                _max_age(response.headers),
            )
            if self.cache:
                self.cache.put(entry)
            return cached.body
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise IndexError_(f"{url}: HTTP {response.status_code}")
        if self.cache:
            self.cache.put(
                CachedResponse(
                    url,
                    body,
                    response.headers.get("ETag", ""),
                    response.headers.get("Last-Modified", ""),
                    time.time(),
                    _max_age(response.headers),
                )
            )
        return body

    def project(self, name: str, revalidate: bool = False) -> Project | None:
        url = self.project_url(name)
        body = self._get(url, revalidate)
        if body is None:
            return None
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise IndexError_(f"{url}: the answer is not JSON") from exc
        return parse_project(data, url)

    def projects(
        self, names: Iterable[str], progress: Progress | None = None
    ) -> dict[NormalizedName, Project | None]:
        """Look several projects up at once; the first failure is raised."""
        unique = sorted({canonicalize_name(n) for n in names})
        out: dict[NormalizedName, Project | None] = {}
        if not unique:
            return out
        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(unique))) as pool:
            futures = {name: pool.submit(self.project, name) for name in unique}
            for done, (name, future) in enumerate(futures.items(), start=1):
                out[name] = future.result()
                if progress:
                    progress(done, len(unique))
        return out

    def version_vulnerabilities(
        self, name: str, version: Version
    ) -> tuple[Vulnerability, ...] | None:
        """Vulnerabilities of one version, or None where the endpoint is not available."""
        url = f"{self.base_url}/pypi/{quote(canonicalize_name(name))}/{quote(str(version))}/json"
        try:
            body = self._get(url, revalidate=False)
            if body is None:
                return None
            data = json.loads(body)
        except (IndexError_, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        return _vulnerabilities(data.get("vulnerabilities"))
