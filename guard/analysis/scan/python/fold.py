"""Names built at run time: the text an expression of literals computes, read statically.

Obfuscators hide the names of the builtins and modules they use by building them
from pieces no reader sees as a name: ``chr()`` codes (joined, summed, mapped,
through an alias of ``"".join``), byte lists (``bytes([101, 120]).decode()``),
hex (``bytes.fromhex("6578").decode()``), reversed literals (``"cexe"[::-1]``),
pieces added or joined (``"ex" + "ec"``). ``fold`` computes such a text without
running anything; ``built_name`` reports a built text that names a builtin or
module that runs code, where the code looks it up (``globals()[...]``,
``__builtins__.get(...)``, ``getattr(x, ...)``, ``__import__(...)``): no honest
code spells ``exec`` in character codes or in pieces (6).
"""

from __future__ import annotations

import ast
import binascii
import re

from guard.analysis.scan.hits import OBFUSCATED_CODE
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.words import any_of

# What a hidden name must be to count: builtins and modules that run, load or
# fetch code, and the lookups that reach them.
CODE_NAMES = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "__import__",
        "__builtins__",
        "builtins",
        "getattr",
        "globals",
        "system",
        "popen",
        "Popen",
        "subprocess",
        "os",
        "marshal",
        "b64decode",
        "base64",
        "zlib",
        "decompress",
        "urlopen",
        "urllib.request",
        "requests",
        "socket",
        "ctypes",
        "startfile",
    }
)
MAX_TEXT = 4096
_DEPTH = 8
# (the cheap look: a file that builds names from codes holds one of these)
_BUILDERS = any_of(("chr", "bytes(", "bytearray(", "fromhex", "::-1"))
# (a name looked up may also be pieces of text added or joined: ``"ex" + "ec"``)
_NAME_BUILDERS = any_of(("chr", "bytes(", "bytearray(", "fromhex", "::-1", "+", "join("))
# Calls that look a name up: the argument that names it.
_LOOKUPS = frozenset({"getattr", "__import__", "importlib.import_module", "hasattr"})
_DICT_LOOKUPS = frozenset({"get", "pop", "__getitem__", "__getattribute__"})


def built_name(cx: Context, node: ast.AST, name: str = "") -> None:
    """A lookup (subscript, ``get``, ``getattr``, ``__import__``) of a name of
    ``CODE_NAMES`` that the code builds instead of writing (``name``: a call's
    qualified name, when the caller has it)."""
    keys = _looked_up(cx, node, name)
    if not keys or not cx.mentions("built-name", _NAME_BUILDERS):
        return
    for key in keys:
        if _written(cx, key):
            continue
        text = fold(cx, key)
        if text in CODE_NAMES:
            what = f"builds the name {text!r} at run time instead of writing it, and looks it up"
            cx.hit(OBFUSCATED_CODE, "built-name", 6.0, node, what)
            return


def built_address(cx: Context, node: ast.Call) -> str:
    """The address a network call is given, when the code builds it from codes
    (chr arithmetic, a shifted or reversed text, byte lists) and the text never
    shows it: where the call talks to is hidden. Else ''."""
    if not cx.mentions("built", _BUILDERS):
        return ""
    given = [*node.args[:1], *(k.value for k in node.keywords if k.arg in _ADDRESS_ARGS)]
    for arg in given:
        for expr in cx.expand(arg, scope=cx.scope(node)):
            for sub in ast.walk(expr):
                text = fold(cx, sub) if isinstance(sub, ast.Call | ast.Subscript) else None
                found = _ADDRESS.match(text) if text else None
                if found and (found.group(1) or found.group(2)) not in _shown(cx):
                    return found.group(0)[:80]
    return ""


def _shown(cx: Context) -> str:
    """The text of the code (joined from its lines when the analysis has no text)."""
    return cx.source or "\n".join(cx.lines)


_ADDRESS_ARGS = frozenset({"url", "host", "address"})
# (the host of a URL, or an IP address; shown in the text of the code it is not hidden)
_ADDRESS = re.compile(r"^(?:https?|ftp|wss?)://([^/\s:?#]+)\S*|^(\d{1,3}(?:\.\d{1,3}){3})")


def is_lookup(node: ast.Call, name: str) -> bool:
    """The call looks a name up (``d.get(k)``, ``getattr``, ``__import__``...): a
    cheap test before ``built_name``."""
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr in _DICT_LOOKUPS) or name in _LOOKUPS


def _written(cx: Context, node: ast.AST) -> bool:
    """The key is a literal, or a name that holds one: written, not built."""
    for _ in range(_DEPTH):
        if not isinstance(node, ast.Name):
            break
        held = cx.one_value(node)
        if held is None:
            return True  # (not one value: nothing to fold)
        node = held
    return not isinstance(node, ast.Call | ast.BinOp | ast.Subscript)


