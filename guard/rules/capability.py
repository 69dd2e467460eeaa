"""``new-capability``: what an established project's new release can do that the
previous one could not.

The vetter (``guard.vet.previous``) fetches the previous release's artifact of
the same kind (a wheel with compatible tags, or the sdist), hash-checked, and
scans it like the candidate's; this rule compares the two scans
(``guard.analysis.capabilities``). ``previous_file`` and ``established`` are
shared with the vetter, so it fetches exactly what the rule will compare.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from guard.analysis.capabilities import Capability, added, capabilities
from guard.models import Action, Candidate, FileInfo, Finding, Project, Release
from guard.rules.base import MAX_COUNT, MAX_DAYS, Context, Param, RuleBase
from guard.rules.scan import scan_settings

NEW_CAPABILITY = "new-capability"
_MAX_LISTED = 6


def _tags(filename: str) -> frozenset[Tag]:
    try:
        return frozenset(parse_wheel_filename(filename)[3])
    except InvalidWheelFilename:
        return frozenset()


def _same_kind(candidate: Candidate, files: tuple[FileInfo, ...]) -> FileInfo | None:
    """The file of ``files`` to compare with: the sdist, or the wheel whose tags
    match the candidate's best (none shared: none)."""
    usable = [f for f in files if f.sha256 and not f.yanked]
    if not candidate.is_wheel:
        return next((f for f in usable if f.filename.endswith((".tar.gz", ".zip"))), None)
    want = _tags(candidate.filename)
    scored = [
        (len(want & tags), tags == want, f.filename, f)
        for f in usable
        if f.filename.endswith(".whl") and (tags := _tags(f.filename)) & want
    ]
    return max(scored, key=lambda s: s[:3])[3] if scored else None


def _older(project: Project, candidate: Candidate) -> list[Release]:
    """Releases before the candidate's, newest first (pre-releases only for one)."""
    return sorted(
        (
            r
            for v, r in project.releases.items()
            if v < candidate.version
            and r.files
            and not r.yanked
            and (candidate.version.is_prerelease or not v.is_prerelease)
        ),
        key=lambda r: r.version,
        reverse=True,
    )


def previous_file(project: Project, candidate: Candidate) -> tuple[Release, FileInfo] | None:
    """The newest older release with an artifact of the candidate's kind, and that file."""
    for release in _older(project, candidate):
        found = _same_kind(candidate, release.files)
        if found is not None:
            return release, found
    return None


def established(project: Project, candidate: Candidate, ctx: Context) -> bool:
    """At least ``min-releases`` releases before the candidate's, the first of them
    at least ``min-age-days`` old."""
    older = _older(project, candidate)
    if len(older) < ctx.number(NewCapability, "min-releases"):
        return False
    uploads = [t for r in older if (t := r.upload_time) is not None]
    first: datetime | None = min(uploads) if uploads else None
    limit = timedelta(days=ctx.number(NewCapability, "min-age-days"))
    return first is not None and ctx.now - first >= limit


def _major(candidate: Candidate, previous: Release) -> bool:
    return candidate.version.major != previous.version.major


class NewCapability(RuleBase):
    id = NEW_CAPABILITY
    summary = (
        "An established project's new release can do what the previous one could not: "
        "network, processes, exec of decoded data, secrets, a .pth file, a native binary."
    )
    rationale = (
        "A hijacked release (ctx, ultralytics, num2words, litellm, lightning) is the "
        "previous release plus a payload. Comparing the scan of the release with the "
        "scan of the previous release's artifact of the same kind shows what the "
        "attacker added, also when the new code alone scores low. In a major release "
        "new features are expected: it warns."
    )
    explain = """\
Applies to projects with at least min-releases releases before this one, the first
at least min-age-days old, whose artifact the scan found something in. The
previous release's artifact of the same kind (the sdist, or the wheel whose tags
match best) is fetched, hash-checked and scanned like the candidate's; nothing
runs. Capabilities are compared by what and when: network, process, exec,
credentials, download-run, persistence, exfil-channel at install, start-up
(.pth) or import time; a new .pth file, native binary, overridden install
commands, exfiltration channel or download-and-run anywhere. New hosts and
calls only inside functions are listed with them but do not count alone.
A patch or minor release blocks; a major release warns.
"""
    default_action = Action.BLOCK
    params = (
        Param("min-releases", 3, "int", "lower", maximum=MAX_COUNT),
        Param("min-age-days", 90, "int", "lower", maximum=MAX_DAYS),
    )

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None or not candidate.filename:
            return
        now = _capabilities_of(ctx, candidate.filename)
        if not now or not established(project, candidate, ctx):
            return
        found = previous_file(project, candidate)
        if found is None:
            return
        release, info = found
        before = ctx.scans.get(info.filename)
        if before is None or before.result is None:
            why = before.error if before is not None else "it was not fetched"
            yield Finding(
                self.id,
                f"{candidate.name} {candidate.version} could not be compared with "
                f"{info.filename}: {why}",
                remedy="read what the scan found in this release yourself",
                weak=True,
            )
            return
        if before.result.truncated:
            # the budget left part of the previous package unread: what only runs
            # when called may be there unseen, so only what runs unasked compares
            now = frozenset(c for c in now if c.when != "runtime")
        new = added(now, capabilities(before.result))
        yield from _report(candidate, release, info, new)


def _capabilities_of(ctx: Context, filename: str) -> frozenset[Capability]:
    scanned = ctx.scans.get(filename)
    if scanned is None or scanned.result is None or scanned.settings != scan_settings(ctx):
        return frozenset()
    return capabilities(scanned.result)


def _report(
    candidate: Candidate, previous: Release, info: FileInfo, new: tuple[Capability, ...]
) -> Iterator[Finding]:
    dangerous = [c for c in new if c.dangerous]
    if not dangerous:
        return
    major = _major(candidate, previous)
    listed = ", ".join(c.describe() for c in new[:_MAX_LISTED])
    more = f" and {len(new) - _MAX_LISTED} more" if len(new) > _MAX_LISTED else ""
    kind = "major release" if major else "release"
    yield Finding(
        NEW_CAPABILITY,
        f"{candidate.filename}: this {kind} can do what {info.filename} "
        f"({previous.version}) could not: {listed}{more}",
        remedy=(
            "compare the two releases before you install it; if the change is the "
            "project's own, allow-list this release with a reason"
        ),
        weak=major,
        evidence=tuple(
            (where, f"{c.describe()}: {what}") for c in dangerous for where, what in c.evidence
        ),
    )
