"""``setup(cmdclass={"install": ...})``: install commands a setup script replaces."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from guard.analysis.scan.hits import INSTALL_TIME_CODE
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.names import CMDCLASS_KEYS, str_value


def setup_call(cx: Context, node: ast.Call, name: str) -> None:
    """An overridden install, develop or egg_info command (1)."""
    deferred = id(node) in cx.deferred
    for key, command in _commands(node):
        if command in CMDCLASS_KEYS:
            what = f"overrides the {command} command"
            cx.hit(INSTALL_TIME_CODE, "cmdclass", 1.0, key, what, deferred)


def _commands(node: ast.Call) -> Iterator[tuple[ast.expr, str]]:
    """(key, command name) of each literal key of ``cmdclass={...}``."""
    for keyword in node.keywords:
        if keyword.arg == "cmdclass" and isinstance(keyword.value, ast.Dict):
            for key in keyword.value.keys:
                command = str_value(key)
                if key is not None and command is not None:
                    yield key, command
