"""Questions about one expression: its strings, chr()-built text, stealth codecs."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TypeGuard

from guard.analysis.scan.python.names import STEALTH_DECODE_ARGS, qualname, str_value


def strings(node: ast.AST) -> Iterator[str]:
    """Every string constant inside an expression."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def is_main_guard(test: ast.AST) -> bool:
    """``__name__ == "__main__"`` (alone or in an ``and``): its body runs only when the
    file is run as a script."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(map(is_main_guard, test.values))
    return _is_name_main(test, ast.Eq)


def is_type_checking(test: ast.AST) -> bool:
    """``TYPE_CHECKING`` or ``typing.TYPE_CHECKING``: false whenever the code runs."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
    return name == "TYPE_CHECKING"


def is_import_guard(test: ast.AST) -> bool:
    """``__name__ != "__main__"``: its body runs when the file is imported, its
    ``else`` only when it is run as a script."""
    return _is_name_main(test, ast.NotEq)


def _is_name_main(test: ast.AST, op: type[ast.cmpop]) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and type(test.ops[0]) is op
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def int_codes(node: ast.AST) -> int:
    """How many integer constants a list or tuple inside ``node`` holds."""
    best = 0
    for sub in ast.walk(node):
        if isinstance(sub, ast.List | ast.Tuple):
            count = sum(
                1 for e in sub.elts if isinstance(e, ast.Constant) and isinstance(e.value, int)
            )
            best = max(best, count)
    return best


def stealth_codec(call: ast.Call) -> str:
    """The codec of a ``.decode("base64")``-style call ('' for any other call)."""
    return stealth_codec_arg(call.args[0]) if call.args else ""


def stealth_codec_arg(node: ast.AST) -> str:
    """The codec a literal names, if it hides text (base64, hex, rot13...), else ''."""
    codec = str_value(node)
    if codec is not None and STEALTH_DECODE_ARGS.match(codec):
        return codec
    return ""


def is_chr_join(node: ast.AST, aliases: dict[str, str]) -> bool:
    """''.join(chr(c) for c in [104, ...]), ''.join(map(chr, [...])), chr(1)+chr(2)+...,
    or chr() of an XOR (a toy cipher). chr() over computed ranges is not counted."""
    if _is_join(node):
        return _joins_chr(node.args[0], aliases)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return sum(1 for sub in ast.walk(node) if _is_chr_of_constant(sub)) >= 6
    return False


def _is_join(node: ast.AST) -> TypeGuard[ast.Call]:
    """``something.join(arg, ...)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and bool(node.args)
    )


def _joins_chr(arg: ast.AST, aliases: dict[str, str]) -> bool:
    """The argument of a join maps chr() over literal codes, or over an XOR."""
    nodes = list(ast.walk(arg))
    calls = [s for s in nodes if isinstance(s, ast.Call) and qualname(s.func, aliases) == "chr"]
    if not calls and not _names_chr(nodes):
        return False
    if any(_has_xor(c.args) for c in calls):
        return True
    return (int_codes(arg) >= 8 and not _ranged(nodes)) or _shifted(calls, nodes)


def _ranged(nodes: list[ast.AST]) -> bool:
    """chr() over a range(): a character set built from code points (integers beside
    it filter the range, they are no hidden text)."""
    return any(isinstance(s, ast.Call) and qualname(s.func, {}) == "range" for s in nodes)


def _names_chr(nodes: list[ast.AST]) -> bool:
    """``chr`` passed on (``map(chr, ...)``)."""
    return any(isinstance(s, ast.Name) and s.id == "chr" for s in nodes)


def _shifted(calls: list[ast.Call], nodes: list[ast.AST]) -> bool:
    """chr() of codes shifted by a constant (a toy Caesar cipher), over literal codes
    or a string, not over a range (``chr(ord("a") + i) for i in range(26)``)."""
    shifts = any(
        isinstance(b, ast.BinOp) and isinstance(b.op, ast.Add | ast.Sub) and _small_shift(b)
        for c in calls
        for a in c.args
        for b in ast.walk(a)
    )
    return shifts and not _ranged(nodes)


def _small_shift(node: ast.BinOp) -> bool:
    """A shift within a byte, as a cipher shifts; a move into another Unicode block
    (``chr(0xDC00 + byte)``, surrogate escapes; full-width forms) is no cipher."""
    big = [
        side
        for side in (node.left, node.right)
        if isinstance(side, ast.Constant) and isinstance(side.value, int) and side.value > 0xFF
    ]
    return not big


def xor_of(args: list[ast.expr]) -> bool:
    """An argument XORs (``chr(ord(c) ^ key)``)."""
    return _has_xor(args)


def _has_xor(args: list[ast.expr]) -> bool:
    return any(
        isinstance(b, ast.BinOp) and isinstance(b.op, ast.BitXor) for a in args for b in ast.walk(a)
    )


def _is_chr_of_constant(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and qualname(node.func, {}) == "chr"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
    )


def last_word(node: ast.AST) -> str:
    """The last word a name or an attribute says (``DETACHED_PROCESS`` of
    ``subprocess.DETACHED_PROCESS``, ``b64decode``); '' for anything else."""
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


# The namespaces a function can be looked up in by its name as a string.
_NAMESPACES = frozenset({"globals", "vars", "locals"})


def named_by_string(node: ast.AST) -> str:
    """The function a lookup by name as a string gives: ``f`` of ``globals()["f"]``,
    ``vars()["f"]``, ``globals().get("f")`` or ``getattr(module, "f")``
    (``self.m`` of ``getattr(self, "m")``); '' for anything else."""
    if isinstance(node, ast.Subscript):
        return (str_value(node.slice) or "") if _namespace(node.value) else ""
    if not isinstance(node, ast.Call) or not node.args:
        return ""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "get" and _namespace(func.value):
        return str_value(node.args[0]) or ""
    if isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2:
        return _attribute_named(node.args[0], str_value(node.args[1]) or "")
    return ""


def _attribute_named(target: ast.expr, name: str) -> str:
    """``getattr(target, name)``: ``self.name`` on ``self`` or ``cls``, else ``name``."""
    if name and isinstance(target, ast.Name) and target.id in ("self", "cls"):
        return f"{target.id}.{name}"
    return name


def _namespace(node: ast.AST) -> bool:
    """``globals()``, ``vars()``, ``locals()``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _NAMESPACES
        and not node.args
    )


def script_name(word: str) -> bool:
    """A word that may name a tree file run as Python: no option, no Python suffix
    (``.py`` files are followed as modules), no space."""
    return (
        0 < len(word) < 200
        and not word.startswith("-")
        and not word.lower().endswith((".py", ".pyw"))
        and not any(c.isspace() for c in word)
    )
