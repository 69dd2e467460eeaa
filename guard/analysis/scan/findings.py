"""The scan's findings: one per rule that contributed to the score, with evidence."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from guard.analysis.scan import score as scoring
from guard.models import Finding

UNREADABLE_ARCHIVE = "unreadable-archive"
SCAN_INCOMPLETE = "scan-incomplete"
MAX_EVIDENCE = 8

_REMEDY = {
    "block": "do not install it; read the evidence, and if you trust the code, allow-list it "
    "with a reason",
    "warn": "read the evidence before you rely on it",
}


def findings(
    filename: str, combined: scoring.Combined, block: float, warn: float
) -> Iterator[Finding]:
    """A finding per rule, strongest first; the first one says the whole score."""
    if combined.level == "clean":
        return
    for index, (rule, rule_score, parts) in enumerate(combined.by_rule()):
        if index == 0:
            message = f"{filename}: {_headline(combined, block, warn)}"
        else:
            message = (
                f"{filename}: {scoring.explain(parts)} (part of scan score "
                f"{scoring.fmt(combined.total)})"
            )
        yield Finding(
            rule,
            message,
            remedy=_REMEDY[combined.level],
            weak=combined.level != "block",
            evidence=_evidence(parts),
            score=rule_score,
        )


def _headline(combined: scoring.Combined, block: float, warn: float) -> str:
    limit = block if combined.level == "block" else warn
    capped = (
        f"; library-wide signals capped at {scoring.fmt(combined.cap)}" if combined.capped else ""
    )
    return (
        f"scan score {scoring.fmt(combined.total)} >= {scoring.fmt(limit)}"
        f" ({combined.level}{capped}): {scoring.explain(combined.parts)}"
    )


def _evidence(parts: Sequence[scoring.Part]) -> tuple[tuple[str, str], ...]:
    """The strongest signals as (where, what), a repeated place marked with its kind."""
    signals = sorted(
        (s for p in parts for s in p.signals), key=lambda s: (-s.weight, s.file, s.line)
    )
    evidence: list[tuple[str, str]] = []
    for s in signals[:MAX_EVIDENCE]:
        key = s.where
        if any(k == key for k, _ in evidence):
            key = f"{key} ({s.kind})"
        evidence.append((key, f"{s.text} (+{scoring.fmt(s.weight)}): {s.snippet}".rstrip(": ")))
    return tuple(evidence)


def unreadable(filename: str, exc: Exception, unsafe: bool) -> Finding:
    """The archive cannot be read, or holds what an extractor could be tricked by."""
    what = "holds what an extractor could be tricked by" if unsafe else "cannot be read"
    return Finding(
        UNREADABLE_ARCHIVE,
        f"{filename} {what}: {exc}",
        remedy="do not install it; an archive that cannot be scanned is never taken as clean",
        evidence=((filename, str(exc)),),
    )


def incomplete(filename: str, budget: float, left: int, total: int) -> Finding:
    """The budget ran out with ``left`` of ``total`` source files not analysed."""
    return Finding(
        SCAN_INCOMPLETE,
        f"{filename}: the scan's budget ({budget:.1f} s of analysis work) ran out; {left} of "
        f"{total} source files were not analysed (install-time files were)",
        remedy="scan it without a budget (safepip scan) or read the rest yourself",
        weak=True,
    )
