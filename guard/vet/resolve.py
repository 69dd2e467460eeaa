"""Resolving like pip, wheels only, before a cut-off, with pre-vetting.

pip resolves wheels only, before a cut-off (``--uploaded-prior-to``, from the
policy's ``new-release`` age). A requirement pip finds no file for is explained
(``guard.vet.missing``) and judged on its index metadata first; an sdist that
passes is vetted with its build requirements (``guard.vet.sdists``). Only then may
pip build it (it is named in ``--no-binary``, its build requirements pinned with
``--build-constraint``), or take a release newer than the cut-off.

``check`` (``Request.build`` False) builds nothing: an sdist that passed is
offered to pip as a stand-in wheel carrying only its static metadata
(``guard.vet.stubs``), and ``install`` first vets a local project's build
requirements (read from its pyproject.toml) and pins them for its build.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.analysis import build_requirements as buildreqs
from guard.errors import BuildFailed, ResolveError, Uninstallable
from guard.models import Action, Candidate, Source, Verdict
from guard.pip import install
from guard.pip import resolve as pip_resolve
from guard.pip.args import PipArgs
from guard.pip.diagnose import chain, pip_error
from guard.pip.resolve import Asked
from guard.policy.model import Policy
from guard.vet import missing, stubs
from guard.vet.judge import blocks
from guard.vet.local import vet_local_builds
from guard.vet.missing import Why
from guard.vet.model import Known, Ledger
from guard.vet.picked import Picking, notes
from guard.vet.sdists import Checked, vet_sdists
from guard.vet.target import Target
from guard.vet.tools import Tools

MAX_RESOLUTION_ROUNDS = 12
NO_UPLOAD_TIMES = (
    "the index does not publish upload times, so pip could not prefer older "
    "releases; new-release judges the chosen files instead"
)


@dataclass(frozen=True)
class Resolved:
    """The candidates pip would install, or the verdict that blocked first."""

    ledger: Ledger
    candidates: tuple[Candidate, ...] = ()
    blocked: Verdict | None = None
    picking: Picking | None = None  # what the notes on the picked versions judge by
    failed: str = ""  # a build pip ran after vetting failed: what it said (blocked holds
    # the verdict on what was vetted to be built)


@dataclass(frozen=True)
class _Round:
    """Where resolution stands before a dry run."""

    cutoff: datetime | None
    source_ok: frozenset[NormalizedName] = frozenset()  # vetted to be built from source
    seen: frozenset[tuple[str, ...]] = frozenset()  # failures already judged
    asked: tuple[Asked, ...] = ()  # the user's requirements and constraints
    # check: the sdists offered to pip as stand-in wheels (guard.vet.stubs)
    stubs: Mapping[NormalizedName, Candidate] = field(default_factory=dict)
    # install: the sdists vetted to be built, and their verified copies
    sources: Mapping[NormalizedName, Candidate] = field(default_factory=dict)
    source_files: Mapping[str, Path] = field(default_factory=dict)

    def building(self, sdists: Sequence[Candidate], files: Mapping[str, Path]) -> _Round:
        """This round, with ``sdists`` vetted to be built."""
        return replace(
            self,
            source_ok=self.source_ok | {c.name for c in sdists},
            sources={**self.sources, **{c.name: c for c in sdists}},
            source_files={**self.source_files, **files},
        )

    def key(self, dry: pip_resolve.DryRun) -> tuple[str, ...]:
        return tuple(sorted(str(r) for r in dry.missing)) + (
            str(self.cutoff),
            *sorted(self.source_ok),
            *sorted(self.stubs),
        )


_Next = Resolved | tuple[Ledger, _Round]


def cutoff_for(policy: Policy, now: datetime) -> datetime | None:
    """The upload-time cut-off of the policy's ``new-release`` rule, if it applies."""
    min_age = policy.number("new-release", "min-age-days")
    if min_age > 0 and policy.action("new-release") is not Action.IGNORE:
        return now - timedelta(days=float(min_age))
    return None


