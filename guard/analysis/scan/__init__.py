"""A static scan of the exact files pip will install: ``scan_archive``.

Nothing in the archive is extracted to disk, imported, built or run. The scan
reads the archive in memory (``guard.analysis.scan.archive``), sorts its files by when
their code would run, and analyses them in that order:

1. install time: ``setup.py``, an in-tree PEP 517 backend (``backend-path``),
   the hooks a backend runs (hatch, pdm, poetry, setuptools' cmdclass), and
   the tree's modules and files that ``setup.py`` imports or executes;
2. start-up: ``.pth`` files;
3. import time: top-level modules and top-level packages' ``__init__.py``, and
   every module their running code imports, whatever the budget;
4. the rest of the package, then tests, docs and examples, within a budget
   (``budget`` seconds of analysis, counted as work at a fixed rate, so the
   result does not depend on the machine's load; install-time files are always
   read in full). Files that
   show nothing risky in a quick look are not parsed.

What the detectors found (``guard.analysis.scan.python``) is weighed by where it is and
combined into one score (``guard.analysis.scan.score``); the result holds a finding per
rule that contributed, strongest first, each with its evidence. An archive that
cannot be read, or that holds what an extractor could be tricked by, is an
``unreadable-archive`` finding, never clean. Results are cached per file and
settings within the process.

Modules: ``scanner`` (one scan, in order), ``layout`` (wheel or sdist, member
paths), ``roles`` (which file runs when), ``pthfiles`` (start-up lines),
``pickles`` (what a shipped pickle calls when loaded), ``disguised`` (binary
data under a source's name), ``commands`` (commands installed in place of the
system's), ``hijack`` (packages installed over a popular project's),
``python`` (what one source file does), ``hits`` (what a detector reports, and
the rule ids), ``score`` (weights and the sum), ``findings`` (what is
reported), ``result`` (one scan's result), ``archive`` (reading safely),
``patterns`` (what is looked for, as data). Importing this package loads only
``hits``, ``score``, ``findings`` and ``result``: the scanner and its detectors
are loaded when a scan runs, so a run whose scans are all remembered never
loads them.
"""

from __future__ import annotations

import threading
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from guard.analysis.scan.findings import SCAN_INCOMPLETE, UNREADABLE_ARCHIVE
from guard.analysis.scan.hits import (
    BUNDLED_BINARY,
    CREDENTIAL_ACCESS,
    DROPPER,
    EXFIL_ENDPOINT,
    INSTALL_TIME_CODE,
    OBFUSCATED_CODE,
    PTH_CODE,
)
from guard.analysis.scan.result import ScanResult
from guard.models import Candidate, Source

RULE_IDS = (
    INSTALL_TIME_CODE,
    OBFUSCATED_CODE,
    EXFIL_ENDPOINT,
    CREDENTIAL_ACCESS,
    DROPPER,
    PTH_CODE,
    BUNDLED_BINARY,
    UNREADABLE_ARCHIVE,
    SCAN_INCOMPLETE,
)

BLOCK_SCORE = 5.0
WARN_SCORE = 2.5
BUDGET = 0.8  # seconds for the files after the install-time ones


# --- the cache ----------------------------------------------------------------------

_CACHE: dict[tuple[object, ...], ScanResult] = {}
_LOCK = threading.Lock()
_CACHE_SIZE = 256


def scan_archive(
    path: Path,
    filename: str,
    *,
    block_score: float = BLOCK_SCORE,
    warn_score: float = WARN_SCORE,
    budget: float = BUDGET,
) -> ScanResult:
    """Scan one wheel or sdist (a verified local copy) without running any of it.

    ``filename`` is the artifact's name on the index (it says whether the file is
    a wheel and which project it belongs to). Results are cached per file (path,
    size, modification time) and settings.
    """
    try:
        stat = path.stat()
        key: tuple[object, ...] = (
            str(path.resolve()),
            stat.st_size,
            stat.st_mtime_ns,
            filename,
            block_score,
            warn_score,
            budget,
        )
    except OSError:
        key = ()
    if key:
        with _LOCK:
            cached = _CACHE.get(key)
        if cached is not None:
            return cached
    from guard.analysis.scan.collector import paused  # noqa: PLC0415 - loaded only to scan
    from guard.analysis.scan.scanner import scan  # noqa: PLC0415

    with paused():
        result = scan(path, filename, block_score, warn_score, budget)
    if key:
        with _LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = result
    return result


def candidate_for(path: Path) -> Candidate:
    """A local archive as a candidate, named from its file name where it can be."""
    filename = path.name
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        name, version = canonicalize_name(filename.replace(".", "-")), Version("0")
    return Candidate(name, version, Source.LOCAL, path.resolve().as_uri(), filename, None)


__all__ = [
    "BLOCK_SCORE",
    "BUDGET",
    "RULE_IDS",
    "SCAN_INCOMPLETE",
    "UNREADABLE_ARCHIVE",
    "WARN_SCORE",
    "ScanResult",
    "candidate_for",
    "scan_archive",
]
