"""Running code: what ``exec``/``eval``/``compile`` are fed (decoded, downloaded, a file)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from guard.analysis.scan.hits import DROPPER, INSTALL_TIME_CODE, OBFUSCATED_CODE
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.exprs import (
    is_chr_join,
    last_word,
    script_name,
    stealth_codec,
    stealth_codec_arg,
    strings,
    xor_of,
)
from guard.analysis.scan.python.names import (
    DECODERS,
    FILE_EXEC,
    FILE_READERS,
    NETWORK,
    PLAIN_EXECS,
    last_part,
)
from guard.analysis.scan.python.walk import Nodes

# (``decrypt``: Fernet's, AES's... code kept encrypted in the file is hidden code)
_DECODE_WORDS = frozenset({"b64decode", "decompress", "unhexlify", "decrypt"})
_HIDDEN = frozenset({"decode", "chr", "reverse"})


def exec_call(cx: Context, node: ast.Call, name: str) -> None:
    """exec of decoded or downloaded code (6); of a file of the tree (followed); else 1.5."""
    if not node.args:
        return
    arg = node.args[0]
    if name in FILE_EXEC:
        named = list(strings(arg))
        cx.local_imports.extend(named)  # runpy.run_path("x.py"): followed
        cx.scripts.extend(s for s in named if script_name(s))
    else:
        _exec_of(cx, node, name, arg)


# Calls that make a zip archive a place to import from: ``zipimport.zipimporter(path)``,
# and a ``.zip`` (or egg, wheel, zipapp) put on ``sys.path``.
ZIP_IMPORTS = frozenset({"zipimport.zipimporter", "sys.path.insert", "sys.path.append"})
_ZIP_NAMES = (".zip", ".egg", ".whl", ".pyz")


def zip_import(cx: Context, node: ast.Call, name: str) -> None:
    """The zip archive a call makes a place to import from (its name, for the
    scanner to read its modules as the code that imports them: ``Context.zips``)."""
    if not node.args:
        return
    named = list(_named_strings(cx, node.args[-1], cx.scope(node)))
    if name == "zipimport.zipimporter":
        cx.zips.extend(s for s in named if script_name(s))
    else:
        cx.zips.extend(s for s in named if s.lower().endswith(_ZIP_NAMES) and script_name(s))


def _exec_of(cx: Context, node: ast.Call, name: str, arg: ast.expr) -> None:
    found = feeds(cx, arg, cx.scope(node))
    if found & _HIDDEN:
        how = "decoded data" if "decode" in found else "an obfuscated string"
        cx.hit(OBFUSCATED_CODE, "decode-exec", 6.0, node, f"{name}() of {how}")
    elif "network" in found:
        cx.hit(DROPPER, "download-exec", 6.0, node, f"{name}() of downloaded code")
    elif "file" in found:
        # (``eval`` of a file a name holds: mostly a settings file the build wrote)
        follow = last_part(name) != "eval"
        named = list(_named_strings(cx, arg, cx.scope(node)) if follow else strings(arg))
        cx.local_imports.extend(s for s in named if s.endswith(".py"))
        cx.scripts.extend(s for s in named if script_name(s) and not _data_file(s))
        data = next((s for s in named if _data_file(s)), "")
        if data:
            what = f"{name}() of the text of a data file ({data[-40:]}): code no reader looks at"
            cx.hit(OBFUSCATED_CODE, "exec-data", 5.0, node, what)
    elif name in PLAIN_EXECS:
        _plain_exec(cx, node, name, arg)


def _named_strings(cx: Context, node: ast.AST, scope: str, depth: int = 0) -> Iterator[str]:
    """The strings of an expression, and of what the names in it hold where one
    statement of the function (or of module-level code) assigns each: the file's
    name where the code names it (``with open(path) as f``, ``path =
    join(here, "logo.png")``). A name assigned twice is not followed (``f`` of
    the README and of the version file, read one after the other)."""
    yield from strings(node)
    if depth >= 4:
        return
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in cx.assigned:
            values = cx.visible(sub.id, scope)
            if len(values) == 1:
                yield from _named_strings(cx, values[0], scope, depth + 1)


# A file name with an extension that is not Python source: its text run as code
_DATA_FILE = re.compile(r"\.(?!pyw?$)[A-Za-z0-9]{1,5}$")


def _data_file(name: str) -> bool:
    return "\n" not in name and len(name) < 200 and _DATA_FILE.search(name) is not None


def unpickle(cx: Context, node: ast.Call, name: str) -> None:
    """Unpickling downloaded data, or data decoded from what the file carries, runs
    what it names (6). A cache's values decoded as they are read back are no
    payload the package brought."""
    if not node.args:
        return
    scope = cx.scope(node)
    found = feeds(cx, node.args[0], scope)
    carried = "decode" in found and _decodes_carried(cx, node.args[0], scope)
    if carried or not found.isdisjoint({"network", "chr"}):
        cx.hit(OBFUSCATED_CODE, "unpickle", 6.0, node, f"{name}() of decoded data")


def _decodes_carried(cx: Context, node: ast.AST, scope: str | None) -> bool:
    """A decoder in ``node`` is handed a literal the file holds (or a name of one)."""
    for expr in cx.expand(node, scope=scope):
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Call) and _call_feeds(cx, sub) == ["decode"]:
                given = [*sub.args]  # (and the receiver: ``"...".decode("base64")``)
                if isinstance(sub.func, ast.Attribute):
                    given.append(sub.func.value)
                held = [v for a in given for v in cx.expand(a, scope=scope)]
                if any(_literal(v) for v in held) or not given:
                    return True
    return False


def _literal(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str | bytes)
        and len(node.value) >= 16
    )


def _plain_exec(cx: Context, node: ast.Call, name: str, arg: ast.expr) -> None:
    if not isinstance(arg, ast.Constant):
        cx.hit(INSTALL_TIME_CODE, "exec", 1.5, node, f"{name}() of computed code")
    elif _escaped(cx, arg):
        what = f"{name}() of code written in character escapes"
        cx.hit(OBFUSCATED_CODE, "decode-exec", 6.0, node, what)
    elif isinstance(arg.value, str) and len(arg.value) > 40:
        cx.hit(INSTALL_TIME_CODE, "exec", 1.5, node, f"{name}() of a literal")


_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[0-7]{3})")


def _escaped(cx: Context, arg: ast.Constant) -> bool:
    """The literal is written in the source as character escapes (``'\\x6d\\x61...'``):
    code no reader sees, as chr codes hide it."""
    line, end = arg.lineno, arg.end_lineno
    if not isinstance(arg.value, str) or line != end or line > len(cx.lines):
        return False
    # (the offsets count the line's UTF-8 bytes)
    text = cx.lines[line - 1].encode("utf-8", "replace")[arg.col_offset : arg.end_col_offset]
    written = text.decode("utf-8", "replace")
    escapes = _ESCAPE.findall(written)
    return len(escapes) >= 4 and len(escapes) >= 0.8 * len(arg.value)


def feeds(cx: Context, node: ast.AST, scope: str | None = None) -> set[str]:
    """What kinds of source an expression draws on: decode, chr, network, file
    (names followed in ``scope``, the function the expression is in: see
    ``Context.expand``)."""
    found: set[str] = {"reverse"} if _reverses(node) else set()
    if _split_literal(node):
        found.add("chr")
    for expr in cx.expand(node, scope=scope):
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Call):
                found.update(_call_feeds(cx, sub))
            elif isinstance(sub, ast.BinOp) and is_chr_join(sub, cx.aliases):
                found.add("chr")
            if isinstance(sub, ast.Call) and (_passes_chr(sub) or _per_character(cx, sub)):
                found.add("chr")  # map(chr, codes): code made of computed codes
    return found


def _per_character(cx: Context, call: ast.Call) -> bool:
    """``"".join(table[c] ... for c in "LITERAL")``: text rebuilt one character at a
    time from a literal through a mapping (a substitution cipher): hidden text."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "join" and len(call.args) == 1):
        return False
    comp = call.args[0]
    if not isinstance(comp, ast.ListComp | ast.GeneratorExp) or len(comp.generators) != 1:
        return False
    iterated = comp.generators[0].iter
    source = cx.one_value(iterated) or iterated
    text = source.value if isinstance(source, ast.Constant) else None
    # (the characters themselves joined back are no cipher)
    return isinstance(text, str) and len(text) >= 16 and not isinstance(comp.elt, ast.Name)


