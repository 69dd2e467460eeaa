"""Why pip picked an older release than the newest (pure): the notes a report
gives for it.

A newer release was kept out by the user's pin or a constraint (a requirement
whose specifier excludes it), by another package's requirement, by its
``Requires-Python``, by having no wheel for the target, or by the policy's
new-release cut-off. The cut-off is named only when it decided: the newer
release fits every requirement and the target, and only the upload time of the
file that would be used here kept it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.models import Candidate, Project, Release, Source
from guard.pip.resolve import Asked
from guard.rules.base import days
from guard.vet.model import Known
from guard.vet.target import Target


@dataclass(frozen=True)
class Limit:
    """One requirement on a name, and who set it."""

    requirement: Requirement
    origin: str  # "your requirement", "constraint in FILE:LINE", "required by NAME"

    @property
    def users(self) -> bool:
        """Set by the user (a requirement or a constraint), not by a package."""
        return not self.origin.startswith("required by ")


@dataclass(frozen=True)
class Picking:
    """What the notes are judged against: the user's requirements, the target
    and the cut-off of the dry run that resolved (None: there was none)."""

    asked: tuple[Asked, ...]
    target: Target
    cutoff: datetime | None
    now: datetime


def _applies(req: Requirement, env: Mapping[str, str]) -> bool:
    if req.marker is None:
        return True
    try:
        return req.marker.evaluate({**env, "extra": ""} if env else {"extra": ""})
    except ValueError:
        return True


def limits(
    asked: Sequence[Asked], candidates: Sequence[Candidate], env: Mapping[str, str]
) -> dict[NormalizedName, list[Limit]]:
    """Every requirement on each name: the user's, and those of the chosen packages."""
    out: dict[NormalizedName, list[Limit]] = {}
    for a in asked:
        out.setdefault(canonicalize_name(a.requirement.name), []).append(
            Limit(a.requirement, a.origin)
        )
    for c in candidates:
        for text in c.requires_dist:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if _applies(req, env):
                name = canonicalize_name(req.name)
                out.setdefault(name, []).append(Limit(req, f"required by {c.name}"))
    return out


def _excluding(version: Version, found: Sequence[Limit]) -> Limit | None:
    for limit in found:
        if not limit.requirement.specifier.contains(version, prereleases=True):
            return limit
    return None


def _newer(project: Project, c: Candidate) -> list[Release]:
    """Releases newer than the chosen one, newest first (pre-releases only when
    a pre-release was chosen)."""
    out = [
        r
        for v, r in project.releases.items()
        if v > c.version
        and (c.version.is_prerelease or not v.is_prerelease)
        and r.files
        and not r.yanked
    ]
    return sorted(out, key=lambda r: r.version, reverse=True)


@dataclass(frozen=True)
class _Reason:
    release: Release
    kind: str  # "limit", "python", "no-wheel", "cutoff", "" (not known)
    detail: str = ""
    limit: Limit | None = None


def _reason(release: Release, found: Sequence[Limit], picking: Picking) -> _Reason:
    limit = _excluding(release.version, found)
    if limit is not None:
        return _Reason(release, "limit", str(limit.requirement), limit)
    needs = picking.target.requires_python(release)
    if needs is not None:
        return _Reason(release, "python", needs)
    wheel = picking.target.wheel(release)
    if wheel is None:
        return _Reason(release, "no-wheel")
    uploaded = wheel.upload_time
    if picking.cutoff is not None and uploaded is not None and uploaded >= picking.cutoff:
        return _Reason(release, "cutoff", days(picking.now - uploaded))
    return _Reason(release, "")


def _parents(name: NormalizedName, found: Sequence[Limit]) -> str:
    names = sorted({f.origin.removeprefix("required by ") for f in found if not f.users})
    return ", ".join(names) or "another package"


def _note(c: Candidate, why: _Reason, found: Sequence[Limit], picking: Picking) -> str | None:
    release = why.release
    if why.kind == "cutoff" and c.requested:
        return (
            f"{c.name}: picked {c.version}; {release.version} is newer but was uploaded "
            f"{why.detail} ago, inside the policy's new-release cut-off"
        )
    if why.kind == "cutoff":
        return (
            f"held back by the cut-off: {c.name} {release.version} (uploaded {why.detail} "
            f"ago), pulled in by {_parents(c.name, found)}; picked {c.version}"
        )
    if why.kind == "python":
        python = picking.target.python
        has = f" and the target has Python {python}" if python else ""
        return (
            f"{c.name}: picked {c.version}; {c.name} {release.version} requires Python "
            f"{why.detail}{has}"
        )
    if why.kind == "no-wheel" and c.requested:
        return (
            f"{c.name}: picked {c.version}; {c.name} {release.version} has no wheel "
            "for the target, and safepip resolves wheels first"
        )
    return None


def notes(known: Known, candidates: Sequence[Candidate], picking: Picking) -> list[str]:
    """Why each package from the index was picked below its newest release."""
    found = limits(picking.asked, candidates, picking.target.environment)
    out: list[str] = []
    pinned: list[str] = []
    for c in candidates:
        project = known.get(c.name)
        if project is None or c.source is not Source.INDEX:
            continue
        newer = _newer(project, c)
        if not newer:
            continue
        mine = found.get(c.name, [])
        reasons = [_reason(r, mine, picking) for r in newer]
        decided = next((r for r in reasons if r.kind == "cutoff"), reasons[0])
        if decided.kind == "limit" and decided.limit is not None and decided.limit.users:
            pinned.append(
                f"{c.name} {c.version} ({decided.limit.origin}: {decided.detail}; "
                f"newest {newer[0].version})"
            )
            continue
        note = _note(c, decided, mine, picking)
        if note is not None:
            out.append(note)
    if pinned:
        out.append("picked below the newest release as asked: " + ", ".join(pinned))
    return out
