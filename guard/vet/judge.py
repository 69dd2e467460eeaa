"""Judging candidates: the rules (``guard.rules.evaluate``) and the policy, into a
``Verdict``. A candidate whose look-up failed (and the policy let that through) is
not judged by the rules: it gets a ``network-error`` finding instead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from packaging.utils import NormalizedName

from guard.index.analysis_cache import ScanJob
from guard.models import Action, Candidate, Finding, PackageVerdict, Project, Source, Verdict
from guard.policy import model as policy
from guard.rules import evaluate
from guard.rules.base import Context, Requirers, Scanned
from guard.rules.scan import scan_settings
from guard.state.history import Seen
from guard.vet.model import Known, ScanFiles

NETWORK_ERROR = "network-error"
# Where a candidate's project comes from the index (a local project has none).
_LOOKED_UP = frozenset({Source.INDEX, Source.URL, Source.VCS})


def network_error(candidate: Candidate, error: str) -> Finding:
    return Finding(
        NETWORK_ERROR,
        f"could not look {candidate.name} up, so it is not vetted: {error}",
        remedy="retry when the index answers; the policy lets this through",
        forced=Action.WARN,
    )


def blocks(verdict: Verdict) -> bool:
    """True when any package of ``verdict`` is blocked."""
    return any(p.action is Action.BLOCK for p in verdict.packages)


@dataclass(frozen=True)
class Judge:
    """Judges by one policy, at one time, against what earlier runs saw; ``scan``
    scans fetched files before the rules run (None: the rule scans each itself)."""

    policy: policy.Policy
    now: datetime
    history: Mapping[NormalizedName, Seen]
    scan: ScanFiles | None = None

    def context(
        self, known: Known, mode: str = "install", files: Mapping[str, Path] | None = None
    ) -> Context:
        return Context(
            now=self.now,
            mode=mode,
            thresholds=self.policy.thresholds,
            projects=known.found(),
            denied=self.policy.denied(),
            artifacts=files or {},
            history=self.history,
            advisories=known.advisories,
            provenance=known.provenance,
        )

    def verdict(
        self,
        known: Known,
        candidates: Sequence[Candidate],
        notes: Sequence[str],
        mode: str = "install",
        files: Mapping[str, Path] | None = None,
        extra: Sequence[Sequence[Finding]] | None = None,
        hashes: Mapping[str, str] | None = None,
        previous: Mapping[str, Scanned] | None = None,
    ) -> Verdict:
        """Run the rules on every candidate and let the policy judge the findings.

        ``notes`` start the verdict's notes. ``extra`` holds findings made outside
        the engine (audit's local checks), one sequence per candidate, in order.
        ``hashes`` are the verified sha256 of ``files`` (by file name): those files
        are scanned first, together (``scan``), and the rules read the results.
        ``previous`` holds the scans of earlier releases' artifacts to compare with
        (``guard.vet.previous``), by file name.
        """
        ctx = replace(self.context(known, mode, files), requirers=Requirers.of(candidates))
        if files and hashes and mode == "install" and self.scan is not None:
            scans = self._scans(ctx, candidates, hashes)
            ctx = replace(ctx, scans={**(previous or {}), **scans})
        today = self.now.date()
        packages = []
        out = list(notes)
        for position, candidate in enumerate(candidates):
            project = known.get(candidate.name) if candidate.source in _LOOKED_UP else None
            findings = self._findings(known, candidate, project, ctx)
            if extra is not None:
                findings = [*findings, *extra[position]]
            judged, more = policy.judge(self.policy, candidate, findings, today)
            out.extend(n for n in more if n not in out)
            packages.append(PackageVerdict(candidate, project, tuple(judged)))
        return Verdict(tuple(packages), tuple(out))

    def _scans(
        self, ctx: Context, candidates: Sequence[Candidate], hashes: Mapping[str, str]
    ) -> Mapping[str, Scanned]:
        """The scans of the candidates' verified files (the rule scans any other itself)."""
        if self.scan is None:
            return {}
        names = {c.filename for c in candidates if c.filename}
        jobs = [
            ScanJob(name, path, hashes[name])
            for name, path in ctx.artifacts.items()
            if name in names and hashes.get(name)
        ]
        return self.scan(jobs, scan_settings(ctx)) if jobs else {}

    @staticmethod
    def _findings(
        known: Known, candidate: Candidate, project: Project | None, ctx: Context
    ) -> list[Finding]:
        error = known.failed.get(candidate.name)
        if error is not None:
            return [network_error(candidate, error)]
        return evaluate(candidate, project, ctx)
