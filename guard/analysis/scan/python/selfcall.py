"""Module-level code that calls a function of its own file.

A deep module imported at import time is parsed at module level only unless a
quick look finds something risky (``guard.analysis.scan.scanner``); but when its
module-level code calls one of the file's own functions (``_x = run_it()``, a
thread's target), that function runs on import too, and its body must be read
for what runs to count where it is called.
"""

from __future__ import annotations

import ast

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def runs_own_function(tree: ast.Module) -> bool:
    """Module-level code calls, or hands on, a function defined at the top of the file."""
    defined = {node.name for node in tree.body if isinstance(node, _DEFS)}
    if not defined:
        return False
    for statement in tree.body:
        if isinstance(statement, (*_DEFS, ast.ClassDef)):
            continue
        for sub in ast.walk(statement):
            if isinstance(sub, ast.Call) and any(
                isinstance(ref, ast.Name) and ref.id in defined
                for ref in (sub.func, *sub.args, *(k.value for k in sub.keywords))
            ):
                return True
    return False
