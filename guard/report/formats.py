"""The report formats by name, for ``--format``: text, json, sarif, markdown.

Each format renders a verdict and an error behind one interface
(``guard.report.base.Format``). The rendering functions of the machine formats
are also reachable here under their own names, as callers know them.
"""

from __future__ import annotations

from guard.report.base import Format, ReportContext, RuleMeta
from guard.report.json_format import JsonFormat
from guard.report.markdown import MarkdownFormat, error_markdown, md, to_markdown
from guard.report.sarif import SarifFormat, error_sarif, requirement_lines, to_sarif
from guard.report.text import TextFormat

FORMATS: dict[str, Format] = {
    f.name: f for f in (TextFormat(), JsonFormat(), SarifFormat(), MarkdownFormat())
}

__all__ = [
    "FORMATS",
    "Format",
    "ReportContext",
    "RuleMeta",
    "error_markdown",
    "error_sarif",
    "md",
    "requirement_lines",
    "to_markdown",
    "to_sarif",
]
