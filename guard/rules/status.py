"""``project-status``: the PEP 792 status the index gives a project.

PEP 792 lets an index mark a project ``active``, ``archived`` (no more uploads
expected), ``deprecated`` (the authors advise against it) or ``quarantined``
(PyPI's administrators suspect malware: it cannot be installed from the simple
index, though a mirror or a cache may still serve it).
"""

from __future__ import annotations

from collections.abc import Iterator

from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import Context, Param, RuleBase

_MEANING = {
    "quarantined": "PyPI's administrators quarantined it, which they do on suspected malware",
    "archived": "its owners archived it: no more releases, not even security fixes",
    "deprecated": "its owners deprecated it and advise against using it",
}


class ProjectStatus(RuleBase):
    id = "project-status"
    summary = "The index marks the project quarantined (blocks), archived or deprecated (warns)."
    rationale = (
        "PyPI quarantines projects it suspects of malware (PEP 792); a copy served by a "
        "mirror or cache must not install. Archived and deprecated projects are honest but "
        "unmaintained: worth a warning."
    )
    explain = """\
Reads the PEP 792 project status that the index gives in its JSON API
(project-status). A quarantined project is one PyPI's administrators suspect of
malware: it blocks, even if a mirror, proxy or cache still serves its files.
Archived (no more releases expected, not even security fixes) and deprecated
(the owners advise against it) projects warn. Active, or no status, is silent;
an unknown status warns, since it is news the index thought worth giving.

Thresholds: block-statuses (default ["quarantined"]) are the statuses that block;
ignore-statuses (default ["active"]) are silent; any other status warns. A strict
policy can block archived projects with block-statuses = ["quarantined", "archived"].
"""
    default_action = Action.BLOCK
    params = (
        Param("block-statuses", ("quarantined",), "strings", "more"),
        Param("ignore-statuses", ("active",), "strings", "fewer"),
    )
    modes = frozenset({"install", "audit"})

    def _statuses(self, ctx: Context, key: str) -> set[str]:
        raw = ctx.threshold(self, key)
        return {str(s).strip().lower() for s in raw} if isinstance(raw, tuple) else set()

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None:
            return
        status = project.status.strip().lower()
        if not status or status in self._statuses(ctx, "ignore-statuses"):
            return
        strong = status in self._statuses(ctx, "block-statuses")
        meaning = _MEANING.get(status, "a status safepip does not know")
        yield Finding(
            self.id,
            f"{candidate.name} has the project status {status!r}: {meaning}",
            remedy="do not install it; look for the project's advisory or a replacement"
            if strong
            else "look for a maintained replacement, or allow-list it with a reason",
            weak=not strong,
            evidence=(("status", status),),
        )
