"""``safepip audit``: judge what an environment already holds.

The installed distributions (listed without running the environment's code, see
``guard.pip.environment``) go through the same index rules and policy as an install,
in "audit" mode (rules that only make sense before an install, such as
``new-release``, stay out), together with the local integrity checks of
``guard.analysis.integrity``: RECORD hashes, ``.pth`` code, shadowing scripts and direct
installs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from guard.analysis import integrity
from guard.index.pypi import PyPIClient
from guard.models import Candidate, Finding, Source, Verdict
from guard.pip.args import PipArgs
from guard.pip.environment import Environment, inspect_environment
from guard.policy.model import Policy
from guard.rules.base import Context
from guard.vet.pipeline import Progress, Run, Settings, judge_all, lookup_with_targets


@dataclass(frozen=True)
class AuditResult:
    environment: Environment
    verdict: Verdict
    files_hashed: int


def audit(
    python: str,
    pol: Policy,
    client: PyPIClient,
    now: datetime,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
) -> AuditResult:
    if progress:
        progress("listing", 0, 0)
    environment = inspect_environment(python, env)
    settings = Settings(target_python=python, pip_args=PipArgs(()), policy=pol, now=now, env=env)
    run = Run(settings, client, progress)
    if progress:
        progress("checking files", 0, 0)
    options = integrity.options_from(Context(now=now, mode="audit", thresholds=pol.thresholds))
    local = integrity.check_environment(environment, options)
    candidates: list[Candidate] = []
    extra: list[tuple[Finding, ...]] = []
    for installed, findings in local.per_distribution:
        candidates.append(installed.to_candidate())
        extra.append(findings)
    for pseudo, findings in local.unowned:
        candidates.append(pseudo)
        extra.append(findings)
    lookup_with_targets(
        run,
        [c.name for c in candidates if c.source is Source.INDEX and not integrity.is_unowned(c)],
    )
    verdict = judge_all(run, candidates, mode="audit", extra=extra)
    run.remember()
    return AuditResult(environment, verdict, local.hashed_files)
