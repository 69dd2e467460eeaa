"""``known-malicious``: a release with a malicious-package advisory.

OSV (https://osv.dev) publishes the reports of malicious PyPI packages as
``MAL-`` advisories (the OpenSSF malicious-packages feed). The run asks OSV
about every release it judges (``guard.index.osv``) and hands the answers to
the rules in ``Context.advisories``; the JSON API's own advisories of the
release count too. The other advisories of the same answer feed
``known-vulnerability`` (``guard.vet.advisories``).
"""

from __future__ import annotations

from collections.abc import Iterator

from guard.models import Action, Candidate, Finding, Project, Source, Vulnerability
from guard.rules.base import Context, Param, RuleBase


def _malicious(candidate: Candidate, project: Project | None, ctx: Context) -> list[Vulnerability]:
    """The malicious-package advisories of the candidate's release, each once."""
    asked = ctx.advisories.of(candidate.name, candidate.version) if ctx.advisories else None
    listed = project.vulnerabilities_for(candidate.version) if project else None
    out: dict[str, Vulnerability] = {}
    for vuln in (*(asked or ()), *(listed or ())):
        if vuln.malicious and vuln.id not in out:
            out[vuln.id] = vuln
    return list(out.values())


class KnownMalicious(RuleBase):
    id = "known-malicious"
    waived_by_name = False  # trusting a name never excuses a malware report
    summary = "The release has a malicious-package advisory (OSV's MAL- ids)."
    rationale = (
        "Malware reported on PyPI gets a MAL- advisory in OSV, often before PyPI removes "
        "it; a mirror, a cache or an old pin can still serve it. Nothing else safepip "
        "knows is as certain."
    )
    explain = """\
Asks OSV (POST /v1/querybatch, one request for every release being judged) for
the advisories of each release from the index, and blocks a release with a MAL-
advisory (the OpenSSF malicious-packages reports). A MAL- id among the JSON
API's own advisories of the release counts too. An allow-list entry waives it
only when it names known-malicious in its rules.

When OSV cannot be asked (no network, an error answer), the report says
"known-malicious data unavailable" and the run goes on; with
block-when-unavailable = true, every release OSV gave no answer for is blocked
instead. The OSV base URL is --osv-url, $SAFEPIP_OSV_URL or the policy's
settings.osv-url (default https://api.osv.dev).
"""
    default_action = Action.BLOCK
    params = (
        Param(
            "block-when-unavailable",
            False,
            "bool",
            "higher",
            doc="block a release OSV could not be asked about (else a note in the report)",
        ),
    )
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if candidate.source is not Source.INDEX:
            return
        for vuln in _malicious(candidate, project, ctx):
            yield self._finding(candidate, vuln, ctx.mode)
        advisories = ctx.advisories
        if (
            advisories is not None
            and advisories.of(candidate.name, candidate.version) is None
            and ctx.flag(self, "block-when-unavailable")
        ):
            yield Finding(
                self.id,
                f"could not ask OSV whether {candidate.name} {candidate.version} is known "
                f"malware: {advisories.unavailable or 'no answer'}",
                remedy="retry when OSV answers (the policy blocks until then)",
            )

    def _finding(self, candidate: Candidate, vuln: Vulnerability, mode: str) -> Finding:
        aliases = f" ({', '.join(vuln.aliases)})" if vuln.aliases else ""
        summary = f": {vuln.summary}" if vuln.summary else ""
        remedy = (
            "uninstall it, and treat this environment and the credentials it could "
            "reach as compromised"
            if mode == "audit"
            else "do not install it; remove it from your requirements"
        )
        return Finding(
            self.id,
            f"{candidate.name} {candidate.version} is reported as malware: "
            f"{vuln.id}{aliases}{summary}",
            remedy=remedy,
            evidence=(("id", vuln.id), ("link", vuln.link)),
        )
