"""The Markdown report, for pull-request comments.

``to_markdown(verdict)``: a table (package, version, decision, reasons) and the
details of every blocked or warned package with what to do about it. The
comment stays under GitHub's size limit: details that do not fit are cut, with
a line saying so.

Index-supplied text goes through ``guard.report.sanitize.clean`` first, and is
then escaped (HTML and Markdown punctuation; ``@`` cannot mention anyone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from guard.models import Action, Decision, Judged, PackageVerdict, Verdict
from guard.report.base import ReportContext
from guard.report.common import decision_word, ordered, shown, strictest_first, version_text
from guard.report.sanitize import clean

MARKDOWN_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters

_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")

_HEADING = {
    Decision.ALLOW: "allowed",
    Decision.WARN: "allowed, with warnings",
    Decision.BLOCK: "BLOCKED",
    Decision.ERROR: "error",
}


def md(text: object, limit: int = 300) -> str:
    """Cleaned, then safe in a Markdown table cell or line (no HTML, no links,
    no emphasis, no mentions)."""
    s = clean(text, limit)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    s = _MD_PUNCT.sub(r"\\\1", s)
    return s.replace("@", "@\u2060")  # a word joiner: "@name" mentions nobody


def _code(text: object) -> str:
    """A code span (a rule id): cleaned, with no backtick to break out of it."""
    return "`" + clean(text, 80).replace("`", "'") + "`"


def _summary(packages: Sequence[PackageVerdict], final: Decision) -> list[str]:
    counts = {a: sum(1 for p in packages if p.action is a) for a in Action}
    return [
        f"### safepip: {_HEADING[final]}",
        "",
        f"{len(packages)} package{'s' if len(packages) != 1 else ''} vetted: "
        f"{counts[Action.BLOCK]} blocked, {counts[Action.WARN]} with warnings, "
        f"{counts[Action.IGNORE]} allowed.",
        "",
    ]


def _row(p: PackageVerdict) -> str:
    reasons = sorted({j.finding.rule for j in shown(p.judged) if not j.allowed_because})
    waived = sorted({j.finding.rule for j in p.judged if j.allowed_because})
    cell = ", ".join(md(r, 80) for r in reasons)
    if waived:
        cell += ("; " if cell else "") + "allowed: " + ", ".join(md(r, 80) for r in waived)
    return (
        f"| {md(p.candidate.name, 100)} | {md(version_text(p), 60)} | "
        f"{decision_word(p.action)} | {cell} |"
    )


def _table(packages: Sequence[PackageVerdict]) -> list[str]:
    if not packages:
        return []
    header = ["| Package | Version | Decision | Reasons |", "| --- | --- | --- | --- |"]
    return [*header, *(_row(p) for p in packages), ""]


def _finding_lines(j: Judged) -> list[str]:
    if j.allowed_because:
        return [
            f"- {_code(j.finding.rule)} allowed by the policy: "
            f"{md(j.allowed_because, 500)} ({md(j.finding.message, 1000)})"
        ]
    lines = [
        f"- {_code(j.finding.rule)} **{decision_word(j.action)}**: {md(j.finding.message, 1000)}"
    ]
    if j.finding.remedy:
        lines.append(f"  - Fix: {md(j.finding.remedy, 1000)}")
    return lines


def _details(p: PackageVerdict) -> list[str]:
    heading = (
        f"#### {md(p.candidate.name, 100)} {md(version_text(p), 60)}: {decision_word(p.action)}"
    )
    lines = [heading, ""]
    for j in strictest_first(p.judged):
        lines.extend(_finding_lines(j))
    return [*lines, ""]


def _notes(notes: Sequence[str]) -> list[str]:
    if not notes:
        return []
    return ["**Notes**", "", *(f"- {md(note, 1000)}" for note in notes), ""]


def _fitted(head: str, body: Sequence[str]) -> str:
    """``head``, then as many lines of ``body`` as fit under the comment limit."""
    text = head
    for line in body:
        if len(text) + len(line) + 200 > MARKDOWN_LIMIT:
            text += "\n_(more details cut: run `safepip check` locally for the full report)_\n"
            break
        text += "\n" + line
    return text.rstrip("\n") + "\n"


def to_markdown(verdict: Verdict, decision: Decision | None = None) -> str:
    """A PR comment: a summary table and what to do about each problem."""
    packages = ordered(verdict.packages)
    head = [*_summary(packages, decision or verdict.decision), *_table(packages)]
    body = [line for p in packages if p.action is not Action.IGNORE for line in _details(p)]
    return _fitted("\n".join(head), [*body, *_notes(verdict.notes)])


def error_markdown(message: str) -> str:
    """A PR comment for a run that could not decide (exit 2)."""
    return f"### safepip: error\n\nsafepip could not decide: {md(message, 4000)}\n"


@dataclass(frozen=True)
class MarkdownFormat:
    """``--format markdown``: for pull-request comments."""

    name: str = "markdown"

    def verdict(self, verdict: Verdict, context: ReportContext) -> str:
        return to_markdown(verdict)

    def error(self, message: str, context: ReportContext) -> str:
        return error_markdown(message)