def _looked_up(cx: Context, node: ast.AST, name: str) -> list[ast.expr]:
    """The expressions ``node`` looks a name up by."""
    if isinstance(node, ast.Subscript):
        written = isinstance(node.slice, ast.Constant | ast.Slice)
        return [] if written or not isinstance(node.ctx, ast.Load) else [node.slice]
    if not isinstance(node, ast.Call) or not node.args:
        return []
    name = name or cx.qual(node.func)
    if not is_lookup(node, name):
        return []
    if name in {"getattr", "hasattr"} and len(node.args) >= 2:
        return [node.args[1]]  # (the name; the first argument is the object)
    return [node.args[0]]


def fold(cx: Context, node: ast.AST, depth: int = 0) -> str | None:
    """The text ``node`` computes from literals alone, or None."""
    if depth > _DEPTH:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        held = cx.one_value(node)
        return None if held is None else fold(cx, held, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = fold(cx, node.left, depth + 1), fold(cx, node.right, depth + 1)
        joined = None if left is None or right is None else left + right
        return joined if joined is not None and len(joined) <= MAX_TEXT else None
    if isinstance(node, ast.Subscript):
        return _reversed(cx, node, depth)
    if isinstance(node, ast.Call):
        return _call_text(cx, node, depth)
    return None


def template(cx: Context, node: ast.AST) -> str:
    """The text an expression builds, with ``*`` for what only run time knows
    (``f"/{root}/{user}/{name}"`` with ``root`` and ``name`` built from codes:
    ``/home/*/.profile``)."""
    if isinstance(node, ast.JoinedStr):
        return "".join(_template_part(cx, part) for part in node.values)[:MAX_TEXT]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return (template(cx, node.left) + template(cx, node.right))[:MAX_TEXT]
    text = fold(cx, node)
    return "*" if text is None else text


def _template_part(cx: Context, part: ast.AST) -> str:
    if isinstance(part, ast.FormattedValue):
        return template(cx, part.value)
    return part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "*"


def _reversed(cx: Context, node: ast.Subscript, depth: int) -> str | None:
    step = node.slice.step if isinstance(node.slice, ast.Slice) else None
    if (
        isinstance(node.slice, ast.Slice)
        and node.slice.lower is None
        and node.slice.upper is None
        and _integer(cx, step, depth + 1) == -1
    ):
        text = fold(cx, node.value, depth + 1)
        return None if text is None else text[::-1]
    return None


def _call_text(cx: Context, node: ast.Call, depth: int) -> str | None:
    func = node.func
    if cx.qual(func) == "chr" and len(node.args) == 1:
        code = _integer(cx, node.args[0], depth + 1)
        return chr(code) if code is not None and 0 <= code < 0x110000 else None
    if _is_join(cx, func, depth) and len(node.args) == 1:
        return _joined(cx, func, node.args[0], depth)
    if isinstance(func, ast.Attribute) and func.attr == "decode":
        return _decoded_bytes(cx, func.value, depth + 1)
    return None


def _joined(cx: Context, func: ast.AST, arg: ast.AST, depth: int) -> str | None:
    parts = _sequence(cx, arg, depth + 1)
    separator = _separator(cx, func, depth)
    if parts is None or separator is None:
        return None
    texts = [fold(cx, part, depth + 1) for part in parts]
    if any(t is None for t in texts):
        return None
    return separator.join(t for t in texts if t is not None)[:MAX_TEXT]


def _is_join(cx: Context, func: ast.AST, depth: int) -> bool:
    """``"".join``, or a name that holds it (``_ = "".join``)."""
    if isinstance(func, ast.Name):
        held = cx.one_value(func)
        return held is not None and depth < _DEPTH and _is_join(cx, held, depth + 1)
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "join"
        and isinstance(func.value, ast.Constant)
        and isinstance(func.value.value, str)
    )


def _separator(cx: Context, func: ast.AST, depth: int) -> str | None:
    while isinstance(func, ast.Name) and depth < _DEPTH:
        held = cx.one_value(func)
        if held is None:
            return None
        func, depth = held, depth + 1
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant):
        value = func.value.value
        return value if isinstance(value, str) else None
    return None


def _sequence(cx: Context, node: ast.AST, depth: int) -> list[ast.expr] | None:
    """The parts a join is given: a list or tuple, ``map(chr, codes)``, or a
    comprehension ``[chr(c) for c in codes]`` (as ``chr(code)`` nodes)."""
    if isinstance(node, ast.Name):
        held = cx.one_value(node)
        return None if held is None or depth > _DEPTH else _sequence(cx, held, depth + 1)
    if isinstance(node, ast.List | ast.Tuple):
        return list(node.elts)
    if isinstance(node, ast.Call) and cx.qual(node.func) == "map" and len(node.args) == 2:
        return _mapped(cx, node.args[0], node.args[1], None, depth)
    if isinstance(node, ast.ListComp | ast.GeneratorExp) and len(node.generators) == 1:
        loop = node.generators[0]
        if loop.ifs or not isinstance(loop.target, ast.Name):
            return None
        element = node.elt
        if isinstance(element, ast.Call) and len(element.args) == 1:
            shifted = _shifted(cx, element, loop.iter, loop.target.id, depth)
            if shifted is not None:
                return shifted
            return _mapped(cx, element.func, loop.iter, (loop.target.id, element.args[0]), depth)
    return None


