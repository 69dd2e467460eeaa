"""``new-project``: a project whose first upload is recent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import MAX_DAYS, Context, Param, RuleBase, days


class NewProject(RuleBase):
    id = "new-project"
    summary = "The project's first upload is younger than min-age-days."
    rationale = (
        "PyPI removes malicious projects once they are reported, so at install time a "
        "malicious project is young; a reputation does not exist yet."
    )
    default_action = Action.BLOCK
    params = (Param("min-age-days", 30, "int", "higher", maximum=MAX_DAYS),)
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None:
            return
        first = project.first_upload
        limit = timedelta(days=ctx.number(self, "min-age-days"))
        if first is None:
            yield Finding(
                self.id,
                f"{candidate.name}: the index gives no upload times, so its age is unknown",
                remedy="allow-list it with a reason if you know the project",
                weak=True,
            )
            return
        age = ctx.now - first
        if age < limit:
            yield Finding(
                self.id,
                f"{candidate.name} was first uploaded {days(age)} ago "
                f"(the policy wants {limit.days} days)",
                remedy="check that this is the project you mean; allow-list it with a reason",
                evidence=(("first-upload", first.isoformat()),),
            )
