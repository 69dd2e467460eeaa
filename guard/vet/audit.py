"""``safepip audit``: judge what an environment already holds.

The installed distributions (listed without running the environment's code, see
``guard.pip.environment``) go through the same index rules and policy as an install,
in "audit" mode (rules that only make sense before an install, such as
``new-release``, stay out), together with the local integrity checks of
``guard.analysis.integrity``: RECORD hashes, ``.pth`` code, shadowing scripts and direct
installs. Those checks fail closed like the rules (``local_findings``).
"""

from __future__ import annotations

from dataclasses import dataclass

from guard.analysis import integrity
from guard.errors import AuditError, GuardError
from guard.models import Action, Candidate, Finding, Source, Verdict
from guard.pip.environment import Environment
from guard.rules import RULE_ERROR
from guard.rules.base import Context
from guard.vet import advisories
from guard.vet.judge import Judge
from guard.vet.lookup import Lookup
from guard.vet.model import Known, Progress


@dataclass(frozen=True)
class AuditResult:
    environment: Environment
    verdict: Verdict
    files_hashed: int


def check_error(candidate: str, exc: Exception) -> Finding:
    """The blocking finding of a local check that raised (as ``guard.rules.evaluate``
    makes for a rule that raises)."""
    return Finding(
        RULE_ERROR,
        f"the local checks failed on {candidate}: {type(exc).__name__}: {exc}",
        remedy="report this bug; the package is blocked until the checks can judge it",
        forced=Action.BLOCK,
    )


def local_findings(
    environment: Environment, options: integrity.IntegrityOptions
) -> integrity.EnvironmentFindings:
    """The local checks of every distribution, failing closed: a check that raises
    (a bug) blocks each distribution it could not judge. A ``GuardError`` (the
    environment cannot be read) stops the audit with that error, as before."""
    try:
        return integrity.check_environment(environment, options)
    except GuardError:
        raise
    except Exception as exc:  # a failing check must block, not crash or pass
        if not environment.installed:
            raise AuditError(f"the local checks failed: {type(exc).__name__}: {exc}") from exc
        return integrity.EnvironmentFindings(
            tuple((inst, (check_error(inst.name, exc),)) for inst in environment.installed)
        )


def _candidates(
    local: integrity.EnvironmentFindings,
) -> tuple[list[Candidate], list[tuple[Finding, ...]]]:
    """Every installed distribution and unowned file, with its local findings."""
    candidates: list[Candidate] = []
    extra: list[tuple[Finding, ...]] = []
    for installed, findings in local.per_distribution:
        candidates.append(installed.to_candidate())
        extra.append(findings)
    for pseudo, findings in local.unowned:
        candidates.append(pseudo)
        extra.append(findings)
    return candidates, extra


def audit(
    lookup: Lookup, judge: Judge, environment: Environment, progress: Progress | None = None
) -> AuditResult:
    """Judge ``environment``: its local checks, and the index rules on what it holds."""
    if progress:
        progress("checking files", 0, 0)
    pol = judge.policy
    options = integrity.options_from(
        Context(now=judge.now, mode="audit", thresholds=pol.thresholds)
    )
    local = local_findings(environment, options)
    candidates, extra = _candidates(local)
    indexed = [c for c in candidates if c.source is Source.INDEX and not integrity.is_unowned(c)]
    # A fresh answer: what was installed may have been reported since.
    asked = advisories.start(lookup.advisories, indexed, revalidate=True)
    known = lookup.with_targets(Known(), [c.name for c in indexed])
    if asked is not None:
        known = advisories.merge(known, asked.result(), indexed)
    notes = (*pol.notes, *advisories.notes(known, indexed))
    verdict = judge.verdict(known, candidates, notes, mode="audit", extra=extra)
    return AuditResult(environment, verdict, local.hashed_files)