def _shifted(
    cx: Context, element: ast.Call, source: ast.AST, name: str, depth: int
) -> list[ast.expr] | None:
    """``chr(ord(c) - 3) for c in TEXT``: each character of a text the code builds
    shifted by arithmetic on its code (a Caesar cipher), as ``chr(code)`` nodes."""
    if _holds(cx, element.func, depth) != "chr":
        return None
    text = fold(cx, source, depth + 1)
    if text is None:
        return None
    codes = [_integer(cx, element.args[0], depth + 1, (name, ord(c))) for c in text]
    if any(c is None or not 0 <= c < 0x110000 for c in codes):
        return None
    return [ast.Constant(value=chr(c)) for c in codes if c is not None]


def _mapped(
    cx: Context,
    func: ast.AST,
    codes: ast.AST,
    bound: tuple[str, ast.AST] | None,
    depth: int,
) -> list[ast.expr] | None:
    """``chr`` (or a name of it) over literal codes, as a list of ``chr(code)``."""
    if _holds(cx, func, depth) != "chr":
        return None
    if bound is not None and not (isinstance(bound[1], ast.Name) and bound[1].id == bound[0]):
        return None  # (chr of something computed from the code: not followed)
    values = _sequence(cx, codes, depth + 1) if not isinstance(codes, ast.Constant) else None
    if values is None or len(values) > MAX_TEXT:
        return None
    chr_name = ast.Name(id="chr", ctx=ast.Load())
    return [ast.Call(func=chr_name, args=[value], keywords=[]) for value in values]


def _holds(cx: Context, node: ast.AST, depth: int) -> str:
    """The name ``node`` stands for, through single assignments (``c = chr``)."""
    while isinstance(node, ast.Name) and node.id not in ("chr",) and depth < _DEPTH:
        held = cx.one_value(node)
        if held is None:
            break
        node, depth = held, depth + 1
    return cx.qual(node)


def _decoded_bytes(cx: Context, node: ast.AST, depth: int) -> str | None:
    """``bytes([..]).decode()``, ``bytearray([..])``, ``bytes.fromhex("..")``."""
    if not isinstance(node, ast.Call) or len(node.args) != 1 or depth > _DEPTH:
        return None
    name = cx.qual(node.func)
    if name in {"bytes", "bytearray"}:
        return _byte_list(cx, node.args[0], depth)
    if name in {"bytes.fromhex", "bytearray.fromhex"}:
        text = fold(cx, node.args[0], depth + 1)
        try:
            return None if text is None else bytes.fromhex(text).decode("latin-1")[:MAX_TEXT]
        except (ValueError, binascii.Error):
            return None
    return None


def _byte_list(cx: Context, node: ast.AST, depth: int) -> str | None:
    parts = _sequence(cx, node, depth + 1)
    codes = [_integer(cx, p, depth + 1) for p in parts] if parts is not None else None
    if codes is None or any(c is None or not 0 <= c < 256 for c in codes):
        return None
    return bytes(c for c in codes if c is not None).decode("latin-1")[:MAX_TEXT]


def _integer(
    cx: Context, node: ast.AST | None, depth: int, code: tuple[str, int] | None = None
) -> int | None:
    """An integer computed from integer literals (+, -, ^, *, <<, unary minus);
    with ``code`` (a loop's name and a character's code), ``ord(name)`` too."""
    if node is None or depth > _DEPTH:
        return None
    if isinstance(node, ast.Constant):
        value = node.value
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if code is not None and _ord_of(node, code[0]):
        return code[1]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _integer(cx, node.operand, depth + 1, code)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp):
        left = _integer(cx, node.left, depth + 1, code)
        right = _integer(cx, node.right, depth + 1, code)
        if left is None or right is None:
            return None
        return _arithmetic(node.op, left, right)
    return None


def _ord_of(node: ast.AST, name: str) -> bool:
    """``ord(name)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "ord"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == name
    )


def _arithmetic(op: ast.operator, left: int, right: int) -> int | None:
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.BitXor):
        return left ^ right
    if isinstance(op, ast.Mult) and abs(left) < 1 << 20 and abs(right) < 1 << 20:
        return left * right
    if isinstance(op, ast.LShift) and 0 <= right < 32 and abs(left) < 1 << 20:
        return left << right
    return None
