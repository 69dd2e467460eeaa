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

from guard.analysis.scan.python.exprs import is_main_guard, named_by_string
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
    return _names_a_shell(source) and _runs_own(tree, classes=False)


def runs_own_code(tree: ast.Module) -> bool:
    """Module-level code calls or hands on a function of the top of the file, makes
    an object of one of its classes, or decorates with one of its functions: the
    bodies that run then are read (``liveness`` says which)."""
    return _runs_own(tree, classes=True)


def _runs_own(tree: ast.Module, classes: bool) -> bool:
    kinds = (*_DEFS, ast.ClassDef) if classes else _DEFS
    defined = {node.name for node in tree.body if isinstance(node, kinds)}
    return bool(defined) and any(_runs(s, defined, classes) for s in tree.body)


def _runs(statement: ast.stmt, defined: set[str], classes: bool) -> bool:
    """One module-level statement calls or hands on a name of ``defined`` (with
    ``classes``, decorates with one too; the main guard's code runs only as a
    script)."""
    if isinstance(statement, (*_DEFS, ast.ClassDef)):
        return classes and any(_names(d, defined) for d in statement.decorator_list)
    if classes and isinstance(statement, ast.If) and is_main_guard(statement.test):
        return False
    return any(
        isinstance(sub, ast.Call)
        and any(
            _names(ref, defined) for ref in (sub.func, *sub.args, *(k.value for k in sub.keywords))
        )
        for sub in ast.walk(statement)
    )


def _names(node: ast.expr, defined: set[str]) -> bool:
    """The expression is a name of the file's (or a call of one: a decorator factory),
    or looks one up by its name as a string (``globals()["f"]``)."""
    if named_by_string(node) in defined:
        return True
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Name) and node.id in defined
