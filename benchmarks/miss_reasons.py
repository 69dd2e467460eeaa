"""Why the scan did not block an archive: one line for a human, for benchmarks/malware_recall.py.

The archive is read in memory with the scanner's own reader (nothing is extracted,
imported, built or run) and ``setup.py`` is only parsed, never executed. The line
names what the scan saw: no code at all, only metadata, a ``setup.py`` that is a
plain ``setup()`` call, code without any signal (and where that code sits), or
the strongest signals that stayed under the line. Then a full read: every code
file analysed with its function bodies (what the scan skips or discounts), with
the strongest thing found, the function it is in and whether module-level code
(which runs on import) refers to that function.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from guard.analysis.scan import ScanResult, python
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

    Calls inside function and class bodies are left out.
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
    firsts = list({(s.rule, s.kind): s for s in reversed(ranked)}.values())[::-1]
    top = "; ".join(f"{_signal_text(s)} (+{s.weight:.1f})" for s in firsts[:2])
    return f"score {result.score:.1f} ({result.level}): {top}"


def _no_signal(arc: archives.Archive) -> str:
    code = [n for n in arc.names if n.lower().endswith(CODE_SUFFIXES)]
    setup = _setup_py(arc)
    parts = [_setup_line(setup) if setup is not None else "no setup.py"]
    others = [n for n in code if _base(n) != "setup.py"]
    if others:
        parts.append(f"{len(others)} other code file(s), e.g. {others[0]}")
    return "no signal: " + "; ".join(parts)


@dataclass(frozen=True)
class Deep:
    """The strongest hit of a full read of one file, and where it sits."""

    file: str
    hit: python.Hit
    function: str  # "" at module level
    referenced: bool  # module-level code names the function (calls it, starts it as a thread...)

    def describe(self) -> str:
        where = f"{self.file}:{self.hit.line}"
        if not self.function:
            place = "at module level"
        elif self.referenced:
            place = f"in {self.function}(), which module-level code refers to"
        else:
            place = f"in {self.function}(), not referred to at module level"
        return f"{self.hit.rule}/{self.hit.kind} {self.hit.text} {place} ({where})"


def _runs_on_import(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return False
    test = stmt.test if isinstance(stmt, ast.If) else None
    return not (isinstance(test, ast.Compare) and "__name__" in ast.dump(test.left))


def _module_names(tree: ast.Module) -> set[str]:
    """The names module-level code (outside ``if __name__ == '__main__'``) refers to."""
    names: set[str] = set()
    for stmt in tree.body:
        if not _runs_on_import(stmt):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
    return names


def _enclosing(tree: ast.Module, line: int) -> str:
    """The outermost function or class holding ``line`` ("" at module level)."""
    best: tuple[int, str] | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        last = node.end_lineno or node.lineno
        if node.lineno <= line <= last and (best is None or node.lineno < best[0]):
            best = (node.lineno, node.name)
    return "" if best is None else best[1]


def full_read(name: str, text: str) -> Deep | None:
    """The strongest thing in one file when every function body is analysed."""
    report = python.analyse(text, parse=True, functions=True)
    if not report.hits:
        return None
    hit = max(report.hits, key=lambda h: (h.weight, -h.line))
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Deep(name, hit, "", False)
    function = _enclosing(tree, hit.line) if hit.deferred else ""
    return Deep(name, hit, function, bool(function) and function in _module_names(tree))


def strongest(arc: archives.Archive) -> Deep | None:
    found = []
    for name, data in arc.contents.items():
        deep = full_read(name, data.decode("utf-8", "replace"))
        if deep is not None:
            found.append(deep)
    return max(found, key=lambda d: d.hit.weight, default=None)


def reason(path: Path, filename: str, result: ScanResult) -> str:
    """One line on why ``result`` (of the archive at ``path``) is not a block."""
    try:
        arc = archives.read_archive(path, filename, _want)
    except (archives.UnreadableArchive, archives.UnsafeArchive) as exc:
        return f"unreadable for the reader: {exc}"
    seen = _under_line(result) if result.signals else _contents(arc)
    deep = strongest(arc)
    return f"{seen}; full read: {deep.describe() if deep else 'nothing'}"


def _contents(arc: archives.Archive) -> str:
    if not arc.names:
        return "empty archive"
    if not any(n.lower().endswith(CODE_SUFFIXES) for n in arc.names):
        if all(_is_metadata(n) for n in arc.names):
            return f"only metadata ({len(arc.names)} files)"
        other = sorted({_base(n) for n in arc.names if not _is_metadata(n)})
        return f"no code files ({', '.join(other[:4])})"
    return _no_signal(arc)
