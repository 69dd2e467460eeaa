"""Rules about the chosen release and file: ``yanked``, ``known-vulnerability``,
``new-release`` and ``artifact-mismatch``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from guard.models import Action, Candidate, Finding, Project, Source
from guard.rules.base import MAX_DAYS, Context, Param, RuleBase, days


class Yanked(RuleBase):
    id = "yanked"
    summary = "The chosen release or file is yanked."
    rationale = (
        "Authors yank releases that are broken or compromised (PEP 592); pip only picks "
        "a yanked release when it is pinned exactly."
    )
    default_action = Action.BLOCK
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None:
            return
        info = project.file(candidate.filename) if candidate.filename else None
        release = project.releases.get(candidate.version)
        if (info is not None and info.yanked) or (release is not None and release.yanked):
            # An installed release (audit) has no file name: its files give the reason.
            reasons = [info] if info is not None else list(release.files if release else ())
            reason = next((f.yanked_reason for f in reasons if f.yanked_reason), "")
            reason = reason or "no reason given"
            yield Finding(
                self.id,
                f"{candidate.name} {candidate.version} is yanked: {reason}",
                remedy="pin a release that is not yanked",
            )


class KnownVulnerability(RuleBase):
    id = "known-vulnerability"
    summary = "The chosen release has a known vulnerability (PyPI's and OSV's data)."
    rationale = (
        "PyPI lists known vulnerabilities (from OSV) per release; where it has none for an "
        "older release, OSV's answer is used. A vulnerable release is not malicious, so "
        "the default warns; strict policies block."
    )
    default_action = Action.WARN
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None:
            return
        for vuln in project.vulnerabilities_for(candidate.version) or ():
            if vuln.malicious:
                continue  # known-malicious reports those
            aliases = f" ({', '.join(vuln.aliases)})" if vuln.aliases else ""
            fixed = ", ".join(vuln.fixed_in)
            yield Finding(
                self.id,
                f"{candidate.name} {candidate.version} has {vuln.id}{aliases}: "
                f"{vuln.summary}".strip(),
                remedy=f"upgrade to a fixed release ({fixed})"
                if fixed
                else "no fixed release is known",
                evidence=(("id", vuln.id), ("link", vuln.link)),
            )


class NewRelease(RuleBase):
    id = "new-release"
    summary = "The chosen file was uploaded less than min-age-days ago."
    rationale = (
        "Hijacked releases of real projects are found and removed within days. Waiting a "
        "few days before taking a new release closes most of that window; where the index "
        "publishes upload times, safepip asks pip for an older release instead."
    )
    default_action = Action.BLOCK
    params = (Param("min-age-days", 7, "int", "higher", maximum=MAX_DAYS),)
    modes = frozenset({"install"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None or candidate.source is not Source.INDEX:
            return
        info = project.file(candidate.filename)
        uploaded = info.upload_time if info else None
        if uploaded is None:
            release = project.releases.get(candidate.version)
            uploaded = release.upload_time if release else None
        limit = timedelta(days=ctx.number(self, "min-age-days"))
        if uploaded is None:
            return
        age = ctx.now - uploaded
        if age < limit:
            wait_until = (uploaded + limit).strftime("%Y-%m-%d %H:%M UTC")
            yield Finding(
                self.id,
                f"{candidate.filename} was uploaded {days(age)} ago "
                f"(the policy wants {limit.days} days)",
                remedy=f"pin an older release, or wait until {wait_until}",
            )


class ArtifactMismatch(RuleBase):
    id = "artifact-mismatch"
    waived_by_name = False  # a tampered file is never excused by trusting the name
    summary = "The file pip chose is not the file PyPI's JSON API lists, or its hash differs."
    rationale = (
        "A file the JSON API does not list, or one with another sha256, means a tampered "
        "mirror or a private index serving a different file under a public name."
    )
    default_action = Action.BLOCK
    modes = frozenset({"install"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None or candidate.source is not Source.INDEX or not candidate.filename:
            return  # no file was chosen (none to install): nothing to compare
        info = project.file(candidate.filename)
        if info is None:
            yield Finding(
                self.id,
                f"{candidate.filename} (from {candidate.url}) is not a file PyPI lists for "
                f"{candidate.name}",
                remedy="check which index served it; a private package needs its own name",
            )
        elif info.sha256 is None:
            yield Finding(
                self.id,
                f"PyPI lists no sha256 for {candidate.filename}, so it cannot be pinned",
                remedy="pin a release whose files have hashes",
            )
        elif candidate.sha256 is not None and candidate.sha256 != info.sha256:
            yield Finding(
                self.id,
                f"{candidate.filename}: the index says sha256 {candidate.sha256[:16]}…, "
                f"PyPI's JSON API says {info.sha256[:16]}…",
                remedy="do not install: the file differs from the one published on PyPI",
                evidence=(("index", candidate.sha256), ("pypi", info.sha256)),
            )
