"""A loopback fault proxy: relays to an upstream server (the fake PyPI), except
for paths given a fault, which it answers badly on purpose.

Faults, by path prefix (``proxy.fault("/pypi/", "stall")``):

- ``reset``: accept, then drop the connection with a TCP reset
- ``stall``: read the request, never answer
- ``dribble``: a 200 whose body (or, with ``headers=True``, whose status line)
  comes one byte every ``interval`` seconds
- ``status``: answer ``status`` (503, 429, ...) with ``Retry-After: retry_after``
  when given
- ``redirect``: a 302 to ``location``
- ``truncated``: the upstream answer cut in half, its full length announced
- ``bomb``: a 200 with ``Content-Encoding: gzip`` whose body inflates to
  ``size`` bytes (default 128 MiB) from about a thousandth of that
- ``shape``: a 200 of valid JSON of the wrong shape (a list where an object is)

``times=N`` limits a fault to its first N requests (then it relays again);
``agent="safepip/"`` to requests whose User-Agent starts so (not pip's).
``refused_url()`` gives a URL on which nothing listens. Relayed bodies have the
upstream's address replaced with the proxy's, so the file URLs the JSON API
gives lead back through the proxy. Every wait ends when the proxy stops.
"""

from __future__ import annotations

import functools
import gzip
import io
import socket
import struct
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast


@dataclass
class Fault:
    kind: str
    status: int = 503
    retry_after: str | None = None
    location: str = ""
    interval: float = 0.5
    headers: bool = False
    times: int | None = None
    agent: str = ""
    size: int = 128 << 20


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    proxy: FaultProxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-fault is what the faults are for."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        proxy = cast(_Server, self.server).proxy
        fault = proxy._take(self.path, self.headers.get("User-Agent", ""))
        if fault is None:
            self._relay(proxy)
            return
        getattr(self, f"_{fault.kind}")(proxy, fault)

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _fetch(self, proxy: FaultProxy) -> tuple[int, dict[str, str], bytes]:
        wanted = {k: v for k, v in self.headers.items() if k.lower() in {"accept"}}
        request = urllib.request.Request(proxy.upstream + self.path, headers=wanted)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
                status, headers, body = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as exc:
            status, headers, body = exc.code, dict(exc.headers), exc.read()
        body = body.replace(proxy.upstream.encode(), proxy.url.encode())
        kept = {k: v for k, v in headers.items() if k.lower() in {"content-type", "location"}}
        return status, kept, body

    def _relay(self, proxy: FaultProxy) -> None:
        self._answer(*self._fetch(proxy))

    def _reset(self, proxy: FaultProxy, fault: Fault) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _stall(self, proxy: FaultProxy, fault: Fault) -> None:
        proxy.stopping.wait()
        self.close_connection = True

    def _dribble(self, proxy: FaultProxy, fault: Fault) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n"
        if not fault.headers:
            self.wfile.write(head)
            head = b"{" + b" " * 4095
        for byte in head:
            if proxy.stopping.wait(fault.interval):
                break
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
        self.close_connection = True

    def _status(self, proxy: FaultProxy, fault: Fault) -> None:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        self._answer(fault.status, headers, b"busy\n")

    def _redirect(self, proxy: FaultProxy, fault: Fault) -> None:
        self._answer(302, {"Location": fault.location}, b"")

    def _truncated(self, proxy: FaultProxy, fault: Fault) -> None:
        status, headers, body = self._fetch(proxy)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.close_connection = True

    def _bomb(self, proxy: FaultProxy, fault: Fault) -> None:
        self._answer(
            200,
            {"Content-Type": "application/json", "Content-Encoding": "gzip"},
            gzip_bomb(fault.size),
        )

    def _shape(self, proxy: FaultProxy, fault: Fault) -> None:
        self._answer(200, {"Content-Type": "application/json"}, b'[{"info": [], "urls": 7}]')


@functools.lru_cache(maxsize=2)
def gzip_bomb(size: int) -> bytes:
    """Gzip of ``size`` bytes of spaces inside a JSON string: about a thousandth of
    its size. Made once (a test may call it first, so the proxy answers at once)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6) as packed:
        packed.write(b'{"info": "')
        chunk = b" " * (1 << 20)
        for _ in range(size >> 20):
            packed.write(chunk)
        packed.write(b'"}')
    return out.getvalue()


class FaultProxy:
    """``with FaultProxy(upstream) as proxy: proxy.fault(prefix, kind, ...)``."""

    def __init__(self, upstream: str = "http://127.0.0.1:9") -> None:
        self.upstream = upstream.rstrip("/")
        self.stopping = threading.Event()
        self.hits: list[str] = []
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def fault(self, prefix: str, kind: str, **options: Any) -> None:
        with self._lock:
            self._faults[prefix] = Fault(kind, **options)

    def _take(self, path: str, agent: str) -> Fault | None:
        with self._lock:
            self.hits.append(path)
            for prefix, fault in self._faults.items():
                if not (path.startswith(prefix) and agent.startswith(fault.agent)):
                    continue
                if fault.times != 0:
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def refused_url() -> str:
    """A loopback URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
