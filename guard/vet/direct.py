"""Direct references (URLs, VCS) are ruled on before pip may build or fetch them."""

from __future__ import annotations

from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.models import Candidate, Source, Verdict
from guard.pip.args import PipArgs, direct_references
from guard.vet.judge import Judge, blocks
from guard.vet.model import Ledger

_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")


def direct_candidates(pip_args: PipArgs) -> list[Candidate]:
    """A candidate for each direct reference among pip's arguments."""
    candidates = []
    for ref in direct_references(pip_args):
        name = ref.name or canonicalize_name(ref.url.rsplit("/", 1)[-1].split("#")[0][:60] or "url")
        source = Source.VCS if ref.url.startswith(_VCS_PREFIXES) else Source.URL
        filename = ref.url.split("#")[0].rsplit("/", 1)[-1] if source is Source.URL else ""
        candidates.append(
            Candidate(name, Version("0"), source, ref.url, filename, None, requested=True)
        )
    return candidates


def direct_verdict(judge: Judge, ledger: Ledger, pip_args: PipArgs) -> Verdict | None:
    """The verdict on the direct references when it blocks, else None."""
    candidates = direct_candidates(pip_args)
    if not candidates:
        return None
    verdict = judge.verdict(ledger.known, candidates, ledger.notes)
    return verdict if blocks(verdict) else None