def _passes_chr(call: ast.Call) -> bool:
    """``chr`` handed to another call as a value (``map(chr, ...)``), not called."""
    return any(isinstance(arg, ast.Name) and arg.id == "chr" for arg in call.args)


def _split_literal(node: ast.AST) -> bool:
    """``"o" + "s.sy" + "st" + "em"``: a string cut into four or more literal pieces and
    glued back, so that no reader (nor search) sees it whole."""
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Add):
        return False
    leaves: list[ast.AST] = []
    stack: list[ast.AST] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
            stack.extend((item.left, item.right))
        else:
            leaves.append(item)
    return len(leaves) >= 4 and all(
        isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) for leaf in leaves
    )


def _reverses(node: ast.AST) -> bool:
    """``x[::-1]``: a string stored backwards."""
    return any(
        isinstance(sub, ast.Subscript)
        and isinstance(sub.slice, ast.Slice)
        and isinstance(sub.slice.step, ast.UnaryOp)
        for sub in ast.walk(node)
    )


def decoding_functions(cx: Context, nodes: Nodes) -> frozenset[str]:
    """The names of the file's functions (a method by its own name) that decode
    something and hand a value back (``return xor(b64decode(text), key).decode()``,
    or ``data = b64decode(t); ...; return data``): what calling one of them feeds
    is decoded data too. (One pass over the calls: each is checked once.)"""
    if not cx.mentions("decoders", _DECODER_WORDS):
        return frozenset()
    returning = {nodes.owner.get(i) for i in nodes.returned} | nodes.name_returns
    out: set[str] = set()
    for node in nodes.checked:
        if not isinstance(node, ast.Call) or last_word(node.func) not in _DECODER_LASTS:
            continue
        owner = nodes.owner.get(id(node))
        name = cx.qual(node.func)
        if owner and owner in returning and _decodes(name, last_part(name), node):
            out.add(owner.rsplit(".", 1)[-1])
    return frozenset(out)


