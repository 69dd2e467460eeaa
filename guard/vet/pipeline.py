"""The vetting pipeline behind ``check`` and ``install``.

1. Direct references (URLs, VCS) are ruled on before pip may build them.
2. pip resolves wheels only, before a cut-off (``--uploaded-prior-to``). A
   requirement pip finds no file for is looked up and judged on its index
   metadata first; an sdist that passes is fetched, hash-checked and scanned,
   and its build requirements are resolved and judged too. Only then may pip
   build it (it is named in ``--no-binary``, its build requirements pinned with
   ``--build-constraint``), or take a release newer than the cut-off.
3. Every candidate is looked up on the JSON API (concurrently, cached; what
   was asked for and its likely dependencies already while pip resolves, see
   guard.index.prefetch) and judged by the rules and the policy; unless that
   already blocks, its file is
   fetched and hash-checked and the rules that read artifacts judge those bytes.
4. ``install`` has pip install exactly the fetched files, pinned by hash.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard import rules
from guard.analysis import build_requirements as buildreqs
from guard.analysis import typosquat
from guard.errors import GuardError, IndexError_, ResolveError
from guard.index import artifacts, prefetch
from guard.index.pypi import PyPIClient
from guard.models import (
    Action,
    Candidate,
    Decision,
    FileInfo,
    Finding,
    PackageVerdict,
    Project,
    Release,
    Source,
    Verdict,
)
from guard.pip import install, resolve
from guard.pip.args import PipArgs, direct_references
from guard.pip.worker import PipWorker
from guard.policy import model as policy
from guard.rules import evaluate
from guard.rules.base import Context
from guard.rules.typosquat import protected
from guard.state import history
from guard.state.history import Seen

MAX_RESOLUTION_ROUNDS = 12
NETWORK_ERROR = "network-error"

Progress = Callable[[str, int, int], None]
# Fetches files and checks their hashes: file name -> verified local path.
Fetch = Callable[[Sequence[artifacts.Wanted]], dict[str, Path]]


@dataclass(frozen=True)
class Settings:
    target_python: str
    pip_args: PipArgs
    policy: policy.Policy
    now: datetime
    env: Mapping[str, str] | None = None  # environment for pip (None: ours)


@dataclass
class Run:
    """State of one vetting run (internal)."""

    settings: Settings
    client: PyPIClient
    progress: Progress | None
    notes: list[str] = field(default_factory=list)
    projects: dict[NormalizedName, Project | None] = field(default_factory=dict)
    failed_lookups: dict[NormalizedName, str] = field(default_factory=dict)
    # What earlier runs saw of each project (for maintainers-changed).
    seen_before: Mapping[NormalizedName, Seen] = field(default_factory=history.load)
    fetch: Fetch | None = None
    workdir: Path | None = None  # private scratch space for this run
    pip: resolve.PipRun | None = None  # runs the dry runs (None: a process each)
    # Projects looked up while pip resolved (guard.index.prefetch), taken by lookup().
    prefetched: dict[NormalizedName, Project] = field(default_factory=dict)
    # Vetted build requirements of the sdists allowed to be built: pip gets them
    # as --build-constraint, so the build environment holds what was vetted.
    build_pins: dict[NormalizedName, Version] = field(default_factory=dict)

    def build_constraint(self) -> Path | None:
        if not self.build_pins or self.workdir is None:
            return None
        return install.write_constraints(self.build_pins, self.workdir / "build-constraints.txt")

    def __post_init__(self) -> None:
        self.notes.extend(self.settings.policy.notes)

    def remember(self) -> None:
        """Record the projects this run saw, for the next run's comparisons."""
        history.record(
            {name: p for name, p in self.projects.items() if p is not None}, self.settings.now
        )


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    candidates: tuple[Candidate, ...]
    # True when the verdict was reached before pip resolved everything (a
    # requirement was blocked before pip could build or pick it).
    partial: bool = False
    files: Mapping[str, Path] = field(default_factory=dict)  # file name -> verified copy
    pins: Mapping[str, str] = field(default_factory=dict)  # file name -> vetted sha256
    build_pins: Mapping[NormalizedName, Version] = field(default_factory=dict)


