"""``FakePyPI``: a PyPI look-alike on 127.0.0.1 for the tests (no internet).

It serves, like pypi.org does:

* ``/simple/`` and ``/simple/{normalized}/``: PEP 503 HTML, or PEP 691 JSON
  (api-version 1.1) when the ``Accept`` header asks for
  ``application/vnd.pypi.simple.v1+json``; wheels carry PEP 658/714 metadata.
  Other spellings of a project name redirect (301) to the normalized one.
* ``/files/{filename}`` and ``/files/{filename}.metadata``.
* The JSON API, ``/pypi/{name}/json`` and ``/pypi/{name}/{version}/json``, with
  ``ETag`` / ``Last-Modified`` and ``304 Not Modified`` on revalidation. Like
  warehouse, a name other than the project's own spelling redirects (301) to it.
* Project pages and files carry an ``ETag`` too, and ``If-None-Match`` gets a
  ``304``. With ``cache_headers=True`` they also carry PyPI's ``Cache-Control``
  (pages: ``max-age=600``; files and ``.metadata``: immutable for a year; the
  JSON API: ``max-age=900``), so that pip's HTTP cache and safepip's behave as
  they do against pypi.org.

Release metadata (summary, requires, home page, vulnerabilities...) belongs to
the release it was given with; the JSON API's ``info`` shows the *latest*
release, that is the highest non-yanked final version (else the highest one),
as PyPI does. Ownership is project-level: the last one given wins.

Faults can be injected (``fail_json``, ``delay_json``, ``swap_file``) and every
request is recorded in ``requests_log``. The server never logs to stderr per
request.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from functools import cached_property
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tests.fakepypi import builders

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
SIMPLE_HTML = "text/html"
MAX_DELAY = 30.0  # seconds: delay_json never sleeps longer than this
PAGE_CACHE_CONTROL = "max-age=600, public"  # pypi.org's simple pages
FILE_CACHE_CONTROL = "max-age=365000000, immutable, public"  # files.pythonhosted.org
JSON_CACHE_CONTROL = "max-age=900, public"  # warehouse's JSON API: cache_control(15 * 60)

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class Artifact:
    """One file served by the fake index."""

    project: str  # the normalized project name
    version: str
    filename: str
    data: bytes
    packagetype: str  # "bdist_wheel" or "sdist" (or whatever add_file was told)
    upload_time: datetime  # timezone-aware
    requires_python: str = ""
    metadata: bytes | None = None  # PEP 658 core metadata, served for wheels
    yanked: bool = False
    yanked_reason: str = ""

    # Digests are computed once per artifact (the data never changes).
    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def md5(self) -> str:
        return hashlib.md5(self.data, usedforsecurity=False).hexdigest()

    @cached_property
    def blake2b_256(self) -> str:
        return hashlib.blake2b(self.data, digest_size=32).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)

    @cached_property
    def metadata_sha256(self) -> str | None:
        return None if self.metadata is None else hashlib.sha256(self.metadata).hexdigest()


@dataclass
class _Release:
    version: str
    summary: str = ""
    description: str = ""
    author: str = ""
    author_email: str = ""
    maintainer_email: str = ""
    home_page: str = ""
    project_urls: dict[str, str] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    requires_python: str = ""
    yanked: bool = False
    yanked_reason: str = ""
    vulnerabilities: list[JSONDict] = field(default_factory=list)
    files: list[Artifact] = field(default_factory=list)


@dataclass
class _Project:
    display_name: str
    releases: dict[str, _Release] = field(default_factory=dict)
    ownership: JSONDict = field(default_factory=dict)
    serial: int = 0
    modified: int = 0  # seconds since the epoch, strictly increasing per change


@dataclass(frozen=True)
class Fetched:
    """A response read by ``fetch`` (redirects are not followed)."""

    status: int
    headers: Mapping[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "GET",
    timeout: float = 10.0,
) -> Fetched:
    """A small leak-free HTTP client for the tests of the fake index."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path or "/", headers=dict(headers or {}))
        response = connection.getresponse()
        body = response.read()
        names = {key.lower(): value for key, value in response.getheaders()}
        return Fetched(response.status, names, body)
    finally:
        connection.close()


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def _parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _vulnerability(entry: Mapping[str, Any]) -> JSONDict:
    if not entry.get("id"):
        raise ValueError("a vulnerability needs an 'id'")
    out: JSONDict = {
        "aliases": [],
        "details": "",
        "fixed_in": [],
        "id": "",
        "link": "",
        "source": "osv",
        "summary": None,
        "withdrawn": None,
    }
    out.update(entry)
    if not out["link"]:
        out["link"] = f"https://osv.dev/vulnerability/{out['id']}"
    return out


