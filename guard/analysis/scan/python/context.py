"""What the passes over one file share: aliases, assignments, and the hits so far."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from guard.analysis.scan.hits import Hit, snippet
from guard.analysis.scan.python.names import qualname

# (a database's ``sqlite3.connect`` is no socket's)
_ENVIRON = re.compile("environ")
_SOCKET_USES = re.compile(
    r"(?<!sqlite3)\.connect(?:_ex)?\(|\.bind\(|\.send(?:all|to)?\(|\.recv\w*\(|dup2\(|fileno\("
)


@dataclass
class Context:
    """The state of the analysis of one file (built by ``analyse``, never shared)."""

    lines: list[str]
    deferred: set[int] = field(default_factory=set)  # ids of nodes inside function bodies
    owner: dict[int, str] = field(default_factory=dict)  # id of a node -> its function
    aliases: dict[str, str] = field(default_factory=dict)
    assigned: dict[str, list[ast.AST]] = field(default_factory=dict)
    scope_of: dict[int, str] = field(default_factory=dict)  # id of an assigned value -> function
    params: dict[str, frozenset[str]] = field(default_factory=dict)  # function -> parameters
    hits: list[Hit] = field(default_factory=list)
    local_imports: list[str] = field(default_factory=list)
    mains: list[str] = field(default_factory=list)  # modules run as ``__main__`` (``-m``)
    # the names of files the code runs as Python whatever their names say (``python
    # version``, ``exec(open("VERSION").read())``): the scanner reads those that parse
    scripts: list[str] = field(default_factory=list)
    # the names of zip archives the code imports from (``zipimport``, ``sys.path``)
    zips: list[str] = field(default_factory=list)
    # the code a started interpreter is handed (``python -c CODE``), by the call
    # that starts it: read as Python where the call is (``python._inline_hits``)
    inline: list[tuple[ast.Call, str]] = field(default_factory=list)
    # function -> the names a loop over the whole environment binds (``for k, v in ...``)
    environment_names: dict[str, set[str]] = field(default_factory=dict)
    # attribute -> what ``self.attribute = ...`` (or ``cls.``) assigns, in any method
    attributes: dict[str, list[ast.AST]] = field(default_factory=dict)
    # what a detector found true or false of the whole file, once (by the detector's key)
    facts: dict[str, bool] = field(default_factory=dict)
    source: str = ""  # the file's text (when the analysis has it)
    # the names of the file's functions (a method's own name) whose ``return`` hands
    # back decoded data (see ``execs.decoding_functions``)
    decoders: frozenset[str] = frozenset()
    # function -> what its ``return`` statements hand back (``walk.Nodes.returns``)
    returns: dict[str, list[ast.expr]] = field(default_factory=dict)
    # the imports of every function count as pulled in (a helper of ``setup.py``,
    # whose functions setup.py calls are not told apart here: see ``scanner``)
    all_imports: bool = False

    def mentions(self, key: str, words: re.Pattern[str]) -> bool:
        """The file's text holds one of the words ``words`` finds (``words.any_of``),
        looked at once per ``key``."""
        return self.fact(key, lambda text: words.search(text) is not None)

    def fact(self, key: str, look: Callable[[str], bool]) -> bool:
        """What ``look`` says of the file's text, asked once per ``key``."""
        known = self.facts.get(key)
        if known is None:
            known = self.facts[key] = look(self.source or "\n".join(self.lines))
        return known

    def uses_sockets(self) -> bool:
        """The file connects, binds or sends on a socket somewhere (once per file)."""
        return self.mentions("sockets", _SOCKET_USES)

    def names_environ(self) -> bool:
        """The file names ``environ`` somewhere (once per file)."""
        return self.mentions("environ", _ENVIRON)

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

    def one_value(self, node: ast.AST) -> ast.AST | None:
        """What a name holds when one statement assigns it; None for anything else."""
        if isinstance(node, ast.Name):
            values = self.assigned.get(node.id, ())
            if len(values) == 1:
                return values[0]
        return None

    def qual(self, node: ast.AST) -> str:
        """The dotted name ``node`` resolves to (see ``names.qualname``)."""
        return qualname(node, self.aliases)

    def assign(self, name: str, value: ast.AST, statement: ast.AST) -> None:
        """Record that ``statement`` assigns ``value`` to ``name``, in its function."""
        self.assigned.setdefault(name, []).append(value)
        self.scope_of[id(value)] = self.owner.get(id(statement), "")

    def scope(self, node: ast.AST) -> str:
        """The function a (checked) node is in; "" at module level."""
        return self.owner.get(id(node), "")

    def expand(
        self,
        node: ast.AST,
        depth: int = 0,
        seen: set[str] | None = None,
        scope: str | None = None,
        callers: bool = False,
    ) -> list[ast.AST]:
        """The expression and what the names in it were assigned (a few levels).
        With a ``scope`` (the function the expression is in, "" for module level),
        a name follows what that function assigns it (a parameter: only that),
        else what module-level code does, else any assignment (a ``global`` set
        elsewhere): Python's own lookup, so a ``line`` of one function is not
        another function's ``line``. With ``callers``, a parameter that the
        function does not assign also follows a module-level namesake (what
        module-level code most often passes: ``run(exe_path)``)."""
        seen = set() if seen is None else seen
        out = [node]
        if depth >= 4:
            return out
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id not in seen and sub.id in self.assigned:
                seen.add(sub.id)
                for value in _some(self._visible(sub.id, scope, callers)):
                    inner = None if scope is None else self.scope_of.get(id(value), "")
                    out.extend(self.expand(value, depth + 1, seen, inner, callers))
        return out

    def visible(self, name: str, scope: str) -> list[ast.AST]:
        """What the statements that ``scope`` sees assign ``name`` (``expand``'s lookup)."""
        return self._visible(name, scope)

    def _visible(self, name: str, scope: str | None, callers: bool = False) -> list[ast.AST]:
        values = self.assigned[name]
        if scope is None:
            return values
        local = [v for v in values if self.scope_of.get(id(v), "") == scope]
        module = [v for v in values if self.scope_of.get(id(v), "") == ""]
        if local:
            return local
        if name in self.params.get(scope, ()):
            # a parameter holds what the caller passed, not a namesake
            return module if callers else []
        return module or values

    def long_literal(self, node: ast.AST, size: int) -> bool:
        """The expression (or what its names hold) has a literal of ``size`` or more."""
        return any(
            isinstance(sub, ast.Constant)
            and isinstance(sub.value, str | bytes)
            and len(sub.value) >= size
            for expr in self.expand(node)
            for sub in ast.walk(expr)
        )


def _some(values: list[ast.AST]) -> list[ast.AST]:
    """The first and the last few values of a name (``x = ""; x += ...`` many times,
    then ``x = decode(x)``: the last ones are what a use sees)."""
    return values if len(values) <= 12 else values[:8] + values[-4:]
