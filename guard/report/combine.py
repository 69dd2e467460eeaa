"""One document from the reports of several runs (the pre-commit hook checks
each requirement file on its own, but CI reads one document).

Pure: each part is a file name, the run's exit code and the report text it
wrote. JSON becomes ``{"exit_code": worst, "files": [{"file", "exit_code",
"report"}]}``; SARIF becomes one log holding every run's ``runs`` (SARIF allows
several runs in a log); Markdown and text are the reports one after another,
each under a heading naming its file. A part whose text is not the document its
format promises (which would be a defect) is kept whole as a string in JSON,
and is an error in SARIF (which has no place for it): never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from guard.errors import GuardError
from guard.report.sarif import SARIF_SCHEMA, SARIF_VERSION


@dataclass(frozen=True)
class Part:
    """What one run reported: the file it checked, its exit code, its report."""

    file: str
    exit_code: int
    text: str


def _parsed(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _json(parts: Sequence[Part]) -> str:
    files = [{"file": p.file, "exit_code": p.exit_code, "report": _parsed(p.text)} for p in parts]
    worst = max((p.exit_code for p in parts), default=0)
    return json.dumps({"exit_code": worst, "files": files}, indent=2) + "\n"


def _sarif(parts: Sequence[Part]) -> str:
    runs: list[object] = []
    for part in parts:
        log = _parsed(part.text)
        found = log.get("runs") if isinstance(log, dict) else None
        if isinstance(found, list):
            runs.extend(found)
        else:
            raise GuardError(f"the SARIF report for {part.file} is not a SARIF log")
    log_out = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}
    return json.dumps(log_out, indent=2) + "\n"


def _headed(parts: Sequence[Part], heading: str) -> str:
    return "".join(f"{heading}{p.file}\n\n{p.text.rstrip()}\n\n" for p in parts)


def combine(fmt: str, parts: Sequence[Part]) -> str:
    """The reports of ``parts`` as one document of format ``fmt``."""
    if len(parts) == 1:
        return parts[0].text
    if fmt == "json":
        return _json(parts)
    if fmt == "sarif":
        return _sarif(parts)
    return _headed(parts, "## safepip check -r " if fmt == "markdown" else "== safepip check -r ")
