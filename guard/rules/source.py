"""Rules about code that runs at install time: ``source-build`` (an sdist is
built, so its setup code runs) and ``direct-reference`` (a URL or VCS checkout
that no index vouches for)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from guard.models import Action, Candidate, Finding, Project, Source
from guard.rules.base import MAX_COUNT, MAX_DAYS, Context, Param, RuleBase


class SourceBuild(RuleBase):
    id = "source-build"
    summary = "Installing it means building an sdist, which runs the package's own code."
    rationale = (
        "Almost all malicious uploads are sdists whose setup.py runs the payload at build "
        "time. Building only established projects from source, and blocking young or "
        "little-released ones, removes most of that risk."
    )
    default_action = Action.BLOCK
    params = (
        Param("allow-established", True, "bool", "lower"),
        Param("established-age-days", 365, "int", "higher", maximum=MAX_DAYS),
        Param("established-releases", 3, "int", "higher", maximum=MAX_COUNT),
    )
    modes = frozenset({"install"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if candidate.source is Source.LOCAL or not candidate.needs_build:
            return
        if candidate.source is Source.INDEX and (project is None or not candidate.filename):
            return  # nothing known to build: not-on-pypi speaks for it, or no file was chosen
        what = candidate.filename or candidate.url
        if candidate.source is not Source.INDEX or project is None:
            yield Finding(self.id, f"{what} would be built from source", remedy=_REMEDY)
            return
        age_limit = timedelta(days=ctx.number(self, "established-age-days"))
        min_releases = ctx.number(self, "established-releases")
        first = project.first_upload
        established = (
            first is not None
            and ctx.now - first >= age_limit
            and len(project.releases) >= min_releases
        )
        if established and ctx.flag(self, "allow-established"):
            yield Finding(
                self.id,
                f"{what} will be built from source (its build code runs); "
                f"{candidate.name} is an established project",
                remedy=_REMEDY,
                weak=True,
            )
            return
        yield Finding(
            self.id,
            f"{what} would be built from source, and {candidate.name} is not established "
            f"(needs {age_limit.days} days and {min_releases:.0f} releases on PyPI)",
            remedy=_REMEDY,
        )


_REMEDY = "pick a release with a wheel for your platform, or allow-list the project with a reason"


class DirectReference(RuleBase):
    id = "direct-reference"
    summary = "A requirement points at a URL or a VCS checkout instead of an index."
    rationale = (
        "No index vouches for a URL or a repository, and pip builds such requirements while "
        "it resolves, so the policy must allow them before pip touches them."
    )
    default_action = Action.BLOCK
    modes = frozenset({"install"})  # audit reports installed ones as direct-install

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if candidate.source in {Source.URL, Source.VCS}:
            yield Finding(
                self.id,
                f"{candidate.name} comes from {candidate.url}, not from an index",
                remedy="install a release from PyPI, or allow-list the name with a reason",
            )