def build_constraint(pins: Mapping[NormalizedName, Version], workdir: Path) -> Path | None:
    """The constraints file pinning the vetted build requirements (None: none yet)."""
    if not pins:
        return None
    return install.write_constraints(pins, workdir / "build-constraints.txt")


def resolve(tools: Tools, ledger: Ledger) -> Resolved:
    """Resolve like pip; the candidates, or a blocking verdict reached first."""
    asked = tuple(pip_resolve.user_requirements(tools.request.pip_args))
    state = _Round(cutoff_for(tools.request.policy, tools.now), asked=asked)
    user_args = tools.request.pip_args.resolution_args()
    # A local project is built as pip resolves it: vet its build requirements first.
    local = vet_local_builds(tools, ledger, state.cutoff)
    if local.blocked is not None:
        return Resolved(local.ledger, blocked=local.blocked)
    ledger = local.ledger
    if tools.request.local_projects and not _asks_for_anything(tools.request.pip_args):
        return Resolved(ledger)  # check of a local project only a build could read
    for _ in range(MAX_RESOLUTION_ROUNDS):
        tools.show("resolving")
        links = ["--find-links", str(tools.workdir / stubs.STUB_DIR)] if state.stubs else []
        try:
            dry = pip_resolve.run_dry_run(
                tools.request.target_python,
                [*user_args, *links],
                sorted(state.source_ok),
                state.cutoff,
                build_constraint=build_constraint(ledger.build_pins, tools.workdir),
                pip=tools.pip.capture,
            )
        except BuildFailed as failed:
            return _build_failed(tools, ledger, state, failed)
        step = _after(tools, ledger, state, dry)
        if isinstance(step, Resolved):
            if step.blocked is not None:
                return step
            target = Target(step.ledger.environment)
            return replace(step, picking=Picking(asked, target, state.cutoff, tools.now))
        ledger, state = step
    raise ResolveError("resolution did not settle; simplify the requirements and retry")


_REQUIRING = ("--requirement", "--editable", "--group", "--requirements-from-script")


def _asks_for_anything(args: PipArgs) -> bool:
    """True when the arguments name something for pip to resolve."""
    return bool(args.positionals) or any(args.has(option) for option in _REQUIRING)


def _asked_names(state: _Round) -> set[NormalizedName]:
    """The names the user asked for (command line and requirement files)."""
    return {
        canonicalize_name(a.requirement.name)
        for a in state.asked
        if a.origin.startswith("your requirement")
    }


def _uninstallable(tools: Tools, ledger: Ledger, state: _Round, failed: Uninstallable) -> Resolved:
    """The index has the project but no file pip could install: the verdict on
    the project (its newest release), and why resolution cannot go on."""
    name = canonicalize_name(failed.name)
    ledger = ledger.knowing(tools.lookup.with_targets(ledger.known, [name]))
    project = ledger.known.get(name)
    latest = project.latest_version if project is not None else None
    asked = name in _asked_names(state)
    c = Candidate(name, latest or Version("0"), Source.INDEX, "", "", None, requested=asked)
    return Resolved(
        ledger, blocked=tools.judge.verdict(ledger.known, [c], ledger.notes), failed=str(failed)
    )


def _build_failed(tools: Tools, ledger: Ledger, state: _Round, failed: BuildFailed) -> Resolved:
    """A build pip ran after vetting failed: the verdict on the sdists vetted to be
    built, with what the build said (without such sdists, the error itself)."""
    if not state.sources:
        raise failed
    asked = _asked_names(state)
    sdists = [replace(c, requested=c.name in asked) for c in state.sources.values()]
    hashes = {c.filename: c.sha256 for c in sdists if c.sha256}
    verdict = tools.judge.verdict(
        ledger.known, sdists, ledger.notes, files=state.source_files, hashes=hashes
    )
    return Resolved(ledger, blocked=verdict, failed=str(failed))


