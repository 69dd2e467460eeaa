"""The JSON report: the verdict as one document, for programs.

Strings from an index are cleaned (guard.report.sanitize) and then escaped by
the JSON encoder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from guard.models import Decision, Judged, PackageVerdict, Verdict
from guard.report.base import ReportContext
from guard.report.common import decision_word, ordered, summary, version_text
from guard.report.sanitize import clean


def _finding(j: Judged) -> dict[str, object]:
    doc: dict[str, object] = {
        "rule": j.finding.rule,
        "action": j.action.label,
        "message": clean(j.finding.message, 2000),
        "remedy": clean(j.finding.remedy, 2000),
    }
    if j.allowed_because:
        doc["allowed_because"] = clean(j.allowed_because)
    if j.finding.evidence:
        doc["evidence"] = {clean(k): clean(v, 2000) for k, v in j.finding.evidence}
    return doc


def _package(p: PackageVerdict) -> dict[str, object]:
    c = p.candidate
    return {
        "name": clean(c.name),
        "version": clean(version_text(p)),
        "decision": decision_word(p.action),
        "source": c.source.value,
        "filename": clean(c.filename),
        "url": clean(c.url, 2000),
        "sha256": c.sha256,
        "requested": c.requested,
        "summary": clean(summary(p)),
        "findings": [_finding(j) for j in p.judged],
    }


def to_json(
    verdict: Verdict, decision: Decision | None = None, extra: Mapping[str, object] | None = None
) -> str:
    doc: dict[str, object] = {
        "decision": (decision or verdict.decision).value,
        "packages": [_package(p) for p in ordered(verdict.packages)],
        "notes": [clean(n, 2000) for n in verdict.notes],
    }
    if extra:
        doc.update(extra)
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"


def error_json(message: str) -> str:
    return (
        json.dumps({"decision": "error", "packages": [], "error": clean(message, 4000)}, indent=2)
        + "\n"
    )


@dataclass(frozen=True)
class JsonFormat:
    """``--format json``."""

    name: str = "json"

    def verdict(self, verdict: Verdict, context: ReportContext) -> str:
        return to_json(verdict, extra=context.extra)

    def error(self, message: str, context: ReportContext) -> str:
        return error_json(message)
