"""One walk over a syntax tree that keeps the nodes the analysis passes need.

The walk keeps, in source order, the nodes the first pass reads (imports,
assignments), the nodes the second pass checks (calls, ``+``, subscripts,
loops), and optionally the nodes that carry identifiers (for the Unicode
checks). It notes which checked nodes sit inside function bodies (or under
``if __name__ == "__main__"``): those run only when called.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from guard.analysis.scan.python.exprs import is_import_guard, is_main_guard, is_type_checking

_COLLECTED = (
    ast.Import,
    ast.ImportFrom,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.NamedExpr,
    ast.With,
    ast.AsyncWith,
)
_CHECKED = (ast.Call, ast.BinOp, ast.Subscript, ast.For)
_NAMED = (ast.Name, ast.Attribute, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.arg)
# Fields that hold contexts, operators or plain values in every node type (and all
# of a constant's): not walked. Nodes without children are walked only if kept.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "kind", "type_comment"})
CHILD_FIELDS = {
    cls: () if cls is ast.Constant else tuple(f for f in cls._fields if f not in _LEAF_FIELDS)
    for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.AST)
}
LEAF_TYPES = frozenset(cls for cls, fields in CHILD_FIELDS.items() if not fields)

# The node types ``walk`` looks at itself before it pushes their children.
_SPECIAL = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.If, ast.Return}
)
_VISITED_UNNAMED = frozenset(cls for cls, fields in CHILD_FIELDS.items() if fields) | frozenset(
    (*_COLLECTED, *_CHECKED)
)
_VISITED = _VISITED_UNNAMED | frozenset(_NAMED)

_Stack = list[tuple[ast.AST, str | None]]
MAIN = "__main__"  # the owner of the code under ``if __name__ == "__main__"``


@dataclass
class Nodes:
    """The kept nodes, in source order, and who owns the checked ones."""

    collected: list[ast.AST] = field(default_factory=list)
    checked: list[ast.AST] = field(default_factory=list)
    named: list[ast.AST] = field(default_factory=list)
    # id of a checked node in a function body (or under the main guard) -> the
    # function ("name", or "Class.name" for a method; ``MAIN``)
    owner: dict[int, str] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)  # the keys of the defined functions
    classes: dict[str, list[str]] = field(default_factory=dict)  # class -> method keys
    thread_classes: set[str] = field(default_factory=set)  # classes with a Thread base
    # classes that override an install command (an ``install`` or ``develop`` base)
    hook_classes: set[str] = field(default_factory=set)
    decorators: list[tuple[str | None, ast.expr]] = field(default_factory=list)
    method_class: dict[int, str] = field(default_factory=dict)  # id of a method -> class
    params: dict[str, frozenset[str]] = field(default_factory=dict)  # function -> its parameters
    enclosing: dict[str, str | None] = field(default_factory=dict)  # function -> its definer
    returned: set[int] = field(default_factory=set)  # ids of calls a ``return`` hands back
    name_returns: set[str] = field(default_factory=set)  # functions that ``return`` a name
    # function -> what its ``return`` statements hand back (``covert``: the
    # environment a helper collects for another to send)
    returns: dict[str, list[ast.expr]] = field(default_factory=dict)
    # what defining a class runs besides its body: (the code it is defined in, the
    # names of its bases and, marked with a final ".", its metaclass); ``liveness``
    class_runs: list[tuple[str | None, list[str]]] = field(default_factory=list)
    # ``liveness``'s call graph, once made (by whether the main guard runs)
    edges: dict[bool, dict[str | None, set[str]]] = field(default_factory=dict)
    # ``liveness.module_containers``, once made
    containers: dict[str, list[str]] | None = None

    @property
    def deferred(self) -> set[int]:
        """Ids of the checked nodes inside function bodies."""
        return set(self.owner)


def walk(tree: ast.Module, functions: bool = True, names: bool = False) -> Nodes:
    """Walk the tree once, keeping the nodes the passes need in source order.

    ``functions=False`` leaves function bodies out (module-level code only);
    ``names`` keeps the nodes that carry identifiers. A function's decorators
    and defaults belong to the code around it (they run when it is defined); a
    lambda's body too (lambdas at module level are mostly called there).
    """
    nodes = Nodes()
    keep = _keep(nodes, names)
    # (the node types worth a visit: those with children and those kept; one set
    # look-up per child)
    visited = _VISITED if names else _VISITED_UNNAMED
    stack: _Stack = [(tree, None)]
    pop, push, owners, named = stack.pop, stack.append, nodes.owner, nodes.named
    while stack:
        node, owner = pop()
        cls = type(node)
        kept = keep.get(cls)
        if kept is not None:
            kept.append(node)
            if owner is not None and kept is not named:
                owners[id(node)] = owner
        if cls in _SPECIAL and _special(stack, node, owner, nodes, functions, visited):
            continue
        # (``_push_children`` inline: this loop is the scan's hottest)
        for name in CHILD_FIELDS[cls]:
            value: Any = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if type(item) in visited:
                        push((item, owner))
            elif type(value) in visited:
                push((value, owner))
    # The passes read the nodes in the reverse of the order the stack visits them
    # (which decides the order of the hits).
    nodes.collected.reverse()
    nodes.checked.reverse()
    nodes.named.reverse()
    return nodes


def _special(
    stack: _Stack,
    node: ast.AST,
    owner: str | None,
    nodes: Nodes,
    functions: bool,
    visited: frozenset[type],
) -> bool:
    """What a function, a class, the main guard or a ``return`` adds to the walk;
    True when the node's children are pushed here (or left out)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        # (a lambda's body belongs to the code around it, with or without
        # ``functions``: module-level code mostly calls the lambdas it makes)
        if functions or isinstance(node, ast.Lambda):
            _push_function(stack, node, owner, nodes, visited)
        return True  # without ``functions``, module-level code only
    if isinstance(node, ast.ClassDef):
        _note_class(node, nodes, owner)
    elif isinstance(node, ast.If) and is_main_guard(node.test):
        _push_main_guard(stack, node, owner)
        return True
    elif isinstance(node, ast.If) and is_import_guard(node.test):
        _push_main_guard(stack, node, owner, inverted=True)
        return True
    elif isinstance(node, ast.If) and is_type_checking(node.test):
        # (never runs: read with the main guard's code, which runs only as a script)
        _push_main_guard(stack, node, owner)
        return True
    elif isinstance(node, ast.Return) and node.value is not None:
        _note_return(node.value, owner, nodes)
    return False