def _context(run: Run, mode: str = "install", files: Mapping[str, Path] | None = None) -> Context:
    pol = run.settings.policy
    known = {name: p for name, p in run.projects.items() if p is not None}
    return Context(
        now=run.settings.now,
        mode=mode,
        thresholds=pol.thresholds,
        projects=known,
        denied=pol.denied(),
        artifacts=files or {},
        history=run.seen_before,
    )


def lookup_with_targets(run: Run, names: Iterable[str]) -> None:
    """Look the projects up, then the popular projects their names resemble, so
    the typosquat rule can tell a look-alike from a sibling of the same owners."""
    wanted = sorted(set(names))
    lookup(run, wanted)
    detector = typosquat.detector_for(protected(run.settings.policy.thresholds))
    lookup(run, {target for name in wanted for target in detector.related_targets(name)})


def lookup(run: Run, names: Iterable[str], revalidate: bool = False) -> None:
    """Look projects up (concurrently) into ``run.projects``; failures follow the policy."""
    wanted = sorted(
        {canonicalize_name(n) for n in names} - (set(run.projects) if not revalidate else set())
    )
    if not revalidate:
        for name in [n for n in wanted if n in run.prefetched]:
            run.projects[name] = run.prefetched.pop(name)
        wanted = [n for n in wanted if n not in run.projects]
    if not wanted:
        return

    def one(name: NormalizedName) -> tuple[NormalizedName, Project | None, str]:
        try:
            return name, run.client.project(name, revalidate=revalidate), ""
        except IndexError_ as exc:
            return name, None, str(exc)

    with ThreadPoolExecutor(max_workers=min(16, len(wanted))) as pool:
        for done, (name, project, error) in enumerate(pool.map(one, wanted), start=1):
            if error:
                if run.settings.policy.on_network_error == "block":
                    raise IndexError_(f"could not look up {name}: {error}")
                run.failed_lookups[name] = error
            run.projects[name] = project
            if run.progress:
                run.progress("looking up", done, len(wanted))


def judge_all(
    run: Run,
    candidates: Sequence[Candidate],
    mode: str = "install",
    files: Mapping[str, Path] | None = None,
    extra: Sequence[Sequence[Finding]] | None = None,
) -> Verdict:
    """Run the rules on every candidate and let the policy judge the findings.

    ``extra`` holds findings made outside the engine (audit's local checks),
    one sequence per candidate, in the same order.
    """
    ctx = _context(run, mode, files)
    today = run.settings.now.date()
    packages = []
    notes = list(run.notes)
    for position, candidate in enumerate(candidates):
        project = run.projects.get(candidate.name) if candidate.source is Source.INDEX else None
        if candidate.source in {Source.URL, Source.VCS}:
            project = run.projects.get(candidate.name)
        if candidate.name in run.failed_lookups:
            findings = [
                Finding(
                    NETWORK_ERROR,
                    f"could not look {candidate.name} up, so it is not vetted: "
                    f"{run.failed_lookups[candidate.name]}",
                    remedy="retry when the index answers; the policy lets this through",
                    forced=Action.WARN,
                )
            ]
        else:
            findings = evaluate(candidate, project, ctx)
        if extra is not None:
            findings = [*findings, *extra[position]]
        judged, more = policy.judge(run.settings.policy, candidate, findings, today)
        notes.extend(n for n in more if n not in notes)
        packages.append(PackageVerdict(candidate, project, tuple(judged)))
    return Verdict(tuple(packages), tuple(notes))


# --- before resolution: direct references --------------------------------------


