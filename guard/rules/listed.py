"""Rules about what the index and the policy say of a name outright:
``denied`` (the policy's deny list), ``not-on-pypi`` and, for an installed
release, ``release-removed``."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from guard.models import Action, Candidate, Finding, Project, Source
from guard.rules.base import Context, RuleBase


class Denied(RuleBase):
    id = "denied"
    waived_by_name = False  # a denied name is never excused by trusting the name
    summary = "The package is on the policy's deny list."
    rationale = (
        "Teams deny packages they know to be malicious, abandoned or banned; the deny "
        "list wins over everything else, including the allow list."
    )
    default_action = Action.BLOCK
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        for spec, reason in ctx.denied.get(candidate.name, ()):
            try:
                matches = not spec or SpecifierSet(spec).contains(
                    candidate.version, prereleases=True
                )
            except InvalidSpecifier:
                matches = True  # the policy loader rejects these; fail closed all the same
            if matches:
                which = f" {spec}" if spec else ""
                yield Finding(
                    self.id,
                    f"{candidate.name}{which} is on the policy's deny list: {reason}",
                    remedy="remove it from your requirements, or ask the policy owner",
                )


class NotOnPyPI(RuleBase):
    id = "not-on-pypi"
    summary = "The JSON API does not know the name."
    rationale = (
        "A package from an index that PyPI does not know cannot be vetted against PyPI. "
        "Private packages belong on the allow list, by name and with a reason; a public "
        "name that should be private is how dependency confusion works."
    )
    default_action = Action.BLOCK
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None and candidate.source is Source.INDEX:
            yield Finding(
                self.id,
                f"{candidate.name} is not on PyPI (the JSON API answered 404), "
                "or it has been removed, as PyPI does with reported malware",
                remedy="if it is your own private package, allow-list it with a reason",
            )


class ReleaseRemoved(RuleBase):
    id = "release-removed"
    summary = "The installed release is no longer on the index (audit)."
    rationale = (
        "PyPI deletes the releases it finds malicious, and owners delete broken or "
        "compromised ones; an installed release the index no longer lists is one of those "
        "until shown otherwise."
    )
    default_action = Action.BLOCK
    modes = frozenset({"audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None or candidate.source is not Source.INDEX:
            return  # not-on-pypi speaks for a project the index does not know
        release = project.releases.get(candidate.version)
        if release is not None and release.files:
            return
        what = "no longer lists" if release is None else "lists no files of"
        yield Finding(
            self.id,
            f"{candidate.name} {candidate.version} is installed, but the index {what} that "
            "release: it was deleted, as PyPI does with malware, or its files were removed",
            remedy="find out why it was removed; reinstall a release the index lists",
        )