def _after(tools: Tools, ledger: Ledger, state: _Round, dry: pip_resolve.DryRun) -> _Next:
    if dry.upload_time_unsupported:
        return ledger.noted(NO_UPLOAD_TIMES), replace(state, cutoff=None)
    if dry.ok:
        candidates = stubs.unstub(dry.candidates, state.stubs)
        return _build_asked(tools, ledger.seeing(dry.environment), state, candidates)
    return _judge_missing(tools, ledger, state, dry)


def _sdist_of(known: Known, c: Candidate) -> Candidate:
    project = known.get(c.name)
    release = project.releases.get(c.version) if project else None
    sdists = [f for f in release.files if f.packagetype == "sdist"] if release else []
    if not sdists or project is None or release is None:
        raise ResolveError(f"{c.name} {c.version} has no sdist to build, as --no-binary asks")
    return missing.synthetic(c.name, release, sdists[0])


def _no_binary(
    pip_args: PipArgs, candidates: Sequence[Candidate], source_ok: frozenset[NormalizedName]
) -> list[Candidate]:
    """The wheels pip chose of projects ``--no-binary`` names, not yet vetted as sdists."""
    names, every = pip_args.no_binary_names()
    return [
        c
        for c in candidates
        if c.source is Source.INDEX
        and c.is_wheel
        and c.name not in source_ok
        and (every or c.name in names)
    ]


def _build_asked(
    tools: Tools, ledger: Ledger, state: _Round, candidates: Sequence[Candidate]
) -> _Next:
    """pip resolved; the wheels it chose of projects ``--no-binary`` names are
    replaced by their sdists, vetted first."""
    wanted = _no_binary(tools.request.pip_args, candidates, state.source_ok)
    if not wanted:
        return Resolved(ledger, tuple(candidates))
    ledger = ledger.knowing(tools.lookup.names(ledger.known, [c.name for c in wanted]))
    to_build = [_sdist_of(ledger.known, c) for c in wanted]
    verdict = tools.judge.verdict(ledger.known, to_build, ledger.notes)
    if blocks(verdict):
        return Resolved(ledger, blocked=verdict)
    built = vet_sdists(tools, ledger, to_build, state.cutoff)
    if built.blocked is not None:
        return Resolved(built.ledger, blocked=built.blocked)
    if not tools.request.build:
        # check: the sdists replace the wheels pip chose, and nothing is built.
        ledger = built.ledger.noted(*_metadata_notes(to_build, built.files))
        sdists = {c.name: c for c in to_build}
        chosen = [
            replace(sdists[c.name], requested=c.requested) if c in wanted else c for c in candidates
        ]
        return Resolved(ledger, tuple(chosen))
    return built.ledger, state.building(to_build, built.files)


def _metadata_notes(sdists: Sequence[Candidate], files: Mapping[str, Path]) -> list[str]:
    """What check says of each sdist's dependencies, which it does not build."""
    out = []
    for c in sdists:
        meta = buildreqs.sdist_metadata(files[c.filename])
        out.append(
            stubs.static_note(c.name) if meta.static else stubs.dynamic_note(c.name, meta.why)
        )
    return out


def _stubbed(
    tools: Tools,
    ledger: Ledger,
    state: _Round,
    sdists: Sequence[Candidate],
    files: Mapping[str, Path],
) -> tuple[Ledger, _Round]:
    """check: offer each sdist to pip as a stand-in wheel of its static metadata."""
    folder = tools.workdir / stubs.STUB_DIR
    for c in sdists:
        meta = buildreqs.sdist_metadata(files[c.filename])
        stubs.write_stub(folder, c, meta)
    ledger = ledger.noted(*_metadata_notes(sdists, files))
    return ledger, replace(state, stubs={**state.stubs, **{c.name: c for c in sdists}})


