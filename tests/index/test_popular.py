"""Tests for guard.index.popular: the shipped list, the user copy and its refresh."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from guard.errors import IndexError_
from guard.index import popular

ROWS = 1200  # above popular.MIN_ROWS


def made_up(count: int = ROWS) -> list[str]:
    return [f"made-up-project-{i}" for i in range(count)]


def json_list(names: list[str]) -> dict[str, object]:
    # Given in scrambled order: ranks come from download_count.
    rows = [{"project": n, "download_count": 10_000_000 - i} for i, n in enumerate(names)]
    return {"last_update": "2026-01-01 00:00:00", "rows": rows[::-1]}


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    popular.load.cache_clear()
    yield tmp_path / "data"
    popular.load.cache_clear()


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}  # noqa: RUF012 - set per server

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, tuple[int, bytes]]]]:
    routes: dict[str, tuple[int, bytes]] = {}
    handler = type("Handler", (_Handler,), {"routes": routes})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_shipped_list_is_the_fallback() -> None:
    shipped = popular.load()
    assert shipped.origin == "shipped"
    assert 10_000 <= len(shipped) <= popular.LIMIT
    first = shipped.names[0]
    assert popular.rank(first) == 1
    assert popular.rank(first.upper()) == 1
    assert popular.rank("surely-not-a-popular-project-name") is None


def test_update_from_loopback_url(server: tuple[str, dict[str, tuple[int, bytes]]]) -> None:
    base, routes = server
    routes["/top.json"] = (200, json.dumps(json_list(made_up())).encode())
    result = popular.update(f"{base}/top.json", timeout=5)
    assert result.count == ROWS
    assert result.path == popular.user_copy_path()
    assert result.path.is_file()
    loaded = popular.load()
    assert loaded.origin == str(result.path)
    assert popular.rank("made-up-project-0") == 1
    assert popular.rank("Made_Up.Project-1") == 2


def test_update_with_a_session(server: tuple[str, dict[str, tuple[int, bytes]]]) -> None:
    import requests

    base, routes = server
    routes["/top.json"] = (200, json.dumps(json_list(made_up())).encode())
    with requests.Session() as session:
        assert popular.update(f"{base}/top.json", session, timeout=5).count == ROWS


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, b"not found"),
        (500, b"oops"),
        (200, b"not json"),
        (200, b'{"rows": "nope"}'),
        (200, b'{"rows": [{"project": "x"}]}'),
        (200, json.dumps(json_list(made_up(10))).encode()),  # implausibly short
    ],
)
def test_update_failures_keep_the_current_copy(
    server: tuple[str, dict[str, tuple[int, bytes]]], status: int, body: bytes
) -> None:
    base, routes = server
    routes["/good.json"] = (200, json.dumps(json_list(made_up())).encode())
    popular.update(f"{base}/good.json", timeout=5)
    before = popular.user_copy_path().read_bytes()
    routes["/bad.json"] = (status, body)
    with pytest.raises(IndexError_):
        popular.update(f"{base}/bad.json", timeout=5)
    assert popular.user_copy_path().read_bytes() == before
    assert popular.rank("made-up-project-0") == 1


def test_update_from_unreachable_url() -> None:
    with pytest.raises(IndexError_):
        popular.update("http://127.0.0.1:9/top.json", timeout=2)


def test_update_from_json_file(tmp_path: Path) -> None:
    source = tmp_path / "top.json"
    source.write_text(json.dumps(json_list(made_up())), encoding="utf-8")
    assert popular.update(str(source)).count == ROWS
    assert popular.rank("made-up-project-5") == 6


def test_update_from_csv_file(tmp_path: Path) -> None:
    names = made_up()
    source = tmp_path / "top.csv"
    # Out of order and with a non-canonical spelling: ranks decide.
    lines = [f"{i + 1},{n.upper()}" for i, n in enumerate(names)][::-1]
    source.write_text("rank,name\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert popular.update(str(source)).count == ROWS
    assert popular.rank("made-up-project-0") == 1


def test_update_from_missing_or_bad_file(tmp_path: Path) -> None:
    with pytest.raises(IndexError_):
        popular.update(str(tmp_path / "absent.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("name,rank\nx,1\n", encoding="utf-8")
    with pytest.raises(IndexError_):
        popular.update(str(bad))


def test_corrupt_user_copy_falls_back_to_shipped(data_home: Path) -> None:
    path = popular.user_copy_path()
    assert path.parent == data_home / "safepip"
    path.parent.mkdir(parents=True)
    path.write_text("rank,name\n1,only-one\n", encoding="utf-8")  # too short
    assert popular.load().origin == "shipped"
    popular.load.cache_clear()
    path.write_bytes(b"\xff\xfe garbage")
    assert popular.load().origin == "shipped"


def test_csv_round_trip() -> None:
    names = made_up(5)
    assert list(popular.parse_csv(popular.to_csv(names))) == names