_DECODER_WORDS = re.compile(r"b64decode|b32decode|b85decode|decompress|unhexlify|fromhex|decrypt")
# (the last word of any call ``_decodes`` takes, for a cheap look first)
_DECODER_LASTS = frozenset(
    {last_part(n) for n in DECODERS} | _DECODE_WORDS | {"decode", "encode", "b64decode"}
)


def _call_feeds(cx: Context, call: ast.Call) -> list[str]:
    name = cx.qual(call.func)
    kind = _source_kind(name, last_part(name), call)
    if not kind and cx.decoders and _own_function(call.func, cx.decoders):
        kind = "decode"  # a function of the file that hands back decoded data
    found = [kind] if kind else []
    if is_chr_join(call, cx.aliases) or (name in _XOR_MADE and xor_of(call.args)):
        found.append("chr")  # (chr(ord(c) ^ k), bytes(b ^ k for b in x): a toy cipher)
    return found


_XOR_MADE = frozenset({"chr", "bytes", "bytearray"})


def _own_function(func: ast.expr, names: frozenset[str]) -> bool:
    """``f(...)`` or ``self.f(...)`` (``cls.f``) with ``f`` one of ``names``."""
    if isinstance(func, ast.Name):
        return func.id in names
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
        and func.attr in names
    )


def _decodes(name: str, last: str, call: ast.Call) -> bool:
    if name in DECODERS or last in _DECODE_WORDS or (last == "decode" and stealth_codec(call)):
        return True
    # rot13 is its own inverse: codecs.encode(text, "rot13") decodes
    return name == "codecs.encode" and len(call.args) > 1 and bool(stealth_codec_arg(call.args[1]))


def _source_kind(name: str, last: str, call: ast.Call) -> str:
    if _decodes(name, last, call):
        return "decode"
    if name in NETWORK:
        return "network"
    if name in FILE_READERS or last in FILE_READERS:
        return "file"
    return ""
