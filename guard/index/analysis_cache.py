"""Scan results remembered on disk, by the sha256 of the bytes scanned.

An artifact's bytes never change under its sha256, so its scan need not run
twice: ``AnalysisCache`` stores each ``ScanResult`` as JSON under
``<cache dir>/analysis/<sha256[:2]>/``, keyed by the verified sha256, the file
name (it tells a wheel from an sdist), the scan's settings and the analyser
(``default_analyser``: safepip's version, a digest of the analysis code and one
of the popular list, so a new safepip, any change to ``guard/analysis`` or a
refreshed popular list analyses again, even when nobody bumped a version).
Every write is atomic; an entry that cannot be read, does not parse, or names
other bytes, settings or analyser is a miss
(the file is scanned again), never trusted and never a crash. A result that
would not come back from JSON exactly as it is is not stored.

``CachedScanner.scan`` scans the files the cache does not know, in worker
processes when there is enough to scan to pay for starting them and more than
one core to run them (``guard.pip.pool``), else in this process; results are the same
either way (the scan's budget is counted in work, not measured in time). A
scan that raised, or whose worker died, gives a ``Scanned`` with the error and
no result, and is not stored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from guard import __version__
from guard import analysis as analysis_package
from guard.analysis.scan import ScanResult, scan_archive
from guard.analysis.scan.score import Signal
from guard.errors import GuardError
from guard.files import atomic_write, read_regular
from guard.index import popular
from guard.models import Action, Finding
from guard.pip.pool import map_in_processes
from guard.rules.base import Scanned, ScanSettings

# Bump when the scan's results change for the same bytes, settings and analysis
# code (a data file the scan reads outside guard/analysis).
SCAN_VERSION = 1
FORMAT = 1  # the layout of an entry
MAX_ENTRY_BYTES = 32 * 1024 * 1024
# Uncached bytes above which the scans run in worker processes: starting one
# costs 0.2-1 s (a fresh interpreter imports the scan), and the scan reads about
# 15 MB/s per core, so two processes pay off from about 8 MB.
PARALLEL_BYTES = 8 * 1024 * 1024
MAX_PROCESSES = 8

# Scans one file: (path, file name, settings) -> result. Runs in a worker process
# when scans go parallel, so it must be a module-level function there.
Scanner = Callable[[Path, str, ScanSettings], ScanResult]


@dataclass(frozen=True)
class ScanJob:
    """One verified file to scan: its name on the index, its local copy, its sha256."""

    filename: str
    path: Path
    sha256: str


def scan_file(path: Path, filename: str, settings: ScanSettings) -> ScanResult:
    """The static scan (``guard.analysis.scan.scan_archive``) with these settings."""
    return scan_archive(
        path,
        filename,
        block_score=settings.block_score,
        warn_score=settings.warn_score,
        budget=settings.budget,
    )


# --- JSON, both ways --------------------------------------------------------------


def result_to_json(result: ScanResult) -> dict[str, Any]:
    """A ``ScanResult`` as JSON-ready data (every field; see ``result_from_json``)."""
    data = {f.name: getattr(result, f.name) for f in fields(ScanResult)}
    data["findings"] = [_finding_to_json(f) for f in result.findings]
    data["signals"] = [{f.name: getattr(s, f.name) for f in fields(Signal)} for s in result.signals]
    return data


def _finding_to_json(finding: Finding) -> dict[str, Any]:
    data = {f.name: getattr(finding, f.name) for f in fields(Finding)}
    data["forced"] = None if finding.forced is None else finding.forced.name
    data["evidence"] = [list(pair) for pair in finding.evidence]
    return data


def result_from_json(data: object) -> ScanResult:
    """The ``ScanResult`` ``result_to_json`` gave; ValueError, KeyError or TypeError
    when ``data`` is not one (a missing or extra field, a wrong type)."""
    raw = _fields_of(data, ScanResult)
    raw["findings"] = tuple(_finding_from_json(f) for f in _list(raw["findings"]))
    raw["signals"] = tuple(Signal(**_fields_of(s, Signal)) for s in _list(raw["signals"]))
    result = ScanResult(**raw)
    _check_types(result)
    return result


def _finding_from_json(data: object) -> Finding:
    raw = _fields_of(data, Finding)
    forced = raw["forced"]
    raw["forced"] = None if forced is None else Action[str(forced)]
    raw["evidence"] = tuple((str(a), str(b)) for a, b in _list(raw["evidence"]))
    return Finding(**raw)


def _fields_of(data: object, cls: type) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__}: not an object")
    names = {f.name for f in fields(cls)}
    if set(data) != names:
        raise KeyError(f"{cls.__name__}: fields {sorted(data)} are not {sorted(names)}")
    return dict(data)


def _list(data: object) -> list[Any]:
    if not isinstance(data, list):
        raise TypeError("not a list")
    return data


_TYPES: Mapping[type, Mapping[str, type | tuple[type, ...]]] = {
    ScanResult: {"filename": str, "files_read": int, "truncated": bool, "level": str},
    Finding: {"rule": str, "message": str, "remedy": str, "weak": bool},
    Signal: {
        "rule": str,
        "kind": str,
        "file": str,
        "line": int,
        "snippet": str,
        "text": str,
        "role": str,
        "deferred": bool,
    },
}
_NUMBERS = {ScanResult: ("seconds", "score"), Finding: ("score",), Signal: ("weight",)}


def _check_types(result: ScanResult) -> None:
    """TypeError unless the decoded values have the types the dataclasses declare."""
    items: list[object] = [result, *result.findings, *result.signals]
    for item in items:
        for name, kind in _TYPES[type(item)].items():
            if not isinstance(getattr(item, name), kind):
                raise TypeError(f"{type(item).__name__}.{name}: not a {kind}")
        for name in _NUMBERS[type(item)]:
            value = getattr(item, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{type(item).__name__}.{name}: not a number")


# --- the store --------------------------------------------------------------------


def code_digest(root: Path) -> str:
    """A digest of the Python sources under ``root`` (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def default_analyser() -> str:
    """What made a stored result: safepip's version, ``SCAN_VERSION``, the digest
    of the analysis code (``guard/analysis``) and of the popular list in use (the
    scan judges package-jacking against it; ``safepip popular update`` changes it)."""
    try:
        code = code_digest(Path(analysis_package.__file__).parent)
    except (OSError, TypeError):  # sources not on disk: the version alone
        code = "unknown"
    listed = popular.load().digest()
    return f"safepip {__version__} scan {SCAN_VERSION} code {code} popular {listed}"


class AnalysisCache:
    """Scan results under ``root``/analysis, by sha256, file name, settings and analyser."""

    def __init__(self, root: Path, analyser: str | None = None) -> None:
        self.root = root
        self.analyser = analyser or default_analyser()

    def _identity(self, job: ScanJob, settings: ScanSettings) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "analyser": self.analyser,
            "sha256": job.sha256,
            "filename": job.filename,
            "settings": [settings.block_score, settings.warn_score, settings.budget],
        }

    def path(self, job: ScanJob, settings: ScanSettings) -> Path:
        key = json.dumps(self._identity(job, settings), sort_keys=True).encode()
        digest = hashlib.sha256(key).hexdigest()[:32]
        sha = job.sha256.lower()
        return self.root / "analysis" / sha[:2] / f"{sha}.{digest}.json"

    def get(self, job: ScanJob, settings: ScanSettings) -> ScanResult | None:
        """The stored result for exactly these bytes and settings; None when there
        is none, or it cannot be read or does not match."""
        if not _is_sha256(job.sha256):
            return None
        try:
            entry = json.loads(read_regular(self.path(job, settings), MAX_ENTRY_BYTES))
            if not isinstance(entry, dict) or entry.get("identity") != self._identity(
                job, settings
            ):
                return None
            result = result_from_json(entry["result"])
        except (GuardError, ValueError, KeyError, TypeError):
            return None
        return result if result.filename == job.filename else None

    def put(self, job: ScanJob, settings: ScanSettings, result: ScanResult) -> None:
        """Store ``result``, if it survives the way to JSON and back unchanged."""
        if not _is_sha256(job.sha256):
            return
        data = result_to_json(result)
        try:
            if result_from_json(json.loads(json.dumps(data))) != result:
                return
            entry = {"identity": self._identity(job, settings), "result": data}
            atomic_write(self.path(job, settings), json.dumps(entry).encode(), durable=False)
        except (OSError, ValueError, KeyError, TypeError):
            return  # a cache that cannot be written only costs speed


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)


