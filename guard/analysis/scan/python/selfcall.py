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

from guard.analysis.scan.python.exprs import named_by_string
from guard.analysis.scan.python.liveness import (
    module_containers,
    taken_names,
    takes_from_container,
)
from guard.analysis.scan.python.text import ascii_fold
from guard.analysis.scan.python.walk import Nodes

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


def runs_own_code(tree: ast.Module, nodes: Nodes) -> bool:
    """Module-level code (its calls and loops, as the walk kept them in ``nodes``)
    calls or hands on a function of the top of the file or makes an object of one
    of its classes, also through a container of them (``liveness.taken_names``),
    or a definition is decorated with one of its functions: the bodies that run
    then are read (``liveness`` says which)."""
    defined = {node.name for node in tree.body if isinstance(node, (*_DEFS, ast.ClassDef))}
    if not defined:
        return False
    definitions = (node for node in tree.body if isinstance(node, (*_DEFS, ast.ClassDef)))
    if any(_names(d, defined) for node in definitions for d in node.decorator_list):
        return True
    return any(_runs_one(node, defined, nodes) for node in nodes.checked)


def _runs_one(node: ast.AST, defined: set[str], nodes: Nodes) -> bool:
    """A node of module-level code (not the main guard's: it runs only as a script)
    calls or hands on one of ``defined``, or runs one from a container."""
    if id(node) in nodes.owner:
        return False
    if isinstance(node, ast.Call) and _calls_one(node, defined):
        return True
    if not (isinstance(node, ast.For | ast.Call) and takes_from_container(node)):
        return False
    return not defined.isdisjoint(taken_names(node, module_containers(nodes)))


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
