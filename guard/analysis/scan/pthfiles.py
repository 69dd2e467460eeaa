"""``.pth`` files: the lines the interpreter runs at every start-up, and what they do."""

from __future__ import annotations

import posixpath

from guard.analysis.pth import is_executed, is_known_hook, is_namespace_shim, is_suspicious
from guard.analysis.scan import python
from guard.analysis.scan.hits import MAX_SNIPPET, PTH_CODE, Hit


def pth_hits(text: str, pth_name: str, project: str) -> list[Hit]:
    """A hit for running code at all (3, or 5 for code that execs, decodes or fetches),
    then what the analysis of that code finds, at the lines of the file."""
    if is_known_hook(project, pth_name):
        return []
    code = _executed(text)
    if not code:
        return []
    number, first = code[0]
    suspicious = any(is_suspicious(line) for _, line in code)
    weight = 5.0 if suspicious else 3.0
    what = "runs code that execs, decodes or fetches" if suspicious else "runs code"
    snippet = first.strip()[:MAX_SNIPPET]
    hits = [Hit(PTH_CODE, "pth-code", weight, number, snippet, f"{pth_name} {what} at start-up")]
    hits.extend(_code_hits(code, number))
    return hits


def path_lines(text: str) -> list[str]:
    """The paths a ``.pth`` file puts on ``sys.path``, relative to site-packages: the
    lines ``site`` neither skips (comments, blank lines) nor runs (``import``),
    normalized; those that are absolute or leave site-packages are left out (no
    file of the package is there)."""
    out = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip() or is_executed(line):
            continue
        path = posixpath.normpath(line.rstrip().replace("\\", "/"))
        if path.startswith(("/", "../")) or path in (".", "..") or ":" in path:
            continue
        out.append(path)
    return out


def _executed(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines that run, namespace-package shims left out."""
    return [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if is_executed(line) and not is_namespace_shim(line)
    ]


def _code_hits(code: list[tuple[int, str]], first: int) -> list[Hit]:
    """The analysis of the executed lines, its hits moved to the lines of the file."""
    report = python.analyse("\n".join(line for _, line in code))
    hits = []
    for hit in report.hits:
        line = code[hit.line - 1][0] if 0 < hit.line <= len(code) else first
        hits.append(Hit(hit.rule, hit.kind, hit.weight, line, hit.snippet, hit.text, False))
    return hits
