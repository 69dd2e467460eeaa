"""Module-level code that calls a function of its own file.

A deep module imported at import time is parsed at module level only unless a
quick look finds something risky (``guard.analysis.scan.scanner``); but when its
module-level code calls one of the file's own functions (``_x = run_it()``, a
thread's target), that function runs on import too, and its body must be read
for what runs to count where it is called.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from guard.analysis.scan.python.exprs import named_by_string
from guard.analysis.scan.python.liveness import runs_loop_target
from guard.analysis.scan.python.text import ascii_fold

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SHELLS = re.compile(
    r"powershell|\bcmd(?:\.exe)?\b|/bin/(?:ba)?sh|\b(?:curl|wget)\b|startfile|Start-Process",
    re.IGNORECASE,
)


# A word of each alternative of ``_SHELLS``, lower case: a quick look that rules
# most files out before the case-insensitive search, which is slow on large ones.
_SHELL_WORDS = ("powershell", "cmd", "/bin/", "curl", "wget", "startfile", "start-process")


def _names_a_shell(source: str) -> bool:
    lowered = source.lower()
    if not source.isascii():  # (the characters ignoring case takes for ASCII letters)
        lowered = ascii_fold(lowered)
    for word in _SHELL_WORDS:
        if word in lowered:
            return _SHELLS.search(source) is not None
    return False


def runs_own_function(tree: ast.Module, source: str) -> bool:
    """Module-level code calls, or hands on, a function defined at the top of the file,
    in a file that names a shell (what only the function bodies could show: libraries
    call their own helpers at import all the time, to probe the platform or to build
    tables, and what those do counts in the capped pool at most). Then every
    function body of the file is read."""
    if not _names_a_shell(source):
        return False
    defined = {node.name for node in tree.body if isinstance(node, _DEFS)}
    return bool(defined) and any(
        isinstance(sub, ast.Call) and _calls_one(sub, defined)
        for statement in tree.body
        if not isinstance(statement, (*_DEFS, ast.ClassDef))
        for sub in ast.walk(statement)
    )


def runs_own_code(tree: ast.Module, calls: Iterable[ast.AST]) -> bool:
    """Module-level code (``calls``: its calls, as the walk kept them) calls or hands
    on a function of the top of the file or makes an object of one of its classes,
    or a definition is decorated with one of its functions: the bodies that run
    then are read (``liveness`` says which)."""
    defined = {node.name for node in tree.body if isinstance(node, (*_DEFS, ast.ClassDef))}
    if not defined:
        return False
    definitions = (node for node in tree.body if isinstance(node, (*_DEFS, ast.ClassDef)))
    if any(_names(d, defined) for node in definitions for d in node.decorator_list):
        return True
    for node in calls:
        if isinstance(node, ast.Call) and _calls_one(node, defined):
            return True
        taken = _container_taken(node)
        if taken is not None and _own_container(taken, tree, defined):
            return True
    return False


def _own_container(taken: ast.expr, tree: ast.Module, defined: set[str]) -> bool:
    """A container that names one of ``defined``: a literal, or a name that
    module-level code assigns one."""
    if isinstance(taken, ast.Name):
        return taken.id in _holders(tree, defined)
    return _holds(taken, defined)


_CONTAINERS = (ast.List, ast.Tuple, ast.Set, ast.Dict)


def _container_taken(node: ast.AST) -> ast.expr | None:
    """What a loop goes over (``for f in STEPS``, ``STEPS.values()``), or what a
    called item is taken from (``TASKS["x"]()``); None for other nodes."""
    if isinstance(node, ast.For):
        if not runs_loop_target(node):
            return None
        where = node.iter
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Subscript):
        where = node.func.value
    else:
        return None
    if isinstance(where, ast.Call) and isinstance(where.func, ast.Attribute):
        where = where.func.value  # (``.values()``, ``.items()``)
    return where


def _holds(node: ast.AST, defined: set[str]) -> bool:
    """A literal container that names one of ``defined`` (its values, for a dict)."""
    items: list[ast.expr | None] = []
    if isinstance(node, ast.Dict):
        items = list(node.values)
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = list(node.elts)
    return any(
        (isinstance(i, ast.Name) and i.id in defined) or (i is not None and _holds(i, defined))
        for i in items
    )


def _holders(tree: ast.Module, defined: set[str]) -> set[str]:
    """The names module-level code assigns a literal container naming one of
    ``defined`` (``STEPS = [collect, send]``)."""
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and _holds(node.value, defined)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _calls_one(call: ast.Call, defined: set[str]) -> bool:
    """The call is of a name of ``defined``, or is handed one."""
    refs = (call.func, *call.args, *(k.value for k in call.keywords))
    return any(_names(ref, defined) for ref in refs)


def _names(node: ast.expr, defined: set[str]) -> bool:
    """The expression is a name of the file's (or a call of one: a decorator factory),
    or looks one up by its name as a string (``globals()["f"]``)."""
    if named_by_string(node) in defined:
        return True
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Name) and node.id in defined
