"""Looking projects up while pip resolves: which names are asked for, which
dependencies are followed, and that the pipeline takes only what pip chose."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from packaging.utils import NormalizedName

from guard.index import artifacts, prefetch
from guard.index.cache import Cache
from guard.index.http import LazySession, make_session
from guard.index.prefetch import Prefetch, dependencies, requested_names
from guard.index.pypi import PyPIClient
from guard.models import Project
from guard.pip.args import parse_pip_args
from guard.pip.worker import PipWorker
from guard.policy import model as policy
from guard.state.store import MemoryHistoryStore
from guard.vet.install import WorkerPip
from guard.vet.model import Request
from guard.vet.vetter import Vetter
from tests.fakepypi import FakePyPI, MakeVenv

OLD = datetime.now(UTC) - timedelta(days=900)


@pytest.fixture
def session() -> Iterator[LazySession]:
    with make_session(retries=0) as s:
        yield s


def _settle(ahead: Prefetch, names: set[str], timeout: float = 10) -> dict[NormalizedName, Project]:
    """Wait until the prefetch has found ``names`` (or time runs out), then stop it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ahead._lock:
            if names <= set(ahead._found):
                break
        time.sleep(0.02)
    return ahead.stop()


def test_requested_names_come_from_arguments_and_requirement_files(tmp_path: Path) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        "# pinned\nAlpha==1.0  # why\n-e ./local\n--index-url https://x\n"
        "beta[extra]>=2; python_version >= '3'\n./some/path\nhttps://h/x.whl\n",
        encoding="utf-8",
    )
    args = parse_pip_args(["gamma", "-r", str(reqs), "./dir", "-U"])
    assert requested_names(args) == ["gamma", "alpha", "beta"]


def test_dependencies_follow_markers_and_skip_extras() -> None:
    project = Project(
        name=NormalizedName("p"),
        display_name="p",
        requires_dist=(
            "Dep-One>=1",
            "dep-two; extra == 'socks'",
            "dep-three; python_version < '3'",
            "dep-four; python_version >= '3'",
            "not a requirement !!",
        ),
    )
    assert dependencies(project) == ["dep-one", "dep-four"]


def test_prefetch_follows_declared_dependencies(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    fake_pypi.add_release("top", "1.0", requires=["middle>=1"])
    fake_pypi.add_release("middle", "1.0", requires=["bottom", "extra-only; extra == 'x'"])
    fake_pypi.add_release("bottom", "1.0")
    fake_pypi.add_release("extra-only", "1.0")
    client = PyPIClient(fake_pypi.url, session, Cache(tmp_path / "cache"), timeout=5)
    found = _settle(Prefetch(client, ["top", "missing"]), {"top", "middle", "bottom"})
    assert set(found) == {"top", "middle", "bottom"}
    assert not fake_pypi.json_requests("extra-only")


def test_every_name_asked_for_is_looked_up_however_many(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    names = {f"flat-{i:03d}" for i in range(320)}  # more than any fixed cap of 300
    for name in names:
        fake_pypi.add_release(name, "1.0")
    client = PyPIClient(fake_pypi.url, session, Cache(tmp_path / "cache"), timeout=5)
    found = _settle(Prefetch(client, sorted(names)), names, timeout=120)
    assert set(found) == names


def test_guesses_beyond_the_names_asked_for_are_bounded(
    fake_pypi: FakePyPI,
    session: requests.Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "MAX_GUESSES", 2)
    for i in range(4):
        fake_pypi.add_release(f"seed-{i}", "1.0", requires=[f"dep-{i}"])
        fake_pypi.add_release(f"dep-{i}", "1.0")
    client = PyPIClient(fake_pypi.url, session, Cache(tmp_path / "cache"), timeout=5)
    seeds = {f"seed-{i}" for i in range(4)}
    found = _settle(Prefetch(client, sorted(seeds)), seeds | {"never"}, timeout=3)
    assert set(found) >= seeds
    assert len(set(found) - seeds) == 2


def test_a_stopped_prefetch_asks_no_more(
    fake_pypi: FakePyPI, session: requests.Session, tmp_path: Path
) -> None:
    fake_pypi.add_release("top", "1.0", requires=["next"])
    fake_pypi.add_release("next", "1.0")
    client = PyPIClient(fake_pypi.url, session, Cache(tmp_path / "cache"), timeout=5)
    ahead = Prefetch(client, [])
    assert ahead.stop() == {}
    ahead._ask(NormalizedName("top"))
    time.sleep(0.2)
    assert not fake_pypi.json_requests()


def test_pipeline_takes_only_what_pip_chose_and_looks_each_up_once(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    # The latest release of app declares "old-dep", but pip picks app 1.0 (pinned),
    # which needs "dep": old-dep may be prefetched, yet it is not judged.
    fake_pypi.add_release("app", "1.0", upload_time=OLD, requires=["dep"])
    fake_pypi.add_release("app", "2.0", upload_time=OLD, requires=["old-dep"])
    fake_pypi.add_release("dep", "1.0", upload_time=OLD)
    fake_pypi.add_release("old-dep", "1.0", upload_time=OLD)
    python = make_venv()
    session = make_session(retries=0)
    cache = Cache(tmp_path / "cache")
    client = PyPIClient(fake_pypi.url, session, cache, timeout=5)
    request = Request(str(python), parse_pip_args(["app==1.0"]), policy.builtin())

    def fetch(wanted: Sequence[artifacts.Wanted]) -> dict[str, Path]:
        return artifacts.fetch_all(wanted, cache, session, 5)

    def ahead(names: Sequence[NormalizedName]) -> Prefetch:
        return Prefetch(client, names)

    worker = PipWorker(str(python), env=pip_env)
    vetter = Vetter(
        client,
        fetch,
        WorkerPip(worker),
        MemoryHistoryStore(),
        lambda: datetime.now(UTC),
        prefetch=ahead,
    )
    try:
        outcome = vetter.check(request)
    finally:
        worker.cancel()
    assert sorted(p.candidate.name for p in outcome.verdict.packages) == ["app", "dep"]
    for name in ("app", "dep"):  # the project documents, not per-version ones
        assert fake_pypi.json_requests(name).count(f"/pypi/{name}/json") == 1, name