def _direct_reference_verdict(run: Run) -> Verdict | None:
    refs = direct_references(run.settings.pip_args)
    if not refs:
        return None
    candidates = []
    for ref in refs:
        name = ref.name or canonicalize_name(ref.url.rsplit("/", 1)[-1].split("#")[0][:60] or "url")
        source = Source.VCS if ref.url.startswith(("git+", "hg+", "svn+", "bzr+")) else Source.URL
        filename = ref.url.split("#")[0].rsplit("/", 1)[-1] if source is Source.URL else ""
        candidates.append(
            Candidate(name, Version("0"), source, ref.url, filename, None, requested=True)
        )
    verdict = judge_all(run, candidates)
    return verdict if any(p.action is Action.BLOCK for p in verdict.packages) else None


# --- resolution with pre-vetting -------------------------------------------------


def _matching_releases(project: Project, req: Requirement, pre: bool) -> list[Release]:
    out = []
    for version, release in project.releases.items():
        if not release.files or release.yanked:
            continue
        if not req.specifier.contains(version, prereleases=pre or None):
            continue
        out.append(release)
    return sorted(out, key=lambda r: r.version, reverse=True)


def _synthetic(name: NormalizedName, release: Release, info: FileInfo) -> Candidate:
    return Candidate(
        name=name,
        version=release.version,
        source=Source.INDEX,
        url=info.url,
        filename=info.filename,
        sha256=info.sha256,
        requested=False,
    )


def _pre_vet(run: Run, req: Requirement, cutoff: datetime | None) -> tuple[Candidate, str]:
    """Work out why pip found no wheel for ``req``; return what to judge and why.

    The reason is "missing" (not on PyPI), "source" (only an sdist before the
    cut-off) or "cutoff" (only releases newer than the cut-off match).
    """
    name = canonicalize_name(req.name)
    lookup_with_targets(run, [name])
    project = run.projects.get(name)
    if project is None:
        if name in run.failed_lookups:
            raise IndexError_(f"could not look up {name}: {run.failed_lookups[name]}")
        return Candidate(name, Version("0"), Source.INDEX, "", "", None, requested=True), "missing"
    pre = run.settings.pip_args.has("--pre")
    matching = _matching_releases(project, req, pre)
    if not matching:
        raise ResolveError(f"no release of {project.display_name} matches {req}")
    older = [r for r in matching if cutoff is None or (r.upload_time and r.upload_time < cutoff)]
    for release in older:
        sdists = [
            f for f in release.files if f.packagetype == "sdist" or f.filename.endswith(".tar.gz")
        ]
        if sdists:
            return _synthetic(name, release, sdists[0]), "source"
    if cutoff is not None and len(older) < len(matching):
        newest = matching[0]
        wheels = [f for f in newest.files if f.filename.endswith(".whl")]
        info = wheels[0] if wheels else newest.files[0]
        return _synthetic(name, newest, info), "cutoff"
    raise ResolveError(
        f"pip found no installable file of {project.display_name} for {req} "
        "(no compatible wheel, and no sdist to build)"
    )


