"""The registry of rules and finding kinds, and the engine that runs rules.

Every rule lives in a module of this package named for its family; ``RULES`` is
the one list of every declaration the policy configures, rules and finding kinds
(``guard.rules.base.FindingKind``) alike, in report order. ``evaluate`` runs the
rules that apply in a mode (finding kinds have nothing to run); a rule that
raises yields a ``rule-error`` finding that blocks (fail closed) instead of
crashing the run or passing silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from guard.analysis.typosquat import default_detector
from guard.models import Action, Candidate, Finding, Project
from guard.rules.advisories import KnownMalicious
from guard.rules.age import NewProject
from guard.rules.aliases import PlaceholderName
from guard.rules.artifact import InstallHook
from guard.rules.base import Context, FindingKind, Rule
from guard.rules.capability import NewCapability
from guard.rules.listed import Denied, NotOnPyPI, ReleaseRemoved
from guard.rules.local import LOCAL_KINDS, LOCAL_RULES
from guard.rules.names import StdlibShadow
from guard.rules.owners import DormantRevival, MaintainersChanged
from guard.rules.provenance import ProvenanceChanged
from guard.rules.release import ArtifactMismatch, KnownVulnerability, NewRelease, Yanked
from guard.rules.repository import RepoImpersonation, shipped_repos
from guard.rules.scan import SCAN_RULES
from guard.rules.sdk import SdkCredentials
from guard.rules.signals import (
    EmptyDescription,
    FewReleases,
    NoSourceRepo,
    SuspiciousAuthorEmail,
    WeakSignals,
    listed_domains,
)
from guard.rules.source import DirectReference, SourceBuild
from guard.rules.status import ProjectStatus
from guard.rules.typosquat import RULE as TYPOSQUAT

# A rule the engine runs, or a finding kind an analysis reports: what a policy configures.
Declared = Rule | FindingKind

RULES: tuple[Declared, ...] = (
    Denied(),
    KnownMalicious(),
    NotOnPyPI(),
    ReleaseRemoved(),
    ProjectStatus(),
    ArtifactMismatch(),
    TYPOSQUAT,
    RepoImpersonation(),
    StdlibShadow(),
    PlaceholderName(),
    DirectReference(),
    SourceBuild(),
    InstallHook(),
    NewProject(),
    WeakSignals(),
    NewRelease(),
    MaintainersChanged(),
    ProvenanceChanged(),
    DormantRevival(),
    Yanked(),
    KnownVulnerability(),
    # The static scan of the artifacts (install-time-code runs it).
    *SCAN_RULES,
    NewCapability(),
    SdkCredentials,  # credential-access calibrated on an SDK's own purpose
    SuspiciousAuthorEmail(),
    FewReleases(),
    EmptyDescription(),
    NoSourceRepo(),
    # Local checks of `safepip audit`: they run outside the engine (guard.analysis.integrity).
    *LOCAL_KINDS,
)

RULE_ERROR = "rule-error"

__all__ = [
    "LOCAL_RULES",
    "RULES",
    "RULE_ERROR",
    "SCAN_RULES",
    "Declared",
    "by_id",
    "evaluate",
    "prepare",
]


def prepare() -> None:
    """Load the rules' data (popular names and their indices, the repository map,
    e-mail domains) ahead of time. The pipeline runs this in a thread while pip
    resolves; a failure here resurfaces, as a rule-error, when the rule runs."""
    default_detector()
    shipped_repos()
    listed_domains()


def by_id(rules: Sequence[Declared] = RULES) -> dict[str, Declared]:
    return {rule.id: rule for rule in rules}


def evaluate(
    candidate: Candidate,
    project: Project | None,
    ctx: Context,
    rules: Sequence[Declared] = RULES,
) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        if isinstance(rule, FindingKind) or ctx.mode not in rule.modes:
            continue
        try:
            findings.extend(rule.check(candidate, project, ctx))
        except Exception as exc:  # noqa: BLE001 - a failing rule must block, not crash or pass
            findings.append(
                Finding(
                    RULE_ERROR,
                    f"rule {rule.id} failed on {candidate.name}: {type(exc).__name__}: {exc}",
                    remedy="report this bug; the package is blocked until the rule can judge it",
                    forced=Action.BLOCK,
                )
            )
    return findings
