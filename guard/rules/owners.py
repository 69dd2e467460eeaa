"""Rules about who publishes a project and when: ``dormant-revival`` (a release
after a long silence) and ``maintainers-changed`` (PyPI owners differ from what
safepip recorded on an earlier run, and a release came after the change).

Both are the marks of a taken-over account. An established project's revival
with nothing else off is a note finding (``Finding.note``): a line among the
report's notes rather than a warning. ``maintainers-changed`` reads the
history that the pipeline loaded into ``ctx.history`` (see ``guard.state.history``);
neither rule touches a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from guard.models import Action, Candidate, Finding, Ownership, Project
from guard.rules.base import MAX_COUNT, MAX_DAYS, Context, Param, RuleBase, days, long_history

if TYPE_CHECKING:
    from guard.state.history import Seen


def chosen_upload(candidate: Candidate, project: Project) -> datetime | None:
    """When the chosen file (else the chosen release) was uploaded."""
    info = project.file(candidate.filename) if candidate.filename else None
    if info is not None and info.upload_time is not None:
        return info.upload_time
    release = project.releases.get(candidate.version)
    return release.upload_time if release else None


def previous_upload(candidate: Candidate, project: Project, before: datetime) -> datetime | None:
    """The newest upload of any other release before ``before``, by upload time.

    Upload time, not version order: a 1.x fix uploaded while 2.x is active is not
    a revival.
    """
    times = [
        release.upload_time
        for version, release in project.releases.items()
        if version != candidate.version
        and release.upload_time is not None
        and release.upload_time < before
    ]
    return max(times) if times else None


DORMANT = "dormant-revival"


def revival(
    candidate: Candidate, project: Project, ctx: Context
) -> tuple[datetime, timedelta] | None:
    """(upload time, silence before it) when the chosen release is a recent revival."""
    uploaded = chosen_upload(candidate, project)
    if uploaded is None:
        return None
    if ctx.now - uploaded > timedelta(days=ctx.number(DormantRevival, "recent-days")):
        return None
    previous = previous_upload(candidate, project, uploaded)
    if previous is None:
        return None
    gap = uploaded - previous
    if gap < timedelta(days=ctx.number(DormantRevival, "silence-days")):
        return None
    return uploaded, gap


def established(project: Project, ctx: Context) -> str:
    """ "an established project: N releases since YEAR" when the project has the
    long release history of DormantRevival's thresholds, else ""."""
    history = long_history(project, ctx, DormantRevival)
    return f"an established project: {history}" if history else ""


def owners_changed(project: Project, ctx: Context) -> bool:
    """True when safepip's history shows the project's owners changed."""
    seen = ctx.history.get(project.name)
    if seen is None or not project.ownership.known:
        return False
    change = ownership_change(project.ownership, seen)
    return change is not None and change[0].known


class DormantRevival(RuleBase):
    id = DORMANT
    summary = "The chosen release is recent and came after more than silence-days without uploads."
    rationale = (
        "A release out of a long silence is how taken-over accounts and expired-domain "
        "takeovers show: the old project's users get the new code without noticing. Honest "
        "projects also wake up, so it warns."
    )
    explain = """\
Detects a recent release (uploaded in the last recent-days, default 90) that came
after a long silence: more than silence-days (default 365) between its upload and
the previous upload of any other release of the project. Upload times decide, not
version order, so a maintenance release of an old branch is not a revival.

A project that wakes up after a year is the pattern of a taken-over account (a
stolen token, an expired mail domain re-registered to reset a password). Many honest
projects release rarely too, so the default is a warning. When safepip's local
history shows that the project's owners also changed, maintainers-changed reports
that combination as strong evidence (a block by default).

An established project (at least established-releases releases, default 10, and a
first upload at least established-days ago, default 1095: three years) that wakes up
is mostly a maintainer's routine release: the revival is then a note in the report,
not a warning, unless something else about the package is off (another finding that
warns or blocks, or owners that changed since safepip last saw the project).

Thresholds: silence-days, recent-days, established-releases, established-days. To
accept a revival you have checked, allow-list the release with a version and a reason.
"""
    default_action = Action.WARN
    params = (
        Param("silence-days", 365, "int", "lower", maximum=MAX_DAYS),
        Param("recent-days", 90, "int", "higher", maximum=MAX_DAYS),
        Param("established-releases", 10, "int", "higher", maximum=MAX_COUNT),
        Param("established-days", 1095, "int", "higher", maximum=MAX_DAYS),
    )
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None:
            return
        found = revival(candidate, project, ctx)
        if found is None:
            return
        uploaded, gap = found
        history = established(project, ctx)
        yield Finding(
            self.id,
            f"{candidate.name} {candidate.version} was uploaded {days(ctx.now - uploaded)} ago, "
            f"after {days(gap)} without any upload" + (f" ({history})" if history else ""),
            note=bool(history) and not owners_changed(project, ctx),
            remedy="check the release notes and the repository for this release; "
            "pin the previous release if in doubt",
            evidence=(
                ("uploaded", uploaded.isoformat()),
                ("silence-days", f"{gap.days}"),
            ),
        )