def _vet_sdists(run: Run, sdists: Sequence[Candidate], cutoff: datetime | None) -> Verdict | None:
    """Vet sdists that passed on metadata before pip may build them; a verdict if
    that blocks.

    The sdists are fetched (hash-checked) and judged again with their contents
    (the static scan reads setup.py and any in-tree backend, running nothing).
    Then their build requirements, read from their ``pyproject.toml``, are
    resolved wheels only and judged like any package; what passes is pinned
    for the build environment with ``--build-constraint``.
    """
    if not sdists:
        return None
    if run.fetch is None:
        raise GuardError("cannot vet build requirements without fetching the sdists")
    wanted = [artifacts.Wanted(c.url, c.sha256, c.filename) for c in sdists if c.sha256 and c.url]
    if len(wanted) != len(sdists):
        missing = ", ".join(c.filename for c in sdists if not (c.sha256 and c.url))
        raise GuardError(f"no URL or sha256 is known for {missing}; cannot vet its build")
    files = run.fetch(wanted)
    scanned = judge_all(run, sdists, files=files)
    if scanned.decision is Decision.BLOCK:
        return scanned
    requires: dict[str, list[str]] = {}
    for c in sdists:
        for text in buildreqs.build_requirements(files[c.filename]):
            requires.setdefault(text, []).append(str(c.name))
    if not requires:
        return None
    builders = ", ".join(sorted({name for names in requires.values() for name in names}))
    why = f"these are the build requirements of {builders}"
    args = [*run.settings.pip_args.install_args(keep_index=True), *sorted(requires)]
    for _ in range(3):
        dry = resolve.run_dry_run(
            run.settings.target_python,
            args,
            [],
            cutoff,
            run.settings.env,
            ignore_installed=True,
            pip=run.pip,
        )
        if dry.ok:
            break
        if dry.upload_time_unsupported:
            cutoff = None
            continue
        # As for the requirements themselves: judge what pip found no wheel for.
        early = [_pre_vet(run, req, cutoff) for req in dry.missing]
        verdict = judge_all(run, [c for c, _ in early])
        if verdict.decision is Decision.BLOCK:
            return replace(verdict, notes=(*verdict.notes, why))
        if any(reason != "cutoff" for _, reason in early) or cutoff is None:
            names = ", ".join(str(r) for r in dry.missing)
            raise ResolveError(
                f"the build requirements of {builders} ({names}) cannot all be had as "
                "wheels; safepip does not build build tools from source"
            )
        cutoff = None
    else:
        raise ResolveError(f"the build requirements of {builders} did not resolve")
    candidates = [c for c in dry.candidates if c.source is Source.INDEX]
    lookup_with_targets(run, [c.name for c in candidates])
    verdict = judge_all(run, candidates)
    pins = ", ".join(f"{c.name}=={c.version}" for c in candidates)
    if verdict.decision is Decision.BLOCK:
        return replace(verdict, notes=(*verdict.notes, why))
    run.build_pins.update({c.name: c.version for c in candidates})
    run.notes.append(f"build requirements of {builders}, vetted and pinned for the build: {pins}")
    return None


def _resolve(run: Run) -> tuple[list[Candidate], Verdict | None]:
    """Resolve like pip; return the candidates, or a blocking verdict reached first."""
    settings = run.settings
    user_args = settings.pip_args.resolution_args()
    min_age = run.settings.policy.thresholds.get("new-release", {}).get("min-age-days", 7)
    cutoff: datetime | None = None
    if (
        isinstance(min_age, int | float)
        and min_age > 0
        and settings.policy.action("new-release") is not Action.IGNORE
    ):
        cutoff = settings.now - timedelta(days=float(min_age))
    source_ok: set[NormalizedName] = set()
    no_binary, no_binary_all = settings.pip_args.no_binary_names()
    seen: set[tuple[str, ...]] = set()
    for _ in range(MAX_RESOLUTION_ROUNDS):
        if run.progress:
            run.progress("resolving", 0, 0)
        dry = resolve.run_dry_run(
            settings.target_python,
            user_args,
            sorted(source_ok),
            cutoff,
            settings.env,
            build_constraint=run.build_constraint(),
            pip=run.pip,
        )
        if dry.upload_time_unsupported:
            run.notes.append(
                "the index does not publish upload times, so pip could not prefer older "
                "releases; new-release judges the chosen files instead"
            )
            cutoff = None
            continue
        if dry.ok:
            wanted_source = [
                c
                for c in dry.candidates
                if c.source is Source.INDEX
                and c.is_wheel
                and c.name not in source_ok
                and (no_binary_all or c.name in no_binary)
            ]
            if not wanted_source:
                return list(dry.candidates), None
            to_judge = []
            lookup(run, [c.name for c in wanted_source])
            for c in wanted_source:
                project = run.projects.get(c.name)
                release = project.releases.get(c.version) if project else None
                sdists = [f for f in release.files if f.packagetype == "sdist"] if release else []
                if not sdists or project is None or release is None:
                    raise ResolveError(
                        f"{c.name} {c.version} has no sdist to build, as --no-binary asks"
                    )
                to_judge.append(_synthetic(c.name, release, sdists[0]))
            blocked = judge_all(run, to_judge)
            if any(p.action is Action.BLOCK for p in blocked.packages):
                return [], blocked
            blocked_build = _vet_sdists(run, to_judge, cutoff)
            if blocked_build is not None:
                return [], blocked_build
            source_ok.update(c.name for c in to_judge)
            continue
        key = tuple(sorted(str(r) for r in dry.missing)) + (str(cutoff), *sorted(source_ok))
        if key in seen:
            raise ResolveError(
                "pip could not resolve the requirements:\n" + dry.stderr.strip()[-3000:]
            )
        seen.add(key)
        judged: list[Candidate] = []
        reasons: dict[NormalizedName, str] = {}
        for req in dry.missing:
            candidate, reason = _pre_vet(run, req, cutoff)
            judged.append(candidate)
            reasons[candidate.name] = reason
        verdict = judge_all(run, judged)
        if any(p.action is Action.BLOCK for p in verdict.packages):
            return [], verdict
        to_build = [c for c in judged if reasons[c.name] == "source"]
        blocked_build = _vet_sdists(run, to_build, cutoff)
        if blocked_build is not None:
            return [], blocked_build
        for name, reason in reasons.items():
            if reason == "source":
                source_ok.add(name)
            elif reason == "cutoff" and cutoff is not None:
                run.notes.append(
                    f"{name} has no release older than the new-release cut-off that fits "
                    "the requirements, so pip may take a newer one"
                )
                cutoff = None
    raise ResolveError("resolution did not settle; simplify the requirements and retry")


