"""The limits the code keeps (docs/ARCHITECTURE.md): no import cycle, small
functions, low complexity, few top-level modules, and printing, exiting, HTTP
and subprocesses each confined to the one package that owns them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from radon.complexity import cc_visit
from radon.visitors import Function

GUARD = Path(__file__).resolve().parents[1] / "guard"

MAX_LINES = 60
MAX_COMPLEXITY = 15
MAX_MEAN_COMPLEXITY = 4.5
MAX_TOP_LEVEL_MODULES = 8

#: Modules that may be imported only inside the package that owns that kind of I/O.
OWNED_IMPORTS = {
    "index": ("requests", "urllib.request", "urllib3", "http.client", "socket"),
    "pip": ("subprocess", "multiprocessing.popen_fork"),
}
#: Calls that print or end the process: only the CLI makes them.
CLI_ONLY_NAMES = {"print", "exit", "quit"}
CLI_ONLY_ATTRIBUTES = {("sys", "exit"), ("sys", "stdout"), ("sys", "stderr"), ("os", "_exit")}
#: ``TARGET_PYTHON _worker_main.py``: a separate program pip runs in, whose
#: protocol is its stdout and a pipe; it is no part of safepip's own process.
SEPARATE_PROGRAMS = {"guard/pip/_worker_main.py"}
#: Process-spawning calls outside ``subprocess``.
SPAWN_ATTRIBUTES = {("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "spawnv")}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def rel(self) -> str:
        return self.path.relative_to(GUARD.parent).as_posix()

    @property
    def package(self) -> str:
        parts = self.name.split(".")
        nested = len(parts) > 2 or (len(parts) == 2 and self.path.name == "__init__.py")
        return parts[1] if nested else ""


def _modules() -> list[Module]:
    found = []
    for path in sorted(GUARD.rglob("*.py")):
        parts = list(path.relative_to(GUARD.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found.append(Module(".".join(parts), path, tree))
    return found


MODULES = _modules()
NAMES = {m.name for m in MODULES}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for branch in node.orelse for n in [branch, *_runtime_nodes(branch)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _imported(module: Module) -> Iterator[str]:
    """Every module name this one imports, at any depth (function-level included)."""
    for node in _runtime_nodes(module.tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            base = node.module
            if node.level:
                anchor = module.name.split(".")
                if module.path.name != "__init__.py":
                    anchor.pop()
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in NAMES else base


def _graph() -> dict[str, set[str]]:
    return {m.name: {n for n in _imported(m) if n in NAMES and n != m.name} for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _functions() -> Iterator[tuple[Module, Function]]:
    for module in MODULES:
        for block in cc_visit(module.path.read_text(encoding="utf-8")):
            if isinstance(block, Function):
                yield module, block
            for method in getattr(block, "methods", ()):
                yield module, method


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_function_length() -> None:
    long = [
        f"{m.rel}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for m in MODULES
        for node in ast.walk(m.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_LINES
    ]
    assert long == []


def test_complexity() -> None:
    functions = list(_functions())
    high = [
        f"{m.rel}:{f.lineno} {f.name} (CC {f.complexity})"
        for m, f in functions
        if f.complexity > MAX_COMPLEXITY
    ]
    assert high == []
    mean = sum(f.complexity for _, f in functions) / len(functions)
    assert mean <= MAX_MEAN_COMPLEXITY, f"mean cyclomatic complexity {mean:.2f}"


def test_few_modules_directly_under_guard() -> None:
    top = sorted(p.name for p in GUARD.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


@pytest.mark.parametrize("package", sorted(OWNED_IMPORTS))
def test_io_stays_in_its_package(package: str) -> None:
    owned = OWNED_IMPORTS[package]
    strays = [
        f"{m.rel} imports {name}"
        for m in MODULES
        if m.package != package
        for name in set(_imported(m))
        if any(name == o or name.startswith(f"{o}.") for o in owned)
    ]
    assert strays == []


def _cli_only_uses(module: Module) -> Iterator[str]:
    for node in _runtime_nodes(module.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in CLI_ONLY_NAMES:
                yield f"{module.rel}:{node.lineno} {node.func.id}()"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            pair = (node.value.id, node.attr)
            if pair in CLI_ONLY_ATTRIBUTES or (
                module.package != "pip" and pair in SPAWN_ATTRIBUTES
            ):
                yield f"{module.rel}:{node.lineno} {node.value.id}.{node.attr}"


def test_printing_and_exiting_only_in_the_cli() -> None:
    strays = [
        use
        for m in MODULES
        if m.package != "cli" and m.rel not in SEPARATE_PROGRAMS
        for use in _cli_only_uses(m)
    ]
    assert strays == []


def test_the_checks_see_what_they_look_for() -> None:
    """The checks above are not vacuous: they find the CLI's own prints and pip's subprocesses."""
    cli = [m for m in MODULES if m.package == "cli"]
    assert any(list(_cli_only_uses(m)) for m in cli)
    pip = [m for m in MODULES if m.package == "pip"]
    assert any("subprocess" in set(_imported(m)) for m in pip)
    assert len(list(_functions())) > 300
