"""Scan findings on a library whose purpose is the very API the scan watches:
``sdk-credentials``.

The static scan is calibrated on benign code in general, where reading
``~/.aws/credentials`` or ``AWS_SECRET_ACCESS_KEY`` is a stealer's move. For a
cloud SDK (boto3, botocore, google-auth, azure-identity, kubernetes...) it is the
job. So a ``credential-access`` finding is reported as ``sdk-credentials``
instead (which the default policy ignores) when all of these hold:

- the scan only warns on the artifact (a finding that blocks is never touched);
- every piece of its evidence names the credentials of a service the project
  itself declares in its name or summary (AWS for "The AWS SDK for Python", the
  boto family; Azure; Google Cloud; Kubernetes; Docker), or is a cloud SDK's
  own credentials call on a project that declares a cloud service;
- the project is established (established-releases releases over
  established-days) and popular (within popular-rank of the popular list).

SSH keys, browser data, wallets, another service's credentials or a
read-and-send combination keep the finding as it is, so a stealer's shapes stay
blocked, also inside an SDK.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from guard.analysis.scan.hits import CREDENTIAL_ACCESS
from guard.analysis.typosquat import default_detector
from guard.models import Action, Finding, Project
from guard.rules.base import MAX_COUNT, MAX_DAYS, Context, FindingKind, Param, long_history

SDK_CREDENTIALS = "sdk-credentials"


@dataclass(frozen=True)
class Service:
    """A service whose SDKs read its credentials: the words a project declares it
    with, and how the scan's evidence names its credentials."""

    name: str
    declared: frozenset[str]
    evidence: re.Pattern[str]
    cloud: bool = True


def _words(*names: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(names) + r")(?![a-z])", re.IGNORECASE)


SERVICES: tuple[Service, ...] = (
    Service(
        "AWS",
        frozenset({"aws", "amazon", "boto", "boto3", "botocore", "s3transfer", "awscli"}),
        _words("aws", "boto", "boto3", "botocore"),
    ),
    Service("Azure", frozenset({"azure", "msal"}), _words("azure", "msal")),
    Service(
        "Google Cloud",
        frozenset({"google", "gcloud", "gcp", "bigquery"}),
        _words("gcloud", "google", "gcp", "gce", "cloudsdk"),
    ),
    Service(
        "Kubernetes",
        frozenset({"kubernetes", "kube", "k8s", "kubectl"}),
        _words("kube", "kubernetes", "kubeconfig"),
        cloud=False,
    ),
    Service("Docker", frozenset({"docker"}), _words("docker"), cloud=False),
)
# The scan's text for a cloud SDK's own credentials call (get_credentials()).
_SDK_CALL = "reads cloud credentials ("


SdkCredentials = FindingKind(
    id=SDK_CREDENTIALS,
    summary=(
        "credential-access on an established, popular SDK whose evidence is the "
        "credentials of the service the project itself declares."
    ),
    rationale=(
        "A cloud SDK reads its cloud's credentials by design (boto3 reads ~/.aws/credentials "
        "and AWS_SECRET_ACCESS_KEY). Such findings taught people to skip warnings; other "
        "secrets, a blocking scan score or a young or obscure project keep credential-access."
    ),
    default_action=Action.IGNORE,
    params=(
        Param("popular-rank", 1000, "int", "lower", maximum=MAX_COUNT),
        Param("established-releases", 10, "int", "higher", maximum=MAX_COUNT),
        Param("established-days", 1095, "int", "higher", maximum=MAX_DAYS),
    ),
)


def declared_services(project: Project) -> tuple[Service, ...]:
    """The services the project names itself after, by its name or summary."""
    words = set(re.findall(r"[a-z0-9]+", f"{project.name} {project.summary}".lower()))
    return tuple(s for s in SERVICES if s.declared & words)


def _own(value: str, services: tuple[Service, ...]) -> bool:
    """True when one piece of evidence ("what (+w): snippet") names a declared
    service's credentials; only the scan's own words count, not the snippet."""
    text = value.partition(" (+")[0]
    if text.startswith(_SDK_CALL):
        return any(s.cloud for s in services)
    return any(s.evidence.search(text) for s in services)


def _established_popular(project: Project, ctx: Context) -> str:
    """ "N releases since YEAR, popular rank R" when the project qualifies, else ""."""
    rank = default_detector().rank(project.name)
    if rank is None or rank > ctx.number(SdkCredentials, "popular-rank"):
        return ""
    history = long_history(project, ctx, SdkCredentials)
    return f"{history}, popular rank {rank}" if history else ""


def calibrate(
    findings: Iterable[Finding], project: Project | None, ctx: Context
) -> Iterator[Finding]:
    """The scan's findings, with an SDK's reading of its own service's
    credentials reported as ``sdk-credentials``."""
    services = declared_services(project) if project is not None else ()
    for finding in findings:
        if (
            project is None
            or not services
            or finding.rule != CREDENTIAL_ACCESS
            or not finding.weak
            or not finding.evidence
            or not all(_own(value, services) for _, value in finding.evidence)
        ):
            yield finding
            continue
        standing = _established_popular(project, ctx)
        if not standing:
            yield finding
            continue
        names = ", ".join(s.name for s in services)
        yield replace(
            finding,
            rule=SDK_CREDENTIALS,
            message=f"{finding.message} [{project.name} is an SDK of {names}, whose "
            f"credentials these are; {standing}]",
        )