def _judge_missing(tools: Tools, ledger: Ledger, state: _Round, dry: pip_resolve.DryRun) -> _Next:
    """pip found no wheel for some requirements: judge what would be used instead."""
    key = state.key(dry)
    if key in state.seen:
        raise ResolveError("pip could not resolve the requirements:\n" + pip_error(dry.stderr))
    state = replace(state, seen=state.seen | {key})
    ledger = _knowing_target(tools, ledger)
    try:
        ledger, explained = _explain(tools, ledger, state, dry)
    except Uninstallable as failed:
        return _uninstallable(tools, ledger, state, failed)
    reasons = {e.candidate.name: e.why for e in explained}
    judged = [e.candidate for e in explained]
    verdict = tools.judge.verdict(ledger.known, judged, ledger.notes)
    if blocks(verdict):
        return Resolved(ledger, blocked=verdict)
    to_build = [c for c in judged if reasons[c.name] is Why.SOURCE]
    built: Checked = vet_sdists(tools, ledger, to_build, state.cutoff)
    if built.blocked is not None:
        return Resolved(built.ledger, blocked=built.blocked)
    ledger = built.ledger
    if not tools.request.build:
        ledger, state = _stubbed(tools, ledger, state, to_build, built.files)
        reasons = {name: why for name, why in reasons.items() if why is not Why.SOURCE}
    else:
        state = state.building(to_build, built.files)
    return _allow(ledger, state, reasons)


def _knowing_target(tools: Tools, ledger: Ledger) -> Ledger:
    """The ledger with the target's environment (``pip inspect`` once if needed)."""
    if ledger.environment:
        return ledger
    return ledger.seeing(
        pip_resolve.target_environment(tools.request.target_python, tools.pip.capture)
    )


def _explain(
    tools: Tools, ledger: Ledger, state: _Round, dry: pip_resolve.DryRun
) -> tuple[Ledger, list[missing.Explained]]:
    """Why pip found no wheel for what it names, every other requirement of the
    user's that only too-new releases match (pip names the first only), and the
    chain that pulls each in."""
    target = Target(ledger.environment)
    ledger, explained = missing.explain_all(tools, ledger, dry.missing, state.cutoff, target)
    if any(e.why is Why.CUTOFF for e in explained):
        named = {e.candidate.name for e in explained}
        others = [
            a.requirement
            for a in state.asked
            if a.origin == "your requirement" and canonicalize_name(a.requirement.name) not in named
        ]
        ledger, more = missing.too_new_asked(tools, ledger, others, state.cutoff, target)
        explained += more
    return ledger.noted(*_chains(explained, dry.parents)), explained


def _chains(
    explained: Sequence[missing.Explained], parents: Mapping[NormalizedName, Sequence[str]]
) -> list[str]:
    notes = []
    for e in explained:
        pulled = chain(e.candidate.name, parents)
        if pulled:
            path = " -> ".join([*reversed(pulled), e.candidate.name])
            whole = f" ({path})" if len(pulled) > 1 else ""
            notes.append(f"{e.candidate.name} is pulled in by {pulled[0]}{whole}")
    return notes


def _allow(ledger: Ledger, state: _Round, reasons: Mapping[NormalizedName, Why]) -> _Next:
    """Let pip build what was vetted for it, and drop the cut-off where needed."""
    cutoff = state.cutoff
    notes = []
    for name, why in reasons.items():
        if why is Why.CUTOFF and cutoff is not None:
            notes.append(
                f"{name} has no release older than the new-release cut-off that fits "
                "the requirements, so pip may take a newer one"
            )
            cutoff = None
    source_ok = state.source_ok | {name for name, why in reasons.items() if why is Why.SOURCE}
    return ledger.noted(*notes), replace(state, cutoff=cutoff, source_ok=source_ok)


def newer_skipped(known: Known, resolved: Resolved) -> list[str]:
    """Notes on why a package was picked below its newest release (the cut-off
    only where it decided)."""
    if resolved.picking is None:
        return []
    return notes(known, resolved.candidates, resolved.picking)