def _note_return(value: ast.expr, owner: str | None, nodes: Nodes) -> None:
    """What a ``return`` hands back, for its function."""
    if owner:
        nodes.returns.setdefault(owner, []).append(value)
    if isinstance(value, ast.Call):
        nodes.returned.add(id(value))
    elif isinstance(value, ast.Name) and owner:
        nodes.name_returns.add(owner)


def _push_function(
    stack: _Stack, node: ast.AST, owner: str | None, nodes: Nodes, visited: frozenset[type]
) -> None:
    """A function's body goes to the function; the rest to the code around it."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        _push_children(stack, node, owner, visited)  # a lambda
        return
    cls = nodes.method_class.get(id(node))
    key = f"{cls}.{node.name}" if cls else node.name
    nodes.functions.add(key)
    nodes.enclosing[key] = owner
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    nodes.params[key] = frozenset(a.arg for a in every if a is not None)
    nodes.decorators.extend((owner, d) for d in node.decorator_list)
    for name in CHILD_FIELDS[type(node)]:
        _push_value(stack, getattr(node, name, None), key if name == "body" else owner, visited)


def _push_value(stack: _Stack, value: Any, owner: str | None, visited: frozenset[type]) -> None:
    """Push a field's value: a node, or the nodes of a list (those worth a visit)."""
    if type(value) is list:
        stack.extend((item, owner) for item in value if type(item) in visited)
    elif type(value) in visited:
        stack.append((value, owner))


def _note_class(node: ast.ClassDef, nodes: Nodes, owner: str | None) -> None:
    """A class's methods (keyed ``Class.method``), whether it is a thread or an
    install command, its decorators (they run as it is defined), and the hooks of
    its metaclass and bases that defining it runs (``class_runs``)."""
    methods = [b for b in node.body if isinstance(b, ast.FunctionDef | ast.AsyncFunctionDef)]
    for method in methods:
        nodes.method_class[id(method)] = node.name
    nodes.classes[node.name] = [f"{node.name}.{m.name}" for m in methods]
    nodes.decorators.extend((owner, d) for d in node.decorator_list)
    meta = [f"{_base_name(k.value)}." for k in node.keywords if k.arg == "metaclass"]
    nodes.class_runs.append((owner, [*meta, *(_base_name(b) for b in node.bases)]))
    bases = {_base_name(b) for b in node.bases}
    if not bases.isdisjoint(_THREAD_BASES):
        nodes.thread_classes.add(node.name)
    if not bases.isdisjoint(_HOOK_BASES):
        nodes.hook_classes.add(node.name)


_THREAD_BASES = frozenset({"Thread", "Process", "Timer"})
# setuptools' and distutils' commands that run as a package is installed
_HOOK_BASES = frozenset({"install", "develop", "egg_info", "_install", "_develop", "_egg_info"})


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _keep(nodes: Nodes, names: bool) -> dict[type, list[ast.AST]]:
    """The list each kept node type goes to."""
    keep: dict[type, list[ast.AST]] = dict.fromkeys(_COLLECTED, nodes.collected)
    keep.update(dict.fromkeys(_CHECKED, nodes.checked))
    if names:
        keep.update(dict.fromkeys(_NAMED, nodes.named))
    return keep


def _push_main_guard(
    stack: _Stack, node: ast.If, owner: str | None, inverted: bool = False
) -> None:
    """The body of ``if __name__ == "__main__"`` runs only as a script: deferred
    (``inverted``, ``!=``: its ``else`` does)."""
    script, imported = (node.orelse, node.body) if inverted else (node.body, node.orelse)
    stack.append((node.test, owner))
    stack.extend((child, MAIN) for child in script)
    stack.extend((child, owner) for child in imported)


def _push_children(
    stack: _Stack, node: ast.AST, owner: str | None, visited: frozenset[type]
) -> None:
    for name in CHILD_FIELDS.get(type(node), node._fields):
        _push_value(stack, getattr(node, name, None), owner, visited)


def spanning(tree: ast.AST, lines: list[int]) -> Iterator[ast.AST]:
    """The nodes of ``tree`` whose lines hold one of ``lines`` (sorted, 1-based),
    and their ancestors: a subtree none of those lines falls in is not walked.
    Nodes without a line (``arguments``, ``withitem``...) are walked through."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        for name in CHILD_FIELDS.get(type(node), node._fields):
            value = getattr(node, name, None)
            for item in value if type(value) is list else (value,):
                if isinstance(item, ast.AST) and _holds_a_line(item, lines):
                    stack.append(item)


def _holds_a_line(node: ast.AST, lines: list[int]) -> bool:
    first = getattr(node, "lineno", None)
    if first is None:
        return True
    at = bisect_left(lines, first)
    return at < len(lines) and lines[at] <= (getattr(node, "end_lineno", None) or first)
