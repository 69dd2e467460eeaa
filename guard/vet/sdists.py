"""Vetting sdists before pip may build them, and their build requirements.

An sdist that passed on its index metadata is fetched (hash-checked) and judged
again with its contents (the static scan reads setup.py and any in-tree backend,
running nothing). Its build requirements, read from its ``pyproject.toml``, are
resolved wheels only and judged like any package; what passes is pinned for the
build environment (``Ledger.build_pins``, given to pip as ``--build-constraint``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from guard.analysis import build_requirements as buildreqs
from guard.errors import GuardError, ResolveError
from guard.index.artifacts import Wanted
from guard.models import Candidate, Decision, Source, Verdict
from guard.pip import resolve as pip_resolve
from guard.vet import missing
from guard.vet.model import Fetch, Ledger
from guard.vet.tools import Tools

BUILD_RESOLUTION_ROUNDS = 3


@dataclass(frozen=True)
class Checked:
    """What a step learnt, and the verdict when it blocked."""

    ledger: Ledger
    blocked: Verdict | None = None
    files: Mapping[str, Path] = field(default_factory=dict)  # the sdists' verified copies


def _with_note(verdict: Verdict, note: str) -> Verdict:
    return replace(verdict, notes=(*verdict.notes, note))


def fetch_sdists(fetch: Fetch, sdists: Sequence[Candidate]) -> dict[str, Path]:
    """The sdists' verified local copies; every one must have a URL and a sha256."""
    wanted = [Wanted(c.url, c.sha256, c.filename) for c in sdists if c.sha256 and c.url]
    if len(wanted) != len(sdists):
        missing_hash = ", ".join(c.filename for c in sdists if not (c.sha256 and c.url))
        raise GuardError(f"no URL or sha256 is known for {missing_hash}; cannot vet its build")
    return fetch(wanted)


def build_requirements(
    sdists: Sequence[Candidate], files: Mapping[str, Path]
) -> dict[str, list[str]]:
    """{build requirement: the sdists that need it}."""
    requires: dict[str, list[str]] = {}
    for c in sdists:
        for text in buildreqs.build_requirements(files[c.filename]):
            requires.setdefault(text, []).append(str(c.name))
    return requires


def vet_sdists(
    tools: Tools, ledger: Ledger, sdists: Sequence[Candidate], cutoff: datetime | None
) -> Checked:
    """Vet sdists that passed on metadata before pip may build them."""
    if not sdists:
        return Checked(ledger)
    files = fetch_sdists(tools.fetch, sdists)
    hashes = {c.filename: c.sha256 for c in sdists if c.sha256}
    scanned = tools.judge.verdict(ledger.known, sdists, ledger.notes, files=files, hashes=hashes)
    if scanned.decision is Decision.BLOCK:
        return Checked(ledger, scanned)
    requires = build_requirements(sdists, files)
    if not requires:
        return Checked(ledger, files=files)
    return replace(vet_build_requirements(tools, ledger, requires, cutoff), files=files)


def vet_build_requirements(
    tools: Tools, ledger: Ledger, requires: Mapping[str, list[str]], cutoff: datetime | None
) -> Checked:
    builders = ", ".join(sorted({name for names in requires.values() for name in names}))
    why = f"these are the build requirements of {builders}"
    args = [*tools.request.pip_args.install_args(keep_index=True), *sorted(requires)]
    ledger, resolved = _resolve_build(tools, ledger, args, builders, cutoff)
    if isinstance(resolved, Verdict):
        return Checked(ledger, _with_note(resolved, why))
    candidates = [c for c in resolved.candidates if c.source is Source.INDEX]
    ledger = ledger.knowing(tools.lookup.with_targets(ledger.known, [c.name for c in candidates]))
    verdict = tools.judge.verdict(ledger.known, candidates, ledger.notes)
    if verdict.decision is Decision.BLOCK:
        return Checked(ledger, _with_note(verdict, why))
    pins = ", ".join(f"{c.name}=={c.version}" for c in candidates)
    ledger = ledger.pinning((c.name, c.version) for c in candidates)
    return Checked(
        ledger.noted(f"build requirements of {builders}, vetted and pinned for the build: {pins}")
    )


def _resolve_build(
    tools: Tools, ledger: Ledger, args: Sequence[str], builders: str, cutoff: datetime | None
) -> tuple[Ledger, pip_resolve.DryRun | Verdict]:
    """Resolve the build requirements, wheels only: the dry run, or the verdict
    on what pip found no wheel for when that blocks."""
    for _ in range(BUILD_RESOLUTION_ROUNDS):
        dry = pip_resolve.run_dry_run(
            tools.request.target_python,
            args,
            [],
            cutoff,
            ignore_installed=True,
            pip=tools.pip.capture,
        )
        if dry.ok:
            return ledger, dry
        if dry.upload_time_unsupported:
            cutoff = None
            continue
        # As for the requirements themselves: judge what pip found no wheel for.
        ledger, early = missing.explain_all(tools, ledger, dry.missing, cutoff)
        verdict = tools.judge.verdict(ledger.known, [e.candidate for e in early], ledger.notes)
        if verdict.decision is Decision.BLOCK:
            return ledger, verdict
        if any(e.why is not missing.Why.CUTOFF for e in early) or cutoff is None:
            names = ", ".join(str(r) for r in dry.missing)
            raise ResolveError(
                f"the build requirements of {builders} ({names}) cannot all be had as "
                "wheels; safepip does not build build tools from source"
            )
        cutoff = None
    raise ResolveError(f"the build requirements of {builders} did not resolve")