def _note_newer_skipped(run: Run, candidates: Sequence[Candidate]) -> None:
    """Say where the cut-off made pip pick an older release than the newest."""
    for c in candidates:
        project = run.projects.get(c.name)
        if project is None or c.source is not Source.INDEX or not c.requested:
            continue
        newer = [
            v
            for v, r in project.releases.items()
            if v > c.version and not v.is_prerelease and r.files and not r.yanked
        ]
        if newer:
            newest = max(newer)
            run.notes.append(
                f"{c.name}: picked {c.version}; {newest} is newer than the policy's "
                "new-release cut-off (or does not fit the requirements)"
            )


def _refresh_stale(run: Run, candidates: Sequence[Candidate]) -> None:
    """Re-fetch projects whose cached answer does not list the file pip chose."""
    stale = [
        c.name
        for c in candidates
        if c.source is Source.INDEX
        and (p := run.projects.get(c.name)) is not None
        and p.file(c.filename) is None
    ]
    if stale:
        lookup(run, stale, revalidate=True)


def _version_vulnerabilities(run: Run, candidates: Sequence[Candidate]) -> None:
    todo = []
    for c in candidates:
        project = run.projects.get(c.name)
        if project is not None and project.vulnerabilities_for(c.version) is None:
            todo.append((c, project))
    if not todo:
        return

    def one(item: tuple[Candidate, Project]) -> tuple[NormalizedName, Project]:
        c, project = item
        vulns = run.client.version_vulnerabilities(c.name, c.version)
        if vulns is None:
            return c.name, project
        merged = dict(project.version_vulnerabilities)
        merged[c.version] = vulns
        return c.name, replace(project, version_vulnerabilities=merged)

    with ThreadPoolExecutor(max_workers=min(16, len(todo))) as pool:
        for name, project in pool.map(one, todo):
            run.projects[name] = project


def _pins(run: Run, candidates: Sequence[Candidate]) -> dict[str, artifacts.Wanted]:
    """The file to fetch for each candidate, with the hash it must have.

    The JSON API's sha256 is the vetted one; a file whose index hash disagrees
    is not fetched (artifact-mismatch blocks it), nor one with no hash at all.
    """
    pins: dict[str, artifacts.Wanted] = {}
    for c in candidates:
        if c.source not in {Source.INDEX, Source.URL} or not c.filename:
            continue
        project = run.projects.get(c.name)
        info = project.file(c.filename) if project and c.source is Source.INDEX else None
        sha = info.sha256 if info else c.sha256
        if not sha or (c.sha256 and sha != c.sha256):
            continue
        pins[c.filename] = artifacts.Wanted(c.url, sha, c.filename)
    return pins


