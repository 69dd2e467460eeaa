"""Fakes of the vetter's collaborators: an index of ``Project`` values, a pip that
answers dry runs from a script and records installs, a fetcher of in-memory
files; and a small factory of projects whose wheels are real bytes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from packaging.markers import default_environment
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.errors import IndexError_
from guard.index.artifacts import Wanted
from guard.index.pypi import Lookups, look_up_all
from guard.models import Candidate, FileInfo, Ownership, Project, Release, Vulnerability
from guard.pip.args import parse_pip_args
from guard.pip.install import Pinned
from guard.pip.worker import Captured
from guard.policy.model import Policy, builtin
from guard.vet.judge import Judge
from guard.vet.lookup import Lookup, Sightings
from guard.vet.model import Request
from guard.vet.tools import Tools
from tests.fakepypi.builders import (
    build_sdist,
    build_wheel,
    sdist_filename,
    sha256_hex,
    wheel_filename,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=800)
FILES = "https://files.example/packages"


@dataclass(frozen=True)
class Dist:
    """A real wheel or sdist of ``name`` ``version`` (``bytes``), as the index lists it."""

    name: str
    version: str
    uploaded: datetime
    bytes: bytes
    filename: str
    packagetype: str = "bdist_wheel"

    @property
    def url(self) -> str:
        return f"{FILES}/{self.filename}"

    @property
    def info(self) -> FileInfo:
        return FileInfo(
            self.filename, self.url, sha256_hex(self.bytes), self.packagetype, self.uploaded
        )


def wheel(name: str, version: str, uploaded: datetime = OLD) -> Dist:
    return Dist(name, version, uploaded, build_wheel(name, version), wheel_filename(name, version))


def sdist(name: str, version: str, uploaded: datetime = OLD) -> Dist:
    data = build_sdist(name, version)
    return Dist(name, version, uploaded, data, sdist_filename(name, version), "sdist")


def sdist_info(name: str, version: str, uploaded: datetime = OLD) -> FileInfo:
    """An sdist the index lists (its bytes are never fetched)."""
    filename = sdist_filename(name, version)
    return FileInfo(filename, f"{FILES}/{filename}", "ab" * 32, "sdist", uploaded)


def project(
    name: str, releases: Mapping[str, Sequence[FileInfo]], owners: tuple[str, ...] = ("alice",)
) -> Project:
    """A well-kept project with these releases (version -> files)."""
    versions = {Version(v): Release(Version(v), tuple(files)) for v, files in releases.items()}
    return Project(
        name=canonicalize_name(name),
        display_name=name,
        summary=f"{name} does things",
        description=f"{name}: a well-documented, long-lived project.",
        author_email="maintainers@example-org.dev",
        project_urls=(("Source", f"https://github.com/example-org/{name}"),),
        latest_version=max(versions),
        releases=versions,
        ownership=Ownership(None, owners),
    )


def established(*dists: Dist) -> Project:
    """A project with two old releases before the given files' ones."""
    name = dists[0].name
    releases: dict[str, list[FileInfo]] = {
        v: [wheel(name, v, OLD - timedelta(days=30)).info] for v in ("0.8", "0.9")
    }
    for d in dists:
        releases.setdefault(d.version, []).append(d.info)
    return project(name, releases)


class FakeIndex:
    """Answers look-ups from a dict; names in ``failing`` raise IndexError_."""

    def __init__(self, projects: Iterable[Project], failing: Iterable[str] = ()) -> None:
        self.projects = {p.name: p for p in projects}
        self.failing = {canonicalize_name(n) for n in failing}
        self.asked: list[tuple[NormalizedName, bool]] = []

    def project(self, name: str, revalidate: bool = False) -> Project | None:
        key = canonicalize_name(name)
        self.asked.append((key, revalidate))
        if key in self.failing:
            raise IndexError_(f"{key}: HTTP 503")
        return self.projects.get(key)

    def look_up(
        self,
        names: Iterable[str],
        *,
        block_on_error: bool,
        revalidate: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> Lookups:
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
        return None


# The marker environment FakePip gives for ``pip inspect``: this interpreter's.
ENVIRONMENT = {key: str(value) for key, value in default_environment().items()}


def report(*wheels: Dist, requested: Sequence[str] = ()) -> Captured:
    """pip's answer to a dry run that chose ``wheels``."""
    items = [
        {
            "metadata": {"name": w.name, "version": w.version},
            "download_info": {
                "url": w.url,
                "archive_info": {"hashes": {"sha256": sha256_hex(w.bytes)}},
            },
            "requested": w.name in requested,
        }
        for w in wheels
    ]
    return 0, json.dumps({"version": "1", "install": items, "environment": ENVIRONMENT}), ""


def not_found(*requirements: str) -> Captured:
    """pip's answer to a dry run that found no file for ``requirements``."""
    lines = [f"ERROR: No matching distribution found for {r}" for r in requirements]
    return 1, "", "\n".join(lines) + "\n"


@dataclass
class Installed:
    pinned: list[Pinned]
    unhashed: list[Candidate]
    files: list[str]
    options: list[str]
    offline: bool


@dataclass
class FakePip:
    """Answers dry runs in order from ``replies``; records what it is asked."""

    replies: list[Captured]
    calls: list[list[str]] = field(default_factory=list)
    installs: list[Installed] = field(default_factory=list)

    def capture(self, args: Sequence[str]) -> Captured:
        """Like pip: ``inspect`` gives the marker environment; a dry run's report
        goes to the file ``--report`` names."""
        self.calls.append(list(args))
        if list(args[:1]) == ["inspect"]:
            return 0, json.dumps({"version": "1", "environment": ENVIRONMENT}), ""
        code, out, err = self.replies.pop(0)
        if code == 0 and "--report" in args:
            Path(args[list(args).index("--report") + 1]).write_text(out, encoding="utf-8")
            out = ""
        return code, out, err

    def install(
        self,
        pinned: Sequence[Pinned],
        unhashed: Sequence[Candidate],
        wheelhouse: Path,
        options: Sequence[str],
        offline: bool,
    ) -> None:
        files = sorted(p.name for p in wheelhouse.iterdir())
        self.installs.append(Installed(list(pinned), list(unhashed), files, list(options), offline))


class FakeFetch:
    """Serves files from memory into ``into``, hash-checked like the real fetcher."""

    def __init__(self, into: Path, *wheels: Dist) -> None:
        self.into = into
        self.data = {w.filename: w.bytes for w in wheels}
        self.asked: list[str] = []

    def __call__(self, wanted: Sequence[Wanted]) -> dict[str, Path]:
        out = {}
        self.into.mkdir(parents=True, exist_ok=True)
        for want in wanted:
            self.asked.append(want.filename)
            data = self.data[want.filename]
            assert sha256_hex(data) == want.sha256, want.filename
            path = self.into / want.filename
            path.write_bytes(data)
            out[want.filename] = path
        return out


def make_tools(
    workdir: Path,
    index: FakeIndex,
    pip: FakePip,
    fetch: FakeFetch,
    args: Sequence[str],
    pol: Policy | None = None,
) -> Tools:
    """The tools of one run, over the fakes, at ``NOW``, with an empty history."""
    pol = pol or builtin()
    req = Request("/venv/bin/python", parse_pip_args(list(args)), pol)
    return Tools(req, Lookup(index, pol, Sightings()), Judge(pol, NOW, {}), pip, fetch, workdir)
