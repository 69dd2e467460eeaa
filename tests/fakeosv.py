"""``FakeOSV``: the OSV API on 127.0.0.1 for the tests (no internet).

It speaks the documented API (https://google.github.io/osv.dev/): ``POST
/v1/querybatch`` (at most 1000 queries; each result's ``vulns`` hold ``id`` and
``modified`` only, ``next_page_token`` when a release has more than
``page_size``) and ``GET /v1/vulns/{id}`` (the whole record). A query that is
not of the documented shape is a 400 and recorded in ``errors``. Faults:
``fail`` makes every answer an HTTP error.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

from packaging.utils import canonicalize_name
from packaging.version import Version

MAX_QUERIES = 1000
MODIFIED = "2026-01-02T03:04:05Z"


@dataclass(frozen=True)
class Batch:
    """One querybatch request as the server saw it: (name, version, page_token) each."""

    queries: tuple[tuple[str, str, str], ...]


@dataclass
class _State:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    affected: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)
    detail_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failure: int | None = None
    detail_failure: int | None = None
    page_size: int = 1000


def _key(name: str, version: str) -> tuple[str, str]:
    return canonicalize_name(name), str(Version(version))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    fake: FakeOSV

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        self.fake._error(repr(error))
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(self, status: int, document: object) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        fake = cast(_Server, self.server).fake
        length = int(self.headers.get("Content-Length", "0"))
        status, document = fake._querybatch(self.path, self.rfile.read(length))
        self._send(status, document)

    def do_GET(self) -> None:
        fake = cast(_Server, self.server).fake
        status, document = fake._vuln(self.path)
        self._send(status, document)


class FakeOSV:
    """A loopback OSV: ``add`` advisories, point safepip at ``url``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = _State()
        self._server: _Server | None = None
        self._url = ""

    def __enter__(self) -> FakeOSV:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return self._url

    # --- content and faults ---

    def add(
        self,
        vuln_id: str,
        name: str,
        versions: list[str],
        *,
        summary: str = "",
        aliases: tuple[str, ...] = (),
        fixed: str = "",
        withdrawn: bool = False,
    ) -> None:
        """An advisory affecting ``name`` at ``versions`` (an OSV record)."""
        events: list[dict[str, str]] = [{"introduced": "0"}]
        if fixed:
            events.append({"fixed": fixed})
        record: dict[str, Any] = {
            "id": vuln_id,
            "modified": MODIFIED,
            "summary": summary,
            "aliases": list(aliases),
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": name},
                    "ranges": [{"type": "ECOSYSTEM", "events": events}],
                    "versions": versions,
                }
            ],
        }
        if withdrawn:
            record["withdrawn"] = MODIFIED
        with self._lock:
            self._state.records[vuln_id] = record
            for version in versions:
                self._state.affected.setdefault(_key(name, version), []).append(vuln_id)

    def fail(self, status: int | None = 503) -> None:
        """Every answer is ``status`` (None: answer again)."""
        with self._lock:
            self._state.failure = status

    def fail_details(self, status: int | None = 500) -> None:
        """``/v1/vulns/{id}`` answers ``status`` (None: answer again); querybatch still works."""
        with self._lock:
            self._state.detail_failure = status

    def set_page_size(self, size: int) -> None:
        with self._lock:
            self._state.page_size = size

    # --- observation ---

    @property
    def batches(self) -> list[Batch]:
        with self._lock:
            return list(self._state.batches)

    @property
    def detail_requests(self) -> list[str]:
        with self._lock:
            return list(self._state.detail_requests)

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return list(self._state.errors)

    # --- internals ---

    def _error(self, text: str) -> None:
        with self._lock:
            self._state.errors.append(text)

    def _queries(self, body: bytes) -> list[tuple[str, str, str]] | None:
        """(name, version, page_token) of each documented-shape query; None if any is not."""
        try:
            raw = json.loads(body)["queries"]
            out = []
            for query in raw:
                package = query["package"]
                if package["ecosystem"] != "PyPI" or set(query) - {
                    "package",
                    "version",
                    "page_token",
                }:
                    return None
                out.append((package["name"], query["version"], query.get("page_token", "")))
            return out
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def _querybatch(self, path: str, body: bytes) -> tuple[int, object]:
        if path != "/v1/querybatch":
            return HTTPStatus.NOT_FOUND, {"message": "Not Found"}
        queries = self._queries(body)
        if queries is None or len(queries) > MAX_QUERIES:
            self._error(f"bad querybatch request: {body[:200]!r}")
            return HTTPStatus.BAD_REQUEST, {"message": "Bad Request"}
        with self._lock:
            self._state.batches.append(Batch(tuple(queries)))
            if self._state.failure is not None:
                return self._state.failure, {"message": "failure injected"}
            return HTTPStatus.OK, {"results": [self._result(*q) for q in queries]}

    def _result(self, name: str, version: str, token: str) -> dict[str, object]:
        ids = self._state.affected.get(_key(name, version), [])
        start = int(token or 0)
        page = ids[start : start + self._state.page_size]
        result: dict[str, object] = {}
        if page:
            result["vulns"] = [{"id": i, "modified": MODIFIED} for i in page]
        if start + self._state.page_size < len(ids):
            result["next_page_token"] = str(start + self._state.page_size)
        return result

    def _vuln(self, path: str) -> tuple[int, object]:
        prefix = "/v1/vulns/"
        vuln_id = urllib.parse.unquote(path.removeprefix(prefix))
        with self._lock:
            self._state.detail_requests.append(vuln_id)
            failure = self._state.failure or self._state.detail_failure
            if failure is not None:
                return failure, {"message": "failure injected"}
            record = self._state.records.get(vuln_id) if path.startswith(prefix) else None
        if record is None:
            return HTTPStatus.NOT_FOUND, {"message": "Bug not found."}
        return HTTPStatus.OK, record