def vet(
    settings: Settings,
    client: PyPIClient,
    fetch: Fetch,
    progress: Progress | None = None,
    pip: resolve.PipRun | None = None,
) -> Outcome:
    """Work out what pip would install, fetch and check its files, judge all of it.

    Installs nothing; no package code runs except sdists the policy allowed to be
    built while pip resolves. ``pip`` runs the dry runs (a PipWorker's
    ``capture``); without it each runs in a process of its own.
    """
    with tempfile.TemporaryDirectory(prefix="safepip-vet-") as workdir:
        run = Run(settings, client, progress, fetch=fetch, workdir=Path(workdir), pip=pip)
        try:
            return _vet(run, fetch)
        finally:
            run.remember()


def _prepare_rules() -> None:
    try:
        rules.prepare()
    except Exception:  # noqa: BLE001 - it fails again, and blocks, when the rule runs
        return


def _vet(run: Run, fetch: Fetch) -> Outcome:
    # Load the rules' data while pip resolves (pip runs in another process).
    threading.Thread(target=_prepare_rules, daemon=True).start()
    progress = run.progress
    # Look up what was asked for, and its likely dependencies, while pip resolves.
    ahead = prefetch.Prefetch(run.client, prefetch.requested_names(run.settings.pip_args))
    try:
        early = _direct_reference_verdict(run)
        if early is not None:
            return Outcome(early, (), partial=True)
        candidates, blocked = _resolve(run)
    finally:
        run.prefetched = ahead.stop()
    if blocked is not None:
        return Outcome(blocked, (), partial=True)
    lookup_with_targets(run, [c.name for c in candidates if c.source is not Source.LOCAL])
    _refresh_stale(run, candidates)
    _version_vulnerabilities(run, candidates)
    _note_newer_skipped(run, candidates)
    verdict = judge_all(run, candidates)
    if verdict.decision is Decision.BLOCK:
        # Already blocked on metadata: no need to download anything.
        return Outcome(verdict, tuple(candidates))
    pins = _pins(run, candidates)
    if progress:
        progress("fetching", 0, len(pins))
    files = fetch(list(pins.values()))
    verdict = judge_all(run, candidates, files=files)
    return Outcome(
        verdict,
        tuple(candidates),
        files=files,
        pins={name: want.sha256 for name, want in pins.items()},
        build_pins=dict(run.build_pins),
    )


def install_vetted(settings: Settings, outcome: Outcome, pip: PipWorker) -> None:
    """Install exactly the fetched, checked files, pinned by their hashes, with
    ``pip`` (the worker that resolved them, under ``settings.target_python``)."""
    if outcome.partial or outcome.verdict.decision.exit_code != 0:
        raise GuardError("refusing to install a set that was not allowed")
    pinned: list[install.Pinned] = []
    unhashed: list[Candidate] = []
    for c in outcome.candidates:
        if c.source in {Source.LOCAL, Source.VCS}:
            unhashed.append(c)
            continue
        sha = outcome.pins.get(c.filename)
        if not sha or c.filename not in outcome.files:
            raise GuardError(f"{c.name}: {c.filename} was not fetched and checked; cannot pin it")
        pinned.append(install.Pinned(c, sha))
    any_build = any(p.candidate.needs_build for p in pinned)
    with tempfile.TemporaryDirectory(prefix="safepip-") as tmp:
        house = Path(tmp) / "vetted"
        artifacts.place(
            {p.candidate.filename: outcome.files[p.candidate.filename] for p in pinned}, house
        )
        options = settings.pip_args.install_args(keep_index=any_build or bool(unhashed))
        if outcome.build_pins:
            constraint = install.write_constraints(
                outcome.build_pins, Path(tmp) / "build-constraints.txt"
            )
            options = [*options, "--build-constraint", str(constraint)]
        install.install(pip, pinned, unhashed, house, options, offline=not any_build)
