"""``safepip scan FILE...``: the static scan of local archives, judged by the policy."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from guard.analysis.scan import candidate_for
from guard.cli.common import file_place, load_policy, report_format, run_deadline
from guard.errors import UsageError
from guard.models import PackageVerdict, Verdict
from guard.pip.args import split_own
from guard.policy import model as policy
from guard.report.base import Place, Places
from guard.report.formats import FORMATS, ReportContext
from guard.rules import RULES, evaluate
from guard.rules.base import Context
from guard.rules.scan import SCAN_RULES


def scan_command(argv: Sequence[str]) -> int:
    own, files = split_own(argv)
    fmt = report_format(own)
    if not files or any(f.startswith("-") for f in files):
        raise UsageError("usage: safepip scan FILE... [--format json]")
    pol = load_policy(own, run_deadline(own))
    verdict = _judge(pol, files, datetime.now(UTC))
    context = ReportContext(
        header=f"safepip scan: {len(files)} archive(s) (policy: {pol.source})",
        footer=verdict.decision.value,
        rules=tuple(RULES),
        places=_places(verdict, files),
    )
    sys.stdout.write(FORMATS[fmt].verdict(verdict, context))
    return verdict.decision.exit_code


def _places(verdict: Verdict, files: Sequence[str]) -> Places:
    """Each package's results sit at the archive it was read from (the first one
    given, when several archives hold one project)."""
    declared: dict[str, Place] = {}
    for package, name in zip(verdict.packages, files, strict=True):
        declared.setdefault(package.candidate.name, file_place(Path(name)))
    return Places(declared=declared)


def _judge(pol: policy.Policy, files: Sequence[str], now: datetime) -> Verdict:
    """Scan each archive with the scan rules and judge its findings by the policy."""
    packages = []
    notes: list[str] = list(pol.notes)
    for name in files:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"no such file: {name}")
        candidate = candidate_for(path)
        ctx = Context(now=now, thresholds=pol.thresholds, artifacts={candidate.filename: path})
        findings = evaluate(candidate, None, ctx, SCAN_RULES)
        judged, more = policy.judge(pol, candidate, findings, now.date())
        notes.extend(more)
        packages.append(PackageVerdict(candidate, None, tuple(judged)))
    return Verdict(tuple(packages), tuple(notes))
