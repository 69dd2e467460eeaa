"""What the passes over one file share: aliases, assignments, and the hits so far."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from guard.analysis.scan.python.hits import Hit, snippet
from guard.analysis.scan.python.names import qualname


@dataclass
class Context:
    """The state of the analysis of one file (built by ``analyse``, never shared)."""

    lines: list[str]
    deferred: set[int] = field(default_factory=set)  # ids of nodes inside function bodies
    owner: dict[int, str] = field(default_factory=dict)  # id of a node -> its function
    aliases: dict[str, str] = field(default_factory=dict)
    assigned: dict[str, list[ast.AST]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    local_imports: list[str] = field(default_factory=list)

    def hit(
        self,
        rule: str,
        kind: str,
        weight: float,
        node: ast.AST | int,
        text: str,
        deferred: bool | None = None,
    ) -> None:
        """Record a hit at a node (or a line); deferred if the node is in a function."""
        line = node if isinstance(node, int) else getattr(node, "lineno", 0)
        if deferred is None:
            deferred = not isinstance(node, int) and id(node) in self.deferred
        scope = "" if isinstance(node, int) else self.owner.get(id(node), "")
        shown = snippet(self.lines, line)
        self.hits.append(Hit(rule, kind, weight, line, shown, text, deferred, scope))

    def qual(self, node: ast.AST) -> str:
        """The dotted name ``node`` resolves to (see ``names.qualname``)."""
        return qualname(node, self.aliases)

    def expand(self, node: ast.AST, depth: int = 0, seen: set[str] | None = None) -> list[ast.AST]:
        """The expression and what the names in it were assigned (a few levels)."""
        seen = set() if seen is None else seen
        out = [node]
        if depth >= 4:
            return out
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id not in seen and sub.id in self.assigned:
                seen.add(sub.id)
                for value in self.assigned[sub.id][:8]:
                    out.extend(self.expand(value, depth + 1, seen))
        return out

    def long_literal(self, node: ast.AST, size: int) -> bool:
        """The expression (or what its names hold) has a literal of ``size`` or more."""
        return any(
            isinstance(sub, ast.Constant)
            and isinstance(sub.value, str | bytes)
            and len(sub.value) >= size
            for expr in self.expand(node)
            for sub in ast.walk(expr)
        )