def _default_ownership() -> JSONDict:
    return {"organization": None, "roles": [{"role": "Owner", "user": "fake-owner"}]}


def _accepts_json(accept: str) -> bool:
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media != SIMPLE_JSON:
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q" and float(value or "1") == 0:
                return False
        return True
    return False


def _etag_matches(header: str, etag: str) -> bool:
    bare = etag.strip('"')
    for item in header.split(","):
        candidate = item.strip()
        candidate = candidate.removeprefix("W/")
        if candidate == "*" or candidate.strip('"') == bare:
            return True
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when 16 look-ups
    # connect at once, and a dropped SYN is retried only after a second.
    request_queue_size = 128
    fake: FakePyPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a timeout test, say) is not a server bug.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        self.fake._record_error(repr(error))
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_version = "fakepypi/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: nothing per request on stderr."""

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _serve(self, *, body: bool) -> None:
        fake = cast(_Server, self.server).fake
        request_headers = {key.lower(): value for key, value in self.headers.items()}
        status, headers, payload = fake._respond(self.command, self.path, request_headers)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body and status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(payload)


Response = tuple[int, dict[str, str], bytes]


class FakePyPI:
    """A loopback PyPI: add releases, start it, point pip and safepip at it.

    ``with FakePyPI() as fake: ...`` or ``start()`` / ``stop()``. Options:
    ``relative_json_urls`` makes JSON API file URLs relative to the document
    (``../../files/...``) as some mirrors do; ``per_version_json=False`` turns
    ``/pypi/{name}/{version}/json`` into a 404; ``ownership_field=False`` drops
    the ``ownership`` key from JSON API answers (older warehouses and mirrors);
    ``simple_api_version`` is the PEP 691 api-version served (from "1.3" on,
    each file has the PEP 740 ``provenance`` key, and ``attest`` gives files an
    Integrity API provenance object); ``cache_headers`` adds pypi.org's
    ``Cache-Control`` to project pages, files and JSON API answers (off by
    default, so that a test's pip or safepip never keeps a page, a file or an
    answer from an earlier request). All may
    also be changed on a running server.
    """

    def __init__(
        self,
        *,
        relative_json_urls: bool = False,
        per_version_json: bool = True,
        ownership_field: bool = True,
        simple_api_version: str = "1.1",
        cache_headers: bool = False,
    ) -> None:
        self.relative_json_urls = relative_json_urls
        self.cache_headers = cache_headers
        self.per_version_json = per_version_json
        self.ownership_field = ownership_field
        self.simple_api_version = simple_api_version
        self._publishers: dict[str, JSONDict] = {}
        self._lock = threading.RLock()
        self._projects: dict[str, _Project] = {}
        self._serial = 0
        self._failures: dict[str | None, int] = {}
        self._delays: dict[str | None, float] = {}
        self._swaps: dict[str, bytes] = {}
        self._log: list[tuple[str, str]] = []
        self._by_filename: dict[str, Artifact] | None = None  # rebuilt after a change
        self._errors: list[str] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._url = ""  # kept after stop() for handlers still finishing
        self._thread: threading.Thread | None = None

    # --- life cycle ---

    def start(self) -> FakePyPI:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes delayed handlers
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakePyPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        if not self._url:
            raise RuntimeError("the fake index was never started")
        return self._url

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def file_url(self, filename: str) -> str:
        return f"{self.url}/files/{urllib.parse.quote(filename)}"

    def json_url(self, name: str, version: str | None = None) -> str:
        middle = f"{name}/{version}" if version is not None else name
        return f"{self.url}/pypi/{middle}/json"

    # --- content ---

    def add_release(
        self,
        name: str,
        version: str,
        *,
        wheel: bool = True,
        sdist: bool = False,
        upload_time: datetime | None = None,
        requires: Sequence[str] = (),
        requires_python: str = "",
        summary: str = "",
        build_code: str = "",
        sdist_metadata_version: str = "2.1",
        sdist_dynamic: Sequence[str] = (),
        yanked: bool = False,
        yanked_reason: str = "",
        author: str = "",
        author_email: str = "",
        maintainer_email: str = "",
        home_page: str = "",
        project_urls: Mapping[str, str] | None = None,
        description: str = "",
        files_override: Mapping[str, str | bytes] | None = None,
        pth: str | None = None,
        vulnerabilities: Sequence[Mapping[str, Any]] = (),
        ownership: Mapping[str, Any] | None = None,
    ) -> tuple[Artifact, ...]:
        """Build and register one release; returns its files (wheel first).

        ``upload_time`` must be timezone-aware (default: two years ago).
        ``vulnerabilities`` are OSV-ish dicts (``id`` required; ``aliases``,
        ``details``, ``summary``, ``fixed_in``, ``link``, ``source``,
        ``withdrawn`` get defaults). ``ownership`` is the JSON API's
        ``{"organization": ..., "roles": [{"role": "Owner", "user": ...}]}``
        (default: one owner, ``fake-owner``). ``files_override`` and ``pth``
        go to the wheel (see ``builders.build_wheel``); ``build_code``,
        ``sdist_metadata_version`` and ``sdist_dynamic`` to the sdist (see
        ``builders.build_sdist``).
        """
        if not wheel and not sdist:
            raise ValueError("a release needs a wheel or an sdist")
        when = self._check_time(upload_time)
        extra = [("Requires-Python", requires_python)] if requires_python else []
        key = canonicalize_name(name)
        with self._lock:
            project = self._projects.get(key)
            if project is not None and version in project.releases:
                raise ValueError(f"{name} {version} is already there")
        artifacts: list[Artifact] = []
        if wheel:
            data = builders.build_wheel(
                name,
                version,
                requires=requires,
                summary=summary,
                files=files_override,
                pth=pth,
                extra_metadata=extra,
            )
            artifacts.append(
                Artifact(
                    key,
                    version,
                    builders.wheel_filename(name, version),
                    data,
                    "bdist_wheel",
                    when,
                    requires_python,
                    builders.metadata_of(data),
                    yanked,
                    yanked_reason,
                )
            )
        if sdist:
            data = builders.build_sdist(
                name,
                version,
                requires=requires,
                summary=summary,
                build_code=build_code,
                extra_metadata=extra,
                metadata_version=sdist_metadata_version,
                dynamic=sdist_dynamic,
            )
            artifacts.append(
                Artifact(
                    key,
                    version,
                    builders.sdist_filename(name, version),
                    data,
                    "sdist",
                    when,
                    requires_python,
                    None,
                    yanked,
                    yanked_reason,
                )
            )
        release = _Release(
            version=version,
            summary=summary,
            description=description,
            author=author,
            author_email=author_email,
            maintainer_email=maintainer_email,
            home_page=home_page,
            project_urls=dict(project_urls or {}),
            requires=tuple(requires),
            requires_python=requires_python,
            yanked=yanked,
            yanked_reason=yanked_reason,
            vulnerabilities=[_vulnerability(v) for v in vulnerabilities],
            files=artifacts,
        )
        with self._lock:
            project = self._projects.setdefault(
                key, _Project(display_name=name, ownership=_default_ownership())
            )
            if version in project.releases:
                raise ValueError(f"{name} {version} is already there")
            project.releases[version] = release
            if ownership is not None:
                project.ownership = dict(ownership)
            self._touch(project)
        return tuple(artifacts)

    def add_file(
        self,
        name: str,
        version: str,
        filename: str,
        data: bytes,
        *,
        upload_time: datetime | None = None,
        packagetype: str | None = None,
        requires_python: str = "",
        metadata: bytes | None = None,
        yanked: bool = False,
        yanked_reason: str = "",
    ) -> Artifact:
        """Register an arbitrary file (creating a bare release if needed).

        ``packagetype`` defaults from the file name; for a ``.whl`` the PEP 658
        metadata is read from ``data`` unless given (or unreadable).
        """
        when = self._check_time(upload_time)
        if packagetype is None:
            packagetype = "bdist_wheel" if filename.endswith(".whl") else "sdist"
        if metadata is None and filename.endswith(".whl"):
            try:
                metadata = builders.metadata_of(data)
            except (ValueError, OSError):
                metadata = None
        key = canonicalize_name(name)
        artifact = Artifact(
            key,
            version,
            filename,
            data,
            packagetype,
            when,
            requires_python,
            metadata,
            yanked,
            yanked_reason,
        )
        with self._lock:
            if any(a.filename == filename for a in self._all_artifacts()):
                raise ValueError(f"{filename} is already there")
            project = self._projects.setdefault(
                key, _Project(display_name=name, ownership=_default_ownership())
            )
            release = project.releases.setdefault(
                version, _Release(version=version, requires_python=requires_python)
            )
            release.files.append(artifact)
            self._touch(project)
        return artifact

    def yank(self, name: str, version: str, reason: str = "") -> None:
        """Yank a whole release after the fact (changes the project's ETag)."""
        with self._lock:
            project = self._projects[canonicalize_name(name)]
            release = project.releases[version]
            release.yanked, release.yanked_reason = True, reason
            release.files = [replace(a, yanked=True, yanked_reason=reason) for a in release.files]
            self._touch(project)

    def remove(self, name: str, version: str | None = None) -> None:
        """Delete a release (or, without ``version``, the whole project), as PyPI
        does with malware: the JSON API no longer lists it (or answers 404)."""
        with self._lock:
            key = canonicalize_name(name)
            if version is None:
                del self._projects[key]
                self._by_filename = None
                return
            project = self._projects[key]
            del project.releases[version]
            self._touch(project)

    def set_ownership(self, name: str, ownership: Mapping[str, Any]) -> None:
        with self._lock:
            project = self._projects[canonicalize_name(name)]
            project.ownership = dict(ownership)
            self._touch(project)

    def files(self, name: str | None = None) -> list[Artifact]:
        """The files of one project (or all), in version order."""
        with self._lock:
            return [
                a
                for a in self._all_artifacts()
                if name is None or a.project == canonicalize_name(name)
            ]

    def artifact(self, filename: str) -> Artifact:
        with self._lock:
            return self._artifact_index()[filename]

    def _artifact_index(self) -> dict[str, Artifact]:
        """{file name: artifact}, the first one in ``_all_artifacts`` order (lock held)."""
        if self._by_filename is None:
            index: dict[str, Artifact] = {}
            for candidate in self._all_artifacts():
                index.setdefault(candidate.filename, candidate)
            self._by_filename = index
        return self._by_filename

    # --- faults ---

    def fail_json(self, status: int = 500, name: str | None = None) -> None:
        """JSON API answers ``status`` (for one project, or all when name is None)."""
        with self._lock:
            self._failures[None if name is None else canonicalize_name(name)] = status

    def delay_json(self, seconds: float, name: str | None = None) -> None:
        """JSON API sleeps ``seconds`` (at most MAX_DELAY) before answering."""
        with self._lock:
            self._delays[None if name is None else canonicalize_name(name)] = min(
                seconds, MAX_DELAY
            )

    def swap_file(self, filename: str, new_bytes: bytes) -> None:
        """Serve ``new_bytes`` for ``filename`` while the index keeps the old hash."""
        with self._lock:
            self._swaps[filename] = new_bytes

    def clear_faults(self) -> None:
        with self._lock:
            self._failures.clear()
            self._delays.clear()
            self._swaps.clear()

    # --- observation ---

    @property
    def requests_log(self) -> list[tuple[str, str]]:
        """A copy of every (method, path) served so far, in order (no query)."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def downloads(self) -> list[str]:
        """File names downloaded so far (``.metadata`` fetches not included)."""
        return [
            urllib.parse.unquote(path.removeprefix("/files/"))
            for _, path in self.requests_log
            if path.startswith("/files/") and not path.endswith(".metadata")
        ]

    def json_requests(self, name: str | None = None) -> list[str]:
        """Paths of JSON API requests so far (redirects included), for one project or all."""
        paths = [path for _, path in self.requests_log if path.startswith("/pypi/")]
        if name is None:
            return paths
        key = canonicalize_name(name)
        return [p for p in paths if canonicalize_name(urllib.parse.unquote(p.split("/")[2])) == key]

    @property
    def errors(self) -> list[str]:
        """Exceptions raised while serving (a bug in the fake, or a test)."""
        with self._lock:
            return list(self._errors)

    # --- internals ---

    def _record_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)

    @staticmethod
    def _check_time(upload_time: datetime | None) -> datetime:
        if upload_time is None:
            return datetime.now(UTC) - timedelta(days=730)
        if upload_time.tzinfo is None:
            raise ValueError("upload_time must be timezone-aware")
        return upload_time

    def _touch(self, project: _Project) -> None:
        self._by_filename = None
        self._serial += 1
        project.serial = self._serial
        project.modified = max(int(time.time()), project.modified + 1)

    def _all_artifacts(self) -> Iterator[Artifact]:
        for project in self._projects.values():
            for version in sorted(project.releases, key=_version_key):
                yield from project.releases[version].files

    def _respond(self, method: str, raw_path: str, headers: Mapping[str, str]) -> Response:
        """Answer one request; ``headers`` has lower-cased names."""
        status, out_headers, body = self._route(method, raw_path, headers)
        path = urllib.parse.urlsplit(raw_path).path
        cacheable = path.startswith(("/simple/", "/files/")) and path != "/simple/"
        if status != HTTPStatus.OK or not cacheable or "ETag" in out_headers:
            return status, out_headers, body
        # Project pages and files: an ETag (and PyPI's Cache-Control, when asked).
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        out_headers["ETag"] = etag
        if self.cache_headers:
            page = path.startswith("/simple/")
            out_headers["Cache-Control"] = PAGE_CACHE_CONTROL if page else FILE_CACHE_CONTROL
        if _etag_matches(headers.get("if-none-match", ""), etag):
            kept = {k: v for k, v in out_headers.items() if k in {"ETag", "Cache-Control", "Vary"}}
            return HTTPStatus.NOT_MODIFIED, kept, b""
        return status, out_headers, body

    def _route(self, method: str, raw_path: str, headers: Mapping[str, str]) -> Response:
        path = urllib.parse.urlsplit(raw_path).path
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(raw_path).query)
        with self._lock:
            self._log.append((method, path))
        parts = [urllib.parse.unquote(p) for p in path.split("/")]
        if path in {"/simple", "/simple/"}:
            if path == "/simple":
                return self._redirect("/simple/")
            return self._simple_root(self._wants_json(headers, query))
        if len(parts) >= 3 and parts[1] == "simple":
            return self._simple_project(path, parts[2], self._wants_json(headers, query))
        if len(parts) == 3 and parts[1] == "files":
            return self._file(parts[2])
        if len(parts) == 6 and parts[1] == "integrity" and parts[5] == "provenance":
            return self._provenance(parts[4])
        if len(parts) in {4, 5} and parts[1] == "pypi" and parts[-1] == "json":
            version = parts[3] if len(parts) == 5 else None
            return self._json_api(parts[2], version, headers)
        return self._text(HTTPStatus.NOT_FOUND, "Not Found")

    @staticmethod
    def _wants_json(headers: Mapping[str, str], query: Mapping[str, list[str]]) -> bool:
        if SIMPLE_JSON in query.get("format", []):
            return True
        return _accepts_json(headers.get("accept", ""))

    @staticmethod
    def _text(status: int, text: str) -> Response:
        return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode("utf-8")

    @staticmethod
    def _redirect(location: str) -> Response:
        return HTTPStatus.MOVED_PERMANENTLY, {"Location": location}, b""

    @staticmethod
    def _json(status: int, document: Any, content_type: str = "application/json") -> Response:
        body = json.dumps(document, sort_keys=True).encode("utf-8")
        return status, {"Content-Type": content_type}, body

    def _simple_root(self, as_json: bool) -> Response:
        with self._lock:
            names = sorted(p.display_name for p in self._projects.values())
        if as_json:
            document = {"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in names]}
            return self._json(HTTPStatus.OK, document, SIMPLE_JSON)
        links = "".join(
            f'<a href="/simple/{canonicalize_name(n)}/">{escape(n)}</a>\n' for n in names
        )
        return HTTPStatus.OK, {"Content-Type": SIMPLE_HTML}, self._html("Simple index", links)

    @staticmethod
    def _html(title: str, links: str) -> bytes:
        return (
            '<!DOCTYPE html>\n<html>\n<head>\n<meta name="pypi:repository-version" '
            f'content="1.1">\n<title>{escape(title)}</title>\n</head>\n<body>\n'
            f"<h1>{escape(title)}</h1>\n{links}</body>\n</html>\n"
        ).encode()

    def _simple_project(self, path: str, name: str, as_json: bool) -> Response:
        key = canonicalize_name(name)
        with self._lock:
            project = self._projects.get(key)
            if project is None:
                return self._text(HTTPStatus.NOT_FOUND, "Not Found")
            if path != f"/simple/{key}/":
                return self._redirect(f"/simple/{key}/")
            versions = sorted(project.releases, key=_version_key)
            artifacts = [a for v in versions for a in project.releases[v].files]
            display = project.display_name
        if as_json:
            document = {
                "meta": {"api-version": self.simple_api_version},
                "name": key,
                "versions": versions,
                "files": [self._pep691_file(a) for a in artifacts],
            }
            return self._json(HTTPStatus.OK, document, SIMPLE_JSON)
        links = "".join(self._pep503_link(a) for a in artifacts)
        body = self._html(f"Links for {display}", links)
        return HTTPStatus.OK, {"Content-Type": SIMPLE_HTML, "Vary": "Accept"}, body

    def _pep503_link(self, artifact: Artifact) -> str:
        attrs = [f'href="{escape(self.file_url(artifact.filename))}#sha256={artifact.sha256}"']
        if artifact.requires_python:
            attrs.append(f'data-requires-python="{escape(artifact.requires_python)}"')
        if artifact.yanked:
            attrs.append(f'data-yanked="{escape(artifact.yanked_reason)}"')
        if artifact.metadata_sha256 is not None:
            value = f"sha256={artifact.metadata_sha256}"
            attrs.append(f'data-dist-info-metadata="{value}" data-core-metadata="{value}"')
        return f"<a {' '.join(attrs)}>{escape(artifact.filename)}</a><br />\n"

    def _pep691_file(self, artifact: Artifact) -> JSONDict:
        metadata: JSONDict | bool = (
            {"sha256": artifact.metadata_sha256} if artifact.metadata_sha256 else False
        )
        yanked: str | bool = (artifact.yanked_reason or True) if artifact.yanked else False
        entry: JSONDict = {
            "filename": artifact.filename,
            "url": self.file_url(artifact.filename),
            "hashes": {"sha256": artifact.sha256},
            "requires-python": artifact.requires_python or None,
            "yanked": yanked,
            "upload-time": _iso_z(artifact.upload_time),
            "size": artifact.size,
            "core-metadata": metadata,
            "data-dist-info-metadata": metadata,
        }
        major, _, minor = self.simple_api_version.partition(".")
        if (int(major), int(minor or 0)) >= (1, 3):
            attested = artifact.filename in self._publishers
            entry["provenance"] = self.provenance_url(artifact) if attested else None
        return entry

    # --- PEP 740 provenance ---

    def attest(self, filename: str, publisher: Mapping[str, Any], broken: bool = False) -> None:
        """Give a file a provenance object naming ``publisher`` (the publisher
        object of PyPI's Integrity API, e.g. ``{"kind": "GitHub", "repository":
        "owner/repo", "workflow": "release.yml", "environment": "pypi"}``);
        ``broken``: the simple API links it, but the link answers 500."""
        with self._lock:
            self._publishers[filename] = {**publisher, "_broken": broken}

    def provenance_url(self, artifact: Artifact) -> str:
        return (
            f"{self.url}/integrity/{artifact.project}/{artifact.version}/"
            f"{artifact.filename}/provenance"
        )

    def _provenance(self, filename: str) -> Response:
        with self._lock:
            publisher = self._publishers.get(filename)
        if publisher is None:
            message = {"message": f"No provenance available for {filename}"}
            return self._json(HTTPStatus.NOT_FOUND, message)
        publisher = dict(publisher)
        if publisher.pop("_broken"):
            return self._text(HTTPStatus.INTERNAL_SERVER_ERROR, "boom")
        attestation = {
            "version": 1,
            "verification_material": {"certificate": "MIIC...", "transparency_entries": []},
            "envelope": {"statement": "eyJfdHlwZSI6...", "signature": "MEUC..."},
        }
        bundle = {"publisher": {"claims": None, **publisher}, "attestations": [attestation]}
        return self._json(HTTPStatus.OK, {"version": 1, "attestation_bundles": [bundle]})

    def _file(self, filename: str) -> Response:
        want_metadata = filename.endswith(".metadata")
        base = filename.removesuffix(".metadata") if want_metadata else filename
        with self._lock:
            found = self._artifact_index().get(base)
            swapped = self._swaps.get(base)
        if found is None:
            return self._text(HTTPStatus.NOT_FOUND, "Not Found")
        if want_metadata:
            if found.metadata is None:
                return self._text(HTTPStatus.NOT_FOUND, "Not Found")
            return HTTPStatus.OK, {"Content-Type": "application/octet-stream"}, found.metadata
        data = swapped if swapped is not None else found.data
        return HTTPStatus.OK, {"Content-Type": "application/octet-stream"}, data

    def _json_api(self, name: str, version: str | None, headers: Mapping[str, str]) -> Response:
        key = canonicalize_name(name)
        with self._lock:
            delay = self._delays.get(key, self._delays.get(None))
            failure = self._failures.get(key, self._failures.get(None))
        if delay:
            self._stopping.wait(min(delay, MAX_DELAY))
        if failure is not None:
            return self._json(failure, {"message": HTTPStatus(failure).phrase})
        not_found = self._json(HTTPStatus.NOT_FOUND, {"message": "Not Found"})
        with self._lock:
            project = self._projects.get(key)
            if project is None:
                return not_found
            if name != project.display_name:
                tail = f"{version}/json" if version is not None else "json"
                return self._redirect(f"/pypi/{urllib.parse.quote(project.display_name)}/{tail}")
            if version is not None:
                if not self.per_version_json:
                    return not_found
                release = self._find_release(project, version)
                if release is None:
                    return not_found
                document = self._json_document(project, release, with_releases=False)
            else:
                latest = self._latest(project)
                document = self._json_document(project, latest, with_releases=True)
            modified = project.modified
        status, out_headers, body = self._json(HTTPStatus.OK, document)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        validators = {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)}
        if self.cache_headers:
            validators["Cache-Control"] = JSON_CACHE_CONTROL
        out_headers.update(validators)
        if self._not_modified(headers, etag, modified):
            return HTTPStatus.NOT_MODIFIED, validators, b""
        return status, out_headers, body

    @staticmethod
    def _not_modified(headers: Mapping[str, str], etag: str, modified: int) -> bool:
        if_none_match = headers.get("if-none-match")
        if if_none_match is not None:
            return _etag_matches(if_none_match, etag)
        if_modified_since = headers.get("if-modified-since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return modified <= since.timestamp()
        return False

    @staticmethod
    def _find_release(project: _Project, version: str) -> _Release | None:
        if version in project.releases:
            return project.releases[version]
        wanted = _parse_version(version)
        if wanted is None:
            return None
        for text, release in project.releases.items():
            if _parse_version(text) == wanted:
                return release
        return None

    @staticmethod
    def _latest(project: _Project) -> _Release:
        def rank(release: _Release) -> tuple[bool, tuple[int, Version | str]]:
            parsed = _parse_version(release.version)
            stable = parsed is not None and not parsed.is_prerelease and not release.yanked
            return (stable, _version_key(release.version))

        return max(project.releases.values(), key=rank)

    def _file_url_for_json(self, filename: str, depth: int) -> str:
        if self.relative_json_urls:
            return "../" * depth + "files/" + urllib.parse.quote(filename)
        return self.file_url(filename)

    def _json_file(self, artifact: Artifact, depth: int) -> JSONDict:
        return {
            "comment_text": "",
            "digests": {
                "blake2b_256": artifact.blake2b_256,
                "md5": artifact.md5,
                "sha256": artifact.sha256,
            },
            "downloads": -1,
            "filename": artifact.filename,
            "has_sig": False,
            "md5_digest": artifact.md5,
            "packagetype": artifact.packagetype,
            "python_version": "py3" if artifact.packagetype == "bdist_wheel" else "source",
            "requires_python": artifact.requires_python or None,
            "size": artifact.size,
            "upload_time": artifact.upload_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "upload_time_iso_8601": _iso_z(artifact.upload_time),
            "url": self._file_url_for_json(artifact.filename, depth),
            "yanked": artifact.yanked,
            "yanked_reason": artifact.yanked_reason or None,
        }

    def _json_document(
        self, project: _Project, release: _Release, *, with_releases: bool
    ) -> JSONDict:
        depth = 2 if with_releases else 3  # /pypi/NAME/json or /pypi/NAME/VERSION/json
        display = project.display_name
        info: JSONDict = {
            "author": release.author,
            "author_email": release.author_email,
            "bugtrack_url": None,
            "classifiers": [],
            "description": release.description,
            "description_content_type": "text/markdown" if release.description else None,
            "docs_url": None,
            "download_url": "",
            "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
            "dynamic": None,
            "home_page": release.home_page or None,
            "keywords": "",
            "license": None,
            "license_expression": None,
            "license_files": None,
            "maintainer": "",
            "maintainer_email": release.maintainer_email,
            "name": display,
            "package_url": f"{self.url}/project/{display}/",
            "platform": None,
            "project_url": f"{self.url}/project/{display}/",
            "project_urls": dict(release.project_urls) or None,
            "provides_extra": None,
            "release_url": f"{self.url}/project/{display}/{release.version}/",
            "requires_dist": list(release.requires) or None,
            "requires_python": release.requires_python or None,
            "summary": release.summary,
            "version": release.version,
            "yanked": release.yanked,
            "yanked_reason": release.yanked_reason or None,
        }
        document: JSONDict = {
            "info": info,
            "last_serial": project.serial,
            "urls": [self._json_file(a, depth) for a in release.files],
            "vulnerabilities": [dict(v) for v in release.vulnerabilities],
        }
        if with_releases:
            document["releases"] = {
                version: [self._json_file(a, depth) for a in project.releases[version].files]
                for version in sorted(project.releases, key=_version_key)
            }
        if self.ownership_field:
            document["ownership"] = dict(project.ownership)
        return document
