"""What the scan of one artifact found (``ScanResult``): a light module, so that
a run whose every scan is remembered (guard.index.analysis_cache) reads its
results without loading the scanner.
"""

from __future__ import annotations

from dataclasses import dataclass

from guard.analysis.scan import score as scoring
from guard.models import Finding


@dataclass(frozen=True)
class ScanResult:
    """What the scan of one artifact found, and how much of it it read."""

    filename: str
    findings: tuple[Finding, ...]
    files_read: int
    seconds: float
    truncated: bool  # the budget ran out before every file was analysed
    score: float = 0.0
    level: str = "clean"  # "block", "warn", "clean" or "unreadable"
    signals: tuple[scoring.Signal, ...] = ()
