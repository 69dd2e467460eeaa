"""The values the vetting steps pass each other, and the shapes of their collaborators.

A step takes what it needs (``Tools``, a ``Ledger``) and returns what it learnt
(a new ``Ledger``) with its result; nothing is shared and mutated between steps.
The collaborators (an ``Index``, a ``Fetch``, a ``Pip``, a history store, a clock)
are built by the CLI (``guard.cli.vetting``) and handed to ``guard.vet.vetter.Vetter``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from packaging.utils import NormalizedName
from packaging.version import Version

from guard.index.analysis_cache import ScanJob
from guard.index.artifacts import Wanted
from guard.index.pypi import Lookups
from guard.models import (
    Advisories,
    Candidate,
    Project,
    Provenance,
    Provenances,
    ReleaseKey,
    Verdict,
    Vulnerability,
)
from guard.pip.args import PipArgs
from guard.pip.install import Pinned
from guard.pip.worker import Captured
from guard.policy.model import Policy
from guard.rules.base import Scanned, ScanSettings

# Shows what the run is doing: (what, done, total); total 0 when unknown.
Progress = Callable[[str, int, int], None]
# Fetches files and checks their hashes: file name -> verified local path.
Fetch = Callable[[Sequence[Wanted]], dict[str, Path]]
# Scans verified files with these settings: file name -> scan (or why it failed).
# guard.index.analysis_cache.CachedScanner.scan: cached by sha256, several at once.
ScanFiles = Callable[[Sequence[ScanJob], ScanSettings], Mapping[str, Scanned]]
# The current time (timezone-aware UTC).
Clock = Callable[[], datetime]


class Index(Protocol):
    """The look-up service: a project's JSON API document, and one version's
    vulnerabilities (``guard.index.pypi.PyPIClient``)."""

    def project(self, name: str, revalidate: bool = False) -> Project | None: ...

    def look_up(
        self,
        names: Iterable[str],
        *,
        block_on_error: bool,
        revalidate: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> Lookups: ...

    def version_vulnerabilities(
        self, name: str, version: Version
    ) -> tuple[Vulnerability, ...] | None: ...


class AdvisoryDB(Protocol):
    """The advisory database: what it says of given releases, never raising for a
    failed answer (``guard.index.osv.OSVClient``)."""

    def advisories(
        self, releases: Iterable[ReleaseKey], revalidate: bool = False
    ) -> Advisories: ...


class ProvenanceSource(Protocol):
    """Who published a file, as the index reports it (PEP 740), never raising for
    a failed answer (``guard.index.provenance.ProvenanceClient``)."""

    def provenance(self, name: str, filename: str) -> Provenance: ...


class Ahead(Protocol):
    """Look-ups started before pip resolves (``guard.index.prefetch.Prefetch``)."""

    def stop(self) -> dict[NormalizedName, Project]: ...


# Starts looking the named projects (and their likely dependencies) up.
StartAhead = Callable[[Sequence[NormalizedName]], Ahead]


class Pip(Protocol):
    """safepip's pip for the target interpreter: dry runs, then at most one install
    (``guard.vet.install.WorkerPip`` wraps a ``PipWorker``)."""

    def capture(self, args: Sequence[str]) -> Captured: ...

    def install(
        self,
        pinned: Sequence[Pinned],
        unhashed: Sequence[Candidate],
        wheelhouse: Path,
        options: Sequence[str],
        offline: bool,
    ) -> None: ...


@dataclass(frozen=True)
class Request:
    """What to vet: pip's install arguments for one target interpreter, under a policy.

    ``build`` False (``check``): pip may not build any sdist nor prepare its
    metadata; True (``install``): only sdists vetted with their build
    requirements."""

    target_python: str
    pip_args: PipArgs
    policy: Policy
    build: bool = True
    # check: local projects whose dependencies only a build can tell (their build
    # requirements are vetted), and the notes that say so
    local_projects: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Known:
    """What this run looked up: each project (None: not on the index, or the
    look-up failed), why the failed look-ups failed, and what the advisory
    database said of the candidates' releases and the index of who published
    their files (None: not asked)."""

    projects: Mapping[NormalizedName, Project | None] = field(default_factory=dict)
    failed: Mapping[NormalizedName, str] = field(default_factory=dict)
    advisories: Advisories | None = None
    provenance: Provenances | None = None

    def get(self, name: NormalizedName) -> Project | None:
        return self.projects.get(name)

    def found(self) -> dict[NormalizedName, Project]:
        """The projects the index knows."""
        return {name: p for name, p in self.projects.items() if p is not None}

    def adding(
        self,
        projects: Mapping[NormalizedName, Project | None],
        failed: Mapping[NormalizedName, str] | None = None,
    ) -> Known:
        return Known(
            {**self.projects, **projects},
            {**self.failed, **(failed or {})},
            self.advisories,
            self.provenance,
        )


@dataclass(frozen=True)
class Ledger:
    """What a run has learnt so far: the look-ups, the notes for the report, and
    the vetted build requirements (pip gets them as ``--build-constraint``)."""

    known: Known = field(default_factory=Known)
    notes: tuple[str, ...] = ()
    build_pins: Mapping[NormalizedName, Version] = field(default_factory=dict)
    # The target's marker environment, once pip's report or ``pip inspect`` gave it.
    environment: Mapping[str, str] = field(default_factory=dict)

    def knowing(self, known: Known) -> Ledger:
        return replace(self, known=known)

    def noted(self, *notes: str) -> Ledger:
        fresh = tuple(dict.fromkeys(n for n in notes if n not in self.notes))
        return replace(self, notes=(*self.notes, *fresh)) if fresh else self

    def seeing(self, environment: Mapping[str, str]) -> Ledger:
        return replace(self, environment=environment) if environment else self

    def pinning(self, pins: Iterable[tuple[NormalizedName, Version]]) -> Ledger:
        return replace(self, build_pins={**self.build_pins, **dict(pins)})


@dataclass(frozen=True)
class Outcome:
    """What ``Vetter.check`` found."""

    verdict: Verdict
    candidates: tuple[Candidate, ...]
    # True when the verdict was reached before pip resolved everything (a
    # requirement was blocked before pip could build or pick it).
    partial: bool = False
    files: Mapping[str, Path] = field(default_factory=dict)  # file name -> verified copy
    pins: Mapping[str, str] = field(default_factory=dict)  # file name -> vetted sha256
    build_pins: Mapping[NormalizedName, Version] = field(default_factory=dict)
    # A build pip ran after vetting failed (the verdict is on what was vetted to be
    # built): what it said. Nothing is installed, and the run fails (exit 2).
    failed: str = ""
