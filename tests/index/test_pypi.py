"""The JSON API client against the loopback PyPI: caching and revalidation,
relative URLs, 404s, failures, and fetching artifacts by hash."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.errors import ArtifactError, IndexError_
from guard.index import artifacts
from guard.index.cache import Cache
from guard.index.http import LazySession, make_session
from guard.index.pypi import PyPIClient
from tests.fakepypi import FakePyPI, wheel_filename


@pytest.fixture
def session() -> Iterator[LazySession]:
    with make_session(retries=0) as s:
        yield s


def client(fake: FakePyPI, session: requests.Session, tmp_path: Path) -> PyPIClient:
    return PyPIClient(fake.url, session, Cache(tmp_path / "cache"), timeout=5)


def test_project_is_parsed_and_revalidated_from_cache(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    fake_pypi.add_release("Alpha", "1.0", summary="first")
    c = client(fake_pypi, session, tmp_path)

    project = c.project("alpha")
    assert project is not None and project.summary == "first"
    assert project.latest_version == Version("1.0")

    fake_pypi.clear_log()
    again = c.project("alpha")
    assert again == project
    # The fake index sends no max-age, so the cached answer was revalidated
    # (a conditional GET answered 304), not fetched again in full.
    assert len(fake_pypi.json_requests()) >= 1

    fake_pypi.add_release("Alpha", "2.0", summary="second")
    newer = c.project("alpha")
    assert newer is not None and newer.latest_version == Version("2.0")


_FRESH_RUN = """
import sys
from pathlib import Path
from guard.index.cache import Cache
from guard.index.http import make_session
from guard.index.pypi import PyPIClient

with make_session() as session:
    client = PyPIClient(sys.argv[1], session, Cache(Path(sys.argv[2])), timeout=5)
    project = client.project("alpha")
print(project.summary if project else None, "requests" in sys.modules, "urllib3" in sys.modules)
"""


def test_fresh_answers_are_used_without_asking_or_loading_requests(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    """With PyPI's Cache-Control (max-age=900), a second look-up within the
    answer's lifetime asks nothing, and a run that asks nothing never imports
    requests (a warm run's start-up)."""
    fake_pypi.cache_headers = True
    fake_pypi.add_release("Alpha", "1.0", summary="first")
    cache = tmp_path / "cache"
    run = [sys.executable, "-c", _FRESH_RUN, fake_pypi.url, str(cache)]
    first = subprocess.run(run, capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["first", "True", "True"]  # asked: requests loaded
    fake_pypi.clear_log()
    second = subprocess.run(run, capture_output=True, text=True, check=True)
    assert second.stdout.split() == ["first", "False", "False"]
    assert fake_pypi.json_requests() == []


def test_relative_file_urls(fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path) -> None:
    fake_pypi.relative_json_urls = True
    fake_pypi.add_release("alpha", "1.0")
    project = client(fake_pypi, session, tmp_path).project("alpha")
    assert project is not None
    info = project.file(wheel_filename("alpha", "1.0"))
    assert info is not None
    assert info.url == fake_pypi.file_url(wheel_filename("alpha", "1.0"))


def test_unknown_project_is_none(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    assert client(fake_pypi, session, tmp_path).project("nope") is None


def test_server_error_raises(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    fake_pypi.add_release("alpha", "1.0")
    fake_pypi.fail_json(503)
    with pytest.raises(IndexError_, match="503"):
        client(fake_pypi, session, tmp_path).project("alpha")


def test_corrupt_cache_entry_is_a_miss(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    fake_pypi.add_release("alpha", "1.0")
    c = client(fake_pypi, session, tmp_path)
    assert c.project("alpha") is not None
    for entry in (tmp_path / "cache" / "http").rglob("*.json"):
        entry.write_text("{not json")
    assert c.project("alpha") is not None


def test_per_version_vulnerabilities_optional(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    fake_pypi.add_release("alpha", "1.0", vulnerabilities=[{"id": "PYSEC-1", "fixed_in": ["2.0"]}])
    fake_pypi.add_release("alpha", "2.0")
    c = client(fake_pypi, session, tmp_path)
    vulns = c.version_vulnerabilities("alpha", Version("1.0"))
    assert vulns is not None and [v.id for v in vulns] == ["PYSEC-1"]
    fake_pypi.per_version_json = False
    assert c.version_vulnerabilities("alpha", Version("1.5")) is None


def test_look_up_finds_each_name_once_with_progress(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    fake_pypi.add_release("alpha", "1.0")
    fake_pypi.add_release("beta", "1.0")
    ticks: list[tuple[int, int]] = []
    c = client(fake_pypi, session, tmp_path)
    found = c.look_up(
        ["Beta", "alpha", "beta", "nope"], block_on_error=True, progress=lambda *t: ticks.append(t)
    )
    assert list(found.projects) == ["alpha", "beta", "nope"]
    assert found.projects[canonicalize_name("nope")] is None
    assert found.failed == {}
    assert ticks == [(1, 3), (2, 3), (3, 3)]


def test_look_up_failures_are_recorded_or_raised(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    fake_pypi.add_release("alpha", "1.0")
    fake_pypi.add_release("beta", "1.0")
    fake_pypi.fail_json(503, name="beta")
    c = client(fake_pypi, session, tmp_path)
    found = c.look_up(["alpha", "beta"], block_on_error=False)
    assert found.projects[canonicalize_name("alpha")] is not None
    assert found.projects[canonicalize_name("beta")] is None
    assert list(found.failed) == ["beta"] and "HTTP 503" in found.failed[canonicalize_name("beta")]
    with pytest.raises(IndexError_, match=r"^could not look up beta: .*HTTP 503"):
        c.look_up(["alpha", "beta"], block_on_error=True)


def test_artifacts_are_fetched_once_and_checked(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    [wheel] = fake_pypi.add_release("alpha", "1.0")
    cache = Cache(tmp_path / "cache")
    want = artifacts.Wanted(fake_pypi.file_url(wheel.filename), wheel.sha256, wheel.filename)

    files = artifacts.fetch_all([want], cache, session, 5)
    assert files[wheel.filename].read_bytes() == wheel.data
    artifacts.fetch_all([want], cache, session, 5)
    assert fake_pypi.downloads() == [wheel.filename]

    bad = artifacts.Wanted(want.url, "0" * 64, wheel.filename)
    with pytest.raises(ArtifactError, match="changed after it was vetted"):
        artifacts.fetch_all([bad], cache, session, 5)
    assert not cache.artifact_path("0" * 64).exists()
