"""Rendering verdicts as text or JSON.

Every string that came from an index (names, summaries, URLs, messages that
quote them) goes through ``clean`` (guard.report.sanitize) before it is shown. The
JSON form is escaped by the JSON encoder and cleaned as well.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from guard.models import Action, Decision, Judged, PackageVerdict, Verdict
from guard.report.sanitize import clean


def ordered(packages: Sequence[PackageVerdict]) -> list[PackageVerdict]:
    return sorted(packages, key=lambda p: (-int(p.action), p.candidate.name))


def decision_word(action: Action) -> str:
    """block, warn or allow: a package's decision in reports."""
    return {Action.BLOCK: "block", Action.WARN: "warn", Action.IGNORE: "allow"}[action]


def _label(action: Action) -> str:
    """The text report's form of it: blocks stand out."""
    return decision_word(action).upper() if action is Action.BLOCK else decision_word(action)


def version_text(p: PackageVerdict) -> str:
    v = str(p.candidate.version)
    return "?" if v == "0" and not p.candidate.filename else v


def _summary(p: PackageVerdict) -> str:
    return (p.project.summary if p.project else "") or p.candidate.summary


def shown(judged: Sequence[Judged]) -> list[Judged]:
    return [j for j in judged if j.action is not Action.IGNORE or j.allowed_because]


def render_text(verdict: Verdict, header: str, footer: str) -> str:
    lines = [clean(header, 2000)] if header else []
    packages = ordered(verdict.packages)
    if packages:
        width = max(7, *(len(clean(p.candidate.name, 60)) for p in packages))
        vwidth = max(7, *(len(clean(version_text(p), 30)) for p in packages))
        lines.append(f"{'PACKAGE':<{width}}  {'VERSION':<{vwidth}}  DECISION  REASONS")
        for p in packages:
            first = ", ".join(
                sorted({j.finding.rule for j in shown(p.judged) if j.action is not Action.IGNORE})
            )
            lines.append(
                f"{clean(p.candidate.name, 60):<{width}}  {clean(version_text(p), 30):<{vwidth}}  "
                f"{_label(p.action):<8}  {first}".rstrip()
            )
        details = [p for p in packages if shown(p.judged)]
        if details:
            lines.append("")
        for p in details:
            summary = _summary(p)
            lines.append(
                f"{clean(p.candidate.name, 60)} {clean(version_text(p), 30)}: {_label(p.action)}"
                + (f" ({clean(summary, 120)})" if summary else "")
            )
            for j in sorted(shown(p.judged), key=lambda j: -int(j.action)):
                if j.allowed_because:
                    lines.append(
                        f"  - [{j.finding.rule}] allowed by the policy: {clean(j.allowed_because)}"
                        f" ({clean(j.finding.message)})"
                    )
                    continue
                lines.append(
                    f"  - [{j.finding.rule}] {_label(j.action)}: {clean(j.finding.message)}"
                )
                if j.finding.remedy:
                    lines.append(f"      fix: {clean(j.finding.remedy)}")
    for note in verdict.notes:
        lines.append(f"note: {clean(note, 1000)}")
    if footer:
        lines.append(clean(footer, 2000))
    return "\n".join(lines) + "\n"


def to_json(
    verdict: Verdict, decision: Decision | None = None, extra: dict[str, object] | None = None
) -> str:
    packages = []
    for p in ordered(verdict.packages):
        c = p.candidate
        packages.append(
            {
                "name": clean(c.name),
                "version": clean(version_text(p)),
                "decision": decision_word(p.action),
                "source": c.source.value,
                "filename": clean(c.filename),
                "url": clean(c.url, 2000),
                "sha256": c.sha256,
                "requested": c.requested,
                "summary": clean(_summary(p)),
                "findings": [
                    {
                        "rule": j.finding.rule,
                        "action": j.action.label,
                        "message": clean(j.finding.message, 2000),
                        "remedy": clean(j.finding.remedy, 2000),
                        **(
                            {"allowed_because": clean(j.allowed_because)}
                            if j.allowed_because
                            else {}
                        ),
                        **(
                            {"evidence": {clean(k): clean(v, 2000) for k, v in j.finding.evidence}}
                            if j.finding.evidence
                            else {}
                        ),
                    }
                    for j in p.judged
                ],
            }
        )
    doc: dict[str, object] = {
        "decision": (decision or verdict.decision).value,
        "packages": packages,
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
