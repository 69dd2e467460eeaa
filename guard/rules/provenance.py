"""``provenance-changed``: a project published through a trusted publisher has a
release without an attestation, or one from another repository or workflow.

The index's PEP 740 provenance (``guard.index.provenance``) names the trusted
publisher of each attested file; the history records the project's publisher
from earlier runs (``guard.state.history``), and the run may add the provenance
of the previous release (``guard.vet.provenance``). safepip compares publisher
identities as the index reports them; it does not verify the signatures.
"""

from __future__ import annotations

from collections.abc import Iterator

from guard.models import Action, Candidate, Finding, Project, Publisher, Source
from guard.rules.base import Context, RuleBase


def earlier_publishers(candidate: Candidate, ctx: Context) -> tuple[tuple[Publisher, str], ...]:
    """The trusted publishers of the project's earlier releases, each with where
    safepip learnt it: the history of earlier runs, the previous release."""
    out: list[tuple[Publisher, str]] = []
    seen = ctx.history.get(candidate.name)
    if seen is not None and seen.publisher is not None:
        out.append((seen.publisher, f"recorded on {seen.seen_at:%Y-%m-%d}"))
    previous = ctx.provenance.previous.get(candidate.name) if ctx.provenance else None
    for publisher in previous.publishers if previous is not None else ():
        out.append((publisher, "the previous release"))
    return tuple(out)


class ProvenanceChanged(RuleBase):
    id = "provenance-changed"
    summary = (
        "A project published through a trusted publisher has a release with no "
        "attestation, or one from another repository or workflow."
    )
    rationale = (
        "A release built by the project's own CI carries a PEP 740 attestation naming "
        "its repository and workflow. A release uploaded with a stolen token has none "
        "(ultralytics' later malicious releases in 2024), and one from another "
        "repository or workflow was not built where the earlier ones were."
    )
    explain = """\
Reads the PEP 740 provenance the index gives for the chosen file (the simple
API's provenance key, api-version 1.3 and later; on PyPI the Integrity API) and
compares its trusted publisher (kind, repository, workflow) with the publisher
of the project's earlier releases: the one safepip recorded on earlier runs
(the local history), and, when the chosen file has no attestation or a
different one, the provenance of the previous release's file.

Blocks when earlier releases were attested and the chosen file has no
attestation, or an attestation from another repository or workflow. A project
never published through a trusted publisher is not judged. An index without
provenance data (a mirror whose simple API is older than 1.3) gives the note
"provenance data unavailable from this index", never a block.

safepip does not verify the attestations' signatures: it compares publisher
identities as the index reports them. A project that moved to another
repository or workflow on purpose: allow-list the release with a reason.
"""
    default_action = Action.BLOCK
    modes = frozenset({"install"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if candidate.source is not Source.INDEX or ctx.provenance is None:
            return
        chosen = ctx.provenance.files.get(candidate.filename)
        if chosen is None or not chosen.available:
            return
        earlier = earlier_publishers(candidate, ctx)
        if not earlier:
            return
        before, where = earlier[0]
        if not chosen.attested:
            yield self._finding(
                candidate,
                f"{candidate.filename} has no attestation, but earlier releases were "
                f"published through a trusted publisher ({before.describe()}; {where})",
                before,
                None,
            )
            return
        if any(p.same_source(b) for p in chosen.publishers for b, _ in earlier):
            return
        now = chosen.publishers[0]
        yield self._finding(
            candidate,
            f"{candidate.filename} was published by {now.describe()}, but earlier releases "
            f"by {before.describe()} ({where})",
            before,
            now,
        )

    def _finding(
        self, candidate: Candidate, text: str, before: Publisher, now: Publisher | None
    ) -> Finding:
        return Finding(
            self.id,
            f"{candidate.name} {candidate.version}: {text}",
            remedy="check the release on the project's page and repository before "
            "installing; pin an attested release if in doubt",
            evidence=(
                ("publisher-before", before.describe()),
                ("publisher-now", now.describe() if now is not None else "none"),
            ),
        )
