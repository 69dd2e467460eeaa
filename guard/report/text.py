"""The text report: a table of packages, then what each blocked or warned one is about.

Every string that came from an index (names, summaries, URLs, messages that
quote them) goes through ``clean`` (guard.report.sanitize) before it is shown.
The error of a run that could not decide is not part of the text report: the
CLI prints it on stderr.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from guard.models import Action, Judged, PackageVerdict, Verdict
from guard.report.base import ReportContext
from guard.report.common import (
    decision_word,
    ordered,
    shown,
    strictest_first,
    summary,
    version_text,
)
from guard.report.json_format import error_json, to_json
from guard.report.sanitize import clean

# to_json and error_json are also reachable here, where callers first found them.
__all__ = ["TextFormat", "error_json", "render_text", "to_json"]

NAME_WIDTH, VERSION_WIDTH = 60, 30


def _label(action: Action) -> str:
    """The text report's form of a decision: blocks stand out."""
    word = decision_word(action)
    return word.upper() if action is Action.BLOCK else word


def _name(p: PackageVerdict) -> str:
    return clean(p.candidate.name, NAME_WIDTH)


def _version(p: PackageVerdict) -> str:
    return clean(version_text(p), VERSION_WIDTH)


def _table(packages: Sequence[PackageVerdict]) -> list[str]:
    """The header row and one row per package, with the rules that act on it."""
    width = max(7, *(len(_name(p)) for p in packages))
    vwidth = max(7, *(len(_version(p)) for p in packages))
    rows = [f"{'PACKAGE':<{width}}  {'VERSION':<{vwidth}}  DECISION  REASONS"]
    for p in packages:
        rules = sorted({j.finding.rule for j in shown(p.judged) if j.action is not Action.IGNORE})
        rows.append(
            f"{_name(p):<{width}}  {_version(p):<{vwidth}}  "
            f"{_label(p.action):<8}  {', '.join(rules)}".rstrip()
        )
    return rows


def _finding_lines(j: Judged) -> list[str]:
    if j.allowed_because:
        return [
            f"  - [{j.finding.rule}] allowed by the policy: {clean(j.allowed_because)}"
            f" ({clean(j.finding.message)})"
        ]
    lines = [f"  - [{j.finding.rule}] {_label(j.action)}: {clean(j.finding.message)}"]
    if j.finding.remedy:
        lines.append(f"      fix: {clean(j.finding.remedy)}")
    return lines


def quiet_parts(p: PackageVerdict) -> list[Judged]:
    """The findings the policy ignores (weak signals alone, sdk-credentials...),
    which ``--verbose`` shows; a note finding is already among the notes."""
    return [
        j
        for j in p.judged
        if j.action is Action.IGNORE and not j.allowed_because and not j.finding.note
    ]


def _details(p: PackageVerdict, verbose: bool) -> list[str]:
    """A package's heading line, then each of its shown findings (with
    ``verbose``, also those the policy ignores)."""
    about = summary(p)
    lines = [
        f"{_name(p)} {_version(p)}: {_label(p.action)}"
        + (f" ({clean(about, 120)})" if about else "")
    ]
    for j in strictest_first(p.judged):
        lines.extend(_finding_lines(j))
    for j in quiet_parts(p) if verbose else ():
        lines.append(f"  - [{j.finding.rule}] ignore: {clean(j.finding.message)}")
    return lines


def render_text(verdict: Verdict, header: str, footer: str, verbose: bool = False) -> str:
    """The text report; ``verbose`` (pip's -v among the arguments) adds the
    findings the policy ignores, such as the weak parts of weak-signals."""
    lines = [clean(header, 2000)] if header else []
    packages = ordered(verdict.packages)
    if packages:
        lines.extend(_table(packages))
        details = [p for p in packages if shown(p.judged) or (verbose and quiet_parts(p))]
        if details:
            lines.append("")
        for p in details:
            lines.extend(_details(p, verbose))
    lines.extend(f"note: {clean(note, 1000)}" for note in verdict.notes)
    if footer:
        lines.append(clean(footer, 2000))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TextFormat:
    """``--format text``: for people, on a terminal."""

    name: str = "text"

    def verdict(self, verdict: Verdict, context: ReportContext) -> str:
        return render_text(verdict, context.header, context.footer)

    def error(self, message: str, context: ReportContext) -> str:
        return ""  # the CLI prints the error on stderr, in every format
