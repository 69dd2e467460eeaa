"""Why pip found no wheel for a requirement, and what to judge instead.

The reason is ``Why.MISSING`` (not on the index), ``Why.SOURCE`` (only an sdist
before the cut-off) or ``Why.CUTOFF`` (only releases newer than the cut-off match);
the candidate is the file that would be used, judged on its index metadata before
pip may build it or take a newer release.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.errors import IndexError_, Uninstallable
from guard.models import Candidate, FileInfo, Project, Release, Source
from guard.vet.model import Ledger
from guard.vet.target import Target
from guard.vet.tools import Tools


class Why(enum.Enum):
    MISSING = "missing"
    SOURCE = "source"
    CUTOFF = "cutoff"


@dataclass(frozen=True)
class Explained:
    candidate: Candidate
    why: Why


def synthetic(name: NormalizedName, release: Release, info: FileInfo) -> Candidate:
    """A candidate for one file of a release, as pip would have reported it."""
    return Candidate(
        name=name,
        version=release.version,
        source=Source.INDEX,
        url=info.url,
        filename=info.filename,
        sha256=info.sha256,
        requested=False,
    )


def matching_releases(
    project: Project, req: Requirement, pre: bool, target: Target | None = None
) -> list[Release]:
    """The releases with files that ``req`` accepts (and whose ``Requires-Python``
    lets the target in), newest first."""
    here = target or Target()
    out = [
        release
        for version, release in project.releases.items()
        if release.files
        and not release.yanked
        and req.specifier.contains(version, prereleases=pre or None)
        and here.requires_python(release) is None
    ]
    return sorted(out, key=lambda r: r.version, reverse=True)


def _older(releases: Sequence[Release], cutoff: datetime | None) -> list[Release]:
    return [r for r in releases if cutoff is None or (r.upload_time and r.upload_time < cutoff)]


def _too_new(
    name: NormalizedName, matching: Sequence[Release], cutoff: datetime | None, target: Target
) -> Explained | None:
    """The newest matching release, when every matching one is newer than the cut-off."""
    if cutoff is None or not matching or _older(matching, cutoff):
        return None
    newest = matching[0]
    info = target.file(newest) or newest.files[0]
    return Explained(synthetic(name, newest, info), Why.CUTOFF)


def _first_sdist(releases: Sequence[Release]) -> tuple[Release, FileInfo] | None:
    for release in releases:
        for f in release.files:
            if f.packagetype == "sdist" or f.filename.endswith(".tar.gz"):
                return release, f
    return None


def explain_release(
    name: NormalizedName,
    project: Project,
    req: Requirement,
    pre: bool,
    cutoff: datetime | None,
    target: Target | None = None,
) -> Explained:
    """Why pip found no wheel of ``project`` (named ``name``) for ``req``, from its
    releases."""
    here = target or Target()
    matching = matching_releases(project, req, pre, here)
    if not matching:
        if not any(release.files for release in project.releases.values()):
            raise Uninstallable(
                name,
                f"{project.display_name} has no file to install: none of its "
                f"{len(project.releases)} release(s) lists a file on the index",
            )
        raise Uninstallable(name, f"no release of {project.display_name} matches {req} here")
    older = _older(matching, cutoff)
    sdist = _first_sdist(older)
    if sdist is not None:
        return Explained(synthetic(name, *sdist), Why.SOURCE)
    if cutoff is not None and len(older) < len(matching):
        newest = [r for r in matching if r not in older]
        info = here.file(newest[0]) or newest[0].files[0]
        return Explained(synthetic(name, newest[0], info), Why.CUTOFF)
    raise Uninstallable(
        name,
        f"pip found no installable file of {project.display_name} for {req} "
        "(no compatible wheel, and no sdist to build)",
    )


def explain(
    tools: Tools,
    ledger: Ledger,
    req: Requirement,
    cutoff: datetime | None,
    target: Target | None = None,
) -> tuple[Ledger, Explained]:
    """Look ``req``'s project up and work out why pip found no wheel for it."""
    name = canonicalize_name(req.name)
    known = tools.lookup.with_targets(ledger.known, [name])
    ledger = ledger.knowing(known)
    project = known.get(name)
    if project is None:
        if name in known.failed:
            raise IndexError_(f"could not look up {name}: {known.failed[name]}")
        missing = Candidate(name, Version("0"), Source.INDEX, "", "", None, requested=True)
        return ledger, Explained(missing, Why.MISSING)
    pre = tools.request.pip_args.has("--pre")
    return ledger, explain_release(name, project, req, pre, cutoff, target)


def explain_all(
    tools: Tools,
    ledger: Ledger,
    reqs: Sequence[Requirement],
    cutoff: datetime | None,
    target: Target | None = None,
) -> tuple[Ledger, list[Explained]]:
    out = []
    for req in reqs:
        ledger, explained = explain(tools, ledger, req, cutoff, target)
        out.append(explained)
    return ledger, out


def too_new_asked(
    tools: Tools,
    ledger: Ledger,
    reqs: Sequence[Requirement],
    cutoff: datetime | None,
    target: Target,
) -> tuple[Ledger, list[Explained]]:
    """The user's requirements that only releases newer than the cut-off match
    (pip stops at the first one; the others are found here, in the same run)."""
    names = [canonicalize_name(r.name) for r in reqs]
    ledger = ledger.knowing(tools.lookup.with_targets(ledger.known, names))
    pre = tools.request.pip_args.has("--pre")
    out = []
    for name, req in zip(names, reqs, strict=True):
        project = ledger.known.get(name)
        if project is None:
            continue
        found = _too_new(name, matching_releases(project, req, pre, target), cutoff, target)
        if found is not None:
            out.append(found)
    return ledger, out