def _describe(before: Ownership, after: Ownership) -> str:
    parts = []
    removed = sorted(set(before.users) - set(after.users))
    added = sorted(set(after.users) - set(before.users))
    if removed:
        parts.append("removed " + ", ".join(removed))
    if added:
        parts.append("added " + ", ".join(added))
    if before.organization != after.organization:
        parts.append(
            f"organization {before.organization or 'none'} -> {after.organization or 'none'}"
        )
    return "; ".join(parts) or "owners changed"


def ownership_change(now: Ownership, seen: Seen) -> tuple[Ownership, Ownership, datetime] | None:
    """(owners before, owners after, since when) of the change between what safepip
    recorded and ``now``, or of a change recorded earlier; None without a change."""
    if (tuple(sorted(now.users)), now.organization) != (seen.owners, seen.organization):
        return seen.ownership, now, seen.seen_at
    if seen.changed_by is not None and seen.changed_after is not None:
        return seen.previous_ownership, seen.ownership, seen.changed_after
    return None


def full_replacement(before: Ownership, after: Ownership) -> bool:
    """True when nobody who owned the project before owns it now."""
    if before.organization is not None and before.organization == after.organization:
        return False
    return not set(before.users) & set(after.users)


class MaintainersChanged(RuleBase):
    id = "maintainers-changed"
    summary = "The project's PyPI owners changed since safepip last saw it, and a release followed."
    rationale = (
        "Taken-over projects change hands first and release after. Teams add and remove "
        "maintainers all the time, so only a complete change of owners is strong evidence."
    )
    explain = """\
Compares the project's owners on PyPI today (the JSON API's ownership: user names with
a role, and the organization) with the owners safepip recorded the last time it saw the
project (a small local history under the platformdirs data directory, e.g.
~/.local/share/safepip/history.json). It reports a change only when the chosen release
was uploaded after the previous owners were last seen, that is: the release may have
come from the new owners. A recorded change is remembered for 90 days, so running
safepip again does not make it disappear.

Strong (blocks by default): nobody who owned the project before owns it now (the
owners were replaced). Weak (a warning): owners were added or removed while others
stayed, which teams do routinely, also when the release ends a long silence (a
maintainer brought in to revive a project); the message says so. Set block-partial
to true to block those too.

On a new machine there is no history, so the rule is silent until the second run.
Thresholds: block-partial. To accept a change you have checked, allow-list the release
with a version and a reason.
"""
    default_action = Action.BLOCK
    params = (Param("block-partial", False, "bool", "higher"),)
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None or not project.ownership.known:
            return
        seen = ctx.history.get(candidate.name)
        if seen is None:
            return
        change = ownership_change(project.ownership, seen)
        if change is None or not change[0].known:
            return
        before, after, since = change
        uploaded = chosen_upload(candidate, project)
        if uploaded is None or uploaded <= since:
            return  # the release predates the change: the previous owners made it
        full = full_replacement(before, after)
        revived = revival(candidate, project, ctx)
        strong = full or ctx.flag(self, "block-partial")
        why = []
        if full:
            why.append("none of the previous owners remains")
        if revived is not None:
            why.append(f"the release ends {days(revived[1])} without uploads")
        yield Finding(
            self.id,
            f"{candidate.name}'s PyPI owners changed since safepip saw them on "
            f"{since:%Y-%m-%d} ({_describe(before, after)}), and {candidate.version} was "
            f"uploaded after that" + (f"; {' and '.join(why)}" if why else ""),
            remedy="check the change on the project's page and repository before installing; "
            "pin a release from before the change if in doubt",
            weak=not strong,
            evidence=(
                ("owners-before", ",".join(before.users)),
                ("owners-now", ",".join(after.users)),
                ("uploaded", uploaded.isoformat()),
            ),
        )
