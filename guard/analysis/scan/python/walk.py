"""One walk over a syntax tree that keeps the nodes the analysis passes need.

The walk keeps, in source order, the nodes the first pass reads (imports,
assignments), the nodes the second pass checks (calls, ``+``, subscripts,
loops), and optionally the nodes that carry identifiers (for the Unicode
checks). It notes which checked nodes sit inside function bodies (or under
``if __name__ == "__main__"``): those run only when called.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from guard.analysis.scan.python.exprs import is_main_guard

_COLLECTED = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)
_CHECKED = (ast.Call, ast.BinOp, ast.Subscript, ast.For)
_NAMED = (ast.Name, ast.Attribute, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.arg)
_FUNCTIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda})
# Fields that hold contexts, operators or plain values in every node type (and all
# of a constant's): not walked. Nodes without children are walked only if kept.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "kind", "type_comment"})
_CHILD_FIELDS = {
    cls: () if cls is ast.Constant else tuple(f for f in cls._fields if f not in _LEAF_FIELDS)
    for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.AST)
}
_LEAF_TYPES = frozenset(cls for cls, fields in _CHILD_FIELDS.items() if not fields)

_Stack = list[tuple[ast.AST, bool]]


@dataclass
class Nodes:
    """The kept nodes, in source order."""

    collected: list[ast.AST] = field(default_factory=list)
    checked: list[ast.AST] = field(default_factory=list)
    named: list[ast.AST] = field(default_factory=list)
    deferred: set[int] = field(default_factory=set)  # ids of checked nodes in function bodies


def walk(tree: ast.Module, functions: bool = True, names: bool = False) -> Nodes:
    """Walk the tree once, keeping the nodes the passes need in source order.

    ``functions=False`` leaves function bodies out (module-level code only);
    ``names`` keeps the nodes that carry identifiers.
    """
    nodes = Nodes()
    keep = _keep(nodes, names)
    leaves = _LEAF_TYPES.difference(keep)
    stack: _Stack = [(tree, False)]
    while stack:
        node, deferred = stack.pop()
        cls = type(node)
        kept = keep.get(cls)
        if kept is not None:
            kept.append(node)
            if deferred and kept is nodes.checked:
                nodes.deferred.add(id(node))
        if cls in _FUNCTIONS:
            if not functions:
                continue  # module-level code only: function bodies are not walked
            deferred = True
        elif isinstance(node, ast.If) and is_main_guard(node.test):
            _push_main_guard(stack, node, deferred)
            continue
        _push_children(stack, node, deferred, leaves)
    # The passes read the nodes in the reverse of the order the stack visits them
    # (which decides the order of the hits).
    nodes.collected.reverse()
    nodes.checked.reverse()
    nodes.named.reverse()
    return nodes


def _keep(nodes: Nodes, names: bool) -> dict[type, list[ast.AST]]:
    """The list each kept node type goes to."""
    keep: dict[type, list[ast.AST]] = dict.fromkeys(_COLLECTED, nodes.collected)
    keep.update(dict.fromkeys(_CHECKED, nodes.checked))
    if names:
        keep.update(dict.fromkeys(_NAMED, nodes.named))
    return keep


def _push_main_guard(stack: _Stack, node: ast.If, deferred: bool) -> None:
    """The body of ``if __name__ == "__main__"`` runs only as a script: deferred."""
    stack.append((node.test, deferred))
    stack.extend((child, True) for child in node.body)
    stack.extend((child, deferred) for child in node.orelse)


def _push_children(stack: _Stack, node: ast.AST, deferred: bool, leaves: frozenset[type]) -> None:
    push = stack.append
    for name in _CHILD_FIELDS.get(type(node), node._fields):
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, ast.AST) and type(item) not in leaves:
                    push((item, deferred))
        elif isinstance(value, ast.AST) and type(value) not in leaves:
            push((value, deferred))
