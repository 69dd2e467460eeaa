"""Why the scan did not block an archive: one line for a human, for benchmarks/malware_recall.py.

The archive is read in memory with the scanner's own reader (nothing is extracted,
imported, built or run) and ``setup.py`` is only parsed, never executed. The line
names what the scan saw: no code at all, only metadata, a ``setup.py`` that is a
plain ``setup()`` call, code without any signal (and where that code sits), or
the strongest signals that stayed under the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

from guard.analysis.scan import ScanResult
from guard.analysis.scan import archive as archives
from guard.analysis.scan.score import Signal

CODE_SUFFIXES = (".py", ".pyw", ".pth")
METADATA_NAMES = frozenset(
    {
        "pkg-info",
        "setup.cfg",
        "pyproject.toml",
        "manifest.in",
        "requirements.txt",
        "metadata",
        "record",
        "wheel",
        "top_level.txt",
        "sources.txt",
        "dependency_links.txt",
        "entry_points.txt",
        "not-zip-safe",
        "requires.txt",
    }
)
METADATA_PREFIXES = ("readme", "license", "licence", "changelog", "changes", "authors", "copying")
# Module-level calls a plain setup.py makes besides setup() itself.
PLAIN_CALLS = frozenset(
    {
        "setup",
        "find_packages",
        "find_namespace_packages",
        "open",
        "read",
        "readlines",
        "strip",
        "split",
        "join",
        "dirname",
        "abspath",
        "Path",
        "read_text",
        "parent",
        "exists",
        "splitlines",
        "get",
        "Extension",
    }
)


def _want(name: str, size: int) -> str:
    return "read" if name.lower().endswith(CODE_SUFFIXES) else ""


def _base(name: str) -> str:
    return name.rsplit("/", 1)[-1].lower()


def _is_metadata(name: str) -> bool:
    base = _base(name)
    return (
        base in METADATA_NAMES
        or base.startswith(METADATA_PREFIXES)
        or ".egg-info/" in name
        or ".dist-info/" in name
    )


def _setup_py(arc: archives.Archive) -> bytes | None:
    for name, data in arc.contents.items():
        if name.count("/") <= 1 and _base(name) == "setup.py":
            return data
    return None


def _called(node: ast.AST) -> str:
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return "?"


def module_level_calls(source: str) -> list[str] | None:
    """The names called by the module-level statements of ``source`` (None if it does not parse).

    Calls inside function and class bodies are left out (they run only when
    called), except a class whose name says it replaces an install command.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        names.extend(_called(n) for n in ast.walk(stmt) if isinstance(n, ast.Call))
    return names


def _setup_line(data: bytes) -> str:
    calls = module_level_calls(data.decode("utf-8", "replace"))
    if calls is None:
        return "setup.py does not parse"
    other = sorted({c for c in calls if c not in PLAIN_CALLS})
    if not other:
        return "setup.py is plain setup() call"
    return f"setup.py also calls {', '.join(other[:5])} at module level"


def _signal_text(signal: Signal) -> str:
    return f"{signal.rule}/{signal.kind} {signal.where} [{signal.role}] {signal.text}"


def _under_line(result: ScanResult) -> str:
    ranked = sorted(result.signals, key=lambda s: -s.weight)
    top = "; ".join(f"{_signal_text(s)} (+{s.weight:.1f})" for s in ranked[:2])
    return f"score {result.score:.1f} ({result.level}): {top}"


def _no_signal(arc: archives.Archive) -> str:
    code = [n for n in arc.names if n.lower().endswith(CODE_SUFFIXES)]
    setup = _setup_py(arc)
    parts = [_setup_line(setup) if setup is not None else "no setup.py"]
    others = [n for n in code if _base(n) != "setup.py"]
    if others:
        parts.append(f"{len(others)} other code file(s), e.g. {others[0]}")
    return "no signal: " + "; ".join(parts)


def reason(path: Path, filename: str, result: ScanResult) -> str:
    """One line on why ``result`` (of the archive at ``path``) is not a block."""
    if result.signals:
        return _under_line(result)
    try:
        arc = archives.read_archive(path, filename, _want)
    except (archives.UnreadableArchive, archives.UnsafeArchive) as exc:
        return f"unreadable for the reader: {exc}"
    if not arc.names:
        return "empty archive"
    if not any(n.lower().endswith(CODE_SUFFIXES) for n in arc.names):
        if all(_is_metadata(n) for n in arc.names):
            return f"only metadata ({len(arc.names)} files)"
        other = sorted({_base(n) for n in arc.names if not _is_metadata(n)})
        return f"no code files ({', '.join(other[:4])})"
    return _no_signal(arc)