# --- scanning what the cache does not know --------------------------------------


class CachedScanner:
    """Scans verified files once per sha256 and settings (see the module docstring)."""

    def __init__(
        self,
        cache: AnalysisCache,
        scanner: Scanner = scan_file,
        *,
        processes: int | None = None,
        parallel_bytes: int = PARALLEL_BYTES,
    ) -> None:
        self.cache = cache
        self.scanner = scanner
        self.processes = processes  # None: every core this process may use
        self.parallel_bytes = parallel_bytes

    def scan(self, jobs: Sequence[ScanJob], settings: ScanSettings) -> dict[str, Scanned]:
        """Each file's scan, by file name: from the cache, else scanned now (and stored)."""
        out: dict[str, Scanned] = {}
        missing: list[ScanJob] = []
        for job in jobs:
            cached = self.cache.get(job, settings)
            if cached is None:
                missing.append(job)
            else:
                out[job.filename] = Scanned(settings, cached)
        for job, done in zip(missing, self._run(missing, settings), strict=True):
            if isinstance(done, ScanResult):
                self.cache.put(job, settings, done)
                out[job.filename] = Scanned(settings, done)
            else:
                out[job.filename] = Scanned(settings, None, f"{type(done).__name__}: {done}")
        return out

    def _run(
        self, jobs: Sequence[ScanJob], settings: ScanSettings
    ) -> list[ScanResult | BaseException]:
        one = partial(_scan_job, self.scanner, settings)
        workers = min(self._processes(), len(jobs), MAX_PROCESSES)
        if workers > 1 and sum(_size(job.path) for job in jobs) > self.parallel_bytes:
            # The largest first, so that no worker is left with a large file at the end.
            order = sorted(range(len(jobs)), key=lambda i: -_size(jobs[i].path))
            ran = map_in_processes(one, [jobs[i] for i in order], workers)
            if ran is not None:
                by_job = dict(zip(order, ran, strict=True))
                return [by_job[i] for i in range(len(jobs))]
        return [_caught(one, job) for job in jobs]

    def _processes(self) -> int:
        return self.processes if self.processes is not None else usable_cores()


def usable_cores() -> int:
    """The cores this process may run on (at least one). Not the load average:
    that counts this run's own pip a moment ago, and on a busy machine each
    process still gets its share of the cores, so more processes end sooner."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity on this system
        return max(1, os.cpu_count() or 1)


def _scan_job(scanner: Scanner, settings: ScanSettings, job: ScanJob) -> ScanResult:
    return scanner(job.path, job.filename, settings)


def _caught(one: Callable[[ScanJob], ScanResult], job: ScanJob) -> ScanResult | BaseException:
    try:
        return one(job)
    except Exception as exc:  # noqa: BLE001 - a failed scan is reported, and blocks
        return exc


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


__all__ = [
    "SCAN_VERSION",
    "AnalysisCache",
    "CachedScanner",
    "ScanJob",
    "Scanner",
    "code_digest",
    "default_analyser",
    "result_from_json",
    "result_to_json",
    "scan_file",
]
