"""The first pass: what names mean (imports) and hold (assignments)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import TypeGuard

from guard.analysis.scan.python.context import Context


def collect(cx: Context, nodes: Iterable[ast.AST]) -> None:
    """Record the import aliases, the imported modules (those that code which runs
    imports: not the imports inside functions that do not run) and the assigned
    values."""
    for node in nodes:
        if isinstance(node, ast.Import):
            _import(cx, node)
        elif isinstance(node, ast.ImportFrom):
            _import_from(cx, node)
        elif isinstance(node, ast.Assign):
            _assign(cx, node)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            _assign_one(cx, node)
        elif isinstance(node, ast.With | ast.AsyncWith):
            _with(cx, node)


def alias_assignments(cx: Context, known: frozenset[str]) -> None:
    """``e = exec``, ``s = os.system``: a name assigned once to a known callable is an
    alias of it; ``m = importlib.import_module("os")`` (or ``__import__``) of the
    module it names; ``d = lambda x: b64decode(x)`` of what the lambda calls."""
    for name, values in cx.assigned.items():
        if len(values) == 1 and name not in cx.aliases:
            value = _wrapped(values[0])
            if isinstance(value, ast.Name | ast.Attribute | ast.Call):
                qualified = cx.qual(value)
                if qualified and (qualified in known or _imports(cx, value)):
                    cx.aliases[name] = qualified


def _wrapped(value: ast.AST) -> ast.AST:
    """What a lambda that only hands its parameters on calls (``lambda x:
    b64decode(x)`` -> ``b64decode``); any other value as it is."""
    if not isinstance(value, ast.Lambda) or not isinstance(value.body, ast.Call):
        return value
    params = [a.arg for a in value.args.args]
    passed = [a.id for a in value.body.args if isinstance(a, ast.Name)]
    return value.body.func if params and passed == params else value


_IMPORTERS = frozenset({"__import__", "importlib.import_module"})


def _imports(cx: Context, value: ast.AST) -> bool:
    """A call that imports a module by its name."""
    return isinstance(value, ast.Call) and cx.qual(value.func) in _IMPORTERS


def _runs(cx: Context, node: ast.Import | ast.ImportFrom) -> bool:
    """The import pulls a module in: it is not in a function that never runs (or
    the file is a ``setup.py`` helper, whose every import counts)."""
    return cx.all_imports or id(node) not in cx.deferred


def _import(cx: Context, node: ast.Import) -> None:
    for alias in node.names:
        if alias.asname:
            cx.aliases[alias.asname] = alias.name
        else:
            top = alias.name.split(".")[0]
            cx.aliases.setdefault(top, top)
        if _runs(cx, node):
            cx.local_imports.append(alias.name)


def _import_from(cx: Context, node: ast.ImportFrom) -> None:
    module = node.module or ""
    runs = _runs(cx, node)
    if runs and node.level == 0 and module:
        cx.local_imports.append(module)
        # ``from pkg import mod`` pulls in pkg/mod.py, as ``from . import mod`` does
        cx.local_imports.extend(f"{module}.{alias.name}" for alias in node.names)
    elif runs and node.level > 0:
        cx.local_imports.extend(_relative_imports(module, node.names))
    for alias in node.names:
        full = f"{module}.{alias.name}" if module else alias.name
        cx.aliases[alias.asname or alias.name] = full


def _relative_imports(module: str, names: list[ast.alias]) -> list[str]:
    """``from .x import y`` pulls in ``x.y`` (a module, or a name of ``x``)."""
    return [f"{module}.{alias.name}".strip(".") for alias in names]


def _assign(cx: Context, node: ast.Assign) -> None:
    for target in node.targets:
        if type(target) is ast.Name:  # (most targets: nothing else to look at)
            cx.assign(target.id, node.value, node)
            continue
        if _unpacked(cx, target, node.value, node):
            continue
        if own_attribute(target):
            cx.attributes.setdefault(target.attr, []).append(node.value)
        # (most targets are one name, or an attribute of one: no walk for them)
        names = (target,) if isinstance(target, ast.Name) else _names_in(target)
        for name in names:
            if isinstance(name, ast.Name):
                cx.assign(name.id, node.value, node)


def _names_in(target: ast.expr) -> Iterable[ast.AST]:
    """The nodes of ``target`` that may be names: ``self.x`` has one, ``self``."""
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        return (target.value,)
    return ast.walk(target)


def own_attribute(target: ast.expr) -> TypeGuard[ast.Attribute]:
    """``self.x`` or ``cls.x``."""
    return (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id in ("self", "cls")
    )


def _unpacked(cx: Context, target: ast.expr, value: ast.expr, node: ast.Assign) -> bool:
    """``a, b = exec, str``: each name holds its own element (when both sides are
    flat sequences of one length)."""
    pairs = (ast.Tuple, ast.List)
    if not (isinstance(target, pairs) and isinstance(value, pairs)):
        return False
    if len(target.elts) != len(value.elts) or not all(
        isinstance(t, ast.Name) and not isinstance(v, ast.Starred)
        for t, v in zip(target.elts, value.elts, strict=True)
    ):
        return False
    for name, element in zip(target.elts, value.elts, strict=True):
        if isinstance(name, ast.Name):
            cx.assign(name.id, element, node)
    return True


def _assign_one(cx: Context, node: ast.AnnAssign | ast.AugAssign | ast.NamedExpr) -> None:
    if isinstance(node.target, ast.Name) and node.value is not None:
        cx.assign(node.target.id, node.value, node)


def loop_names(cx: Context, nodes: Iterable[ast.AST]) -> None:
    """``for rc in ("~/.bashrc", "~/.zshrc")``: the name holds each path in turn (a
    loop over a literal sequence of paths; ``nodes``: the checked ones), and
    ``for fd in (0, 1, 2)`` each standard stream (``os.dup2(s.fileno(), fd)``).
    Only those: a loop over words (``("start", "end")``) would put each word into
    every command the name is part of, as if it were the program."""
    for node in nodes:
        if (
            type(node) is ast.For
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Tuple | ast.List | ast.Set)
        ):
            for element in node.iter.elts[:16]:
                if isinstance(element, ast.Constant) and _path_like(element.value):
                    cx.assign(node.target.id, element, node)


def _path_like(value: object) -> bool:
    if type(value) is int:
        return value in (0, 1, 2)  # (the standard streams' descriptors)
    return isinstance(value, str) and (
        "/" in value or "\\" in value or value.startswith(("~", "."))
    )


def _with(cx: Context, node: ast.With | ast.AsyncWith) -> None:
    """``with httpx.Client() as client``: ``client`` holds what the item made."""
    for item in node.items:
        if isinstance(item.optional_vars, ast.Name):
            cx.assign(item.optional_vars.id, item.context_expr, node)
