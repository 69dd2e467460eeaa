"""Network addresses hidden in encoded literals that the code decodes.

*hidden-address* (``payloads``): a URL or an IP address in base64 or hex handed
to a decoder (``b64decode("aHR0cHM6Ly9...")``, or a name assigned such a
literal), in a file with a network call: no honest client hides where it
connects. A decoder of the file's own (``execs.decoding_functions``) is
followed too, through the layers such helpers undo (the text backwards,
base64, zlib or raw deflate: ``layered``); what comes out of one may be a bare
host name (``HTTPSConnection(self.decd(b"=wKC...Je"))``).

``may_hide_address`` is the cheap look at the text first: a decoder call whose
argument is a literal (or a name assigned one) that decodes to an address.
It takes whatever the syntax-tree pass could find (a literal it cannot read
alone, a string glued to another or with escapes, counts as found), so that
most files that decode images and tokens are not walked for this at all.
"""

from __future__ import annotations

import ast
import base64
import binascii
import re
from collections.abc import Iterator, Sequence

from guard.analysis.scan.hits import OBFUSCATED_CODE, Hit, snippet
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.layered import MAX_LITERAL, layered_address
from guard.analysis.scan.python.names import NETWORK, last_part

WEIGHT = 6.0
DECODERS = frozenset(
    {"b64decode", "urlsafe_b64decode", "standard_b64decode", "decodebytes", "fromhex", "unhexlify"}
)
_HEX = frozenset({"fromhex", "unhexlify"})
_ADDRESS = re.compile(r"^(?:https?|ftp|wss?)://\S+|^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$")
_WRAPS = frozenset({"bytes", "bytearray", "str"})  # (what hands its literal on)
_MIN_LITERAL = 8


def hidden_addresses(walked: Sequence[ast.AST], cx: Context) -> Iterator[Hit]:
    """A URL or IP address hidden in base64 or hex, in a file with a network call
    (``walked``: the file's nodes, or its calls and assignments at least)."""
    if not any(isinstance(n, ast.Call) and cx.qual(n.func) in NETWORK for n in walked):
        return
    assigned: dict[str, list[ast.expr]] = {}
    for n in walked:
        if isinstance(n, ast.Assign):
            for t in n.targets:
                if isinstance(t, ast.Name):
                    assigned.setdefault(t.id, []).append(n.value)
    for node in walked:
        if not isinstance(node, ast.Call):
            continue
        address = _address_of(node, cx, assigned)
        if address:
            text = f"hides a network address in encoded text ({address[:60]})"
            shown = snippet(cx.lines, node.lineno)
            yield Hit(OBFUSCATED_CODE, "hidden-address", WEIGHT, node.lineno, shown, text, True)
            return


def _address_of(node: ast.Call, cx: Context, assigned: dict[str, list[ast.expr]]) -> str:
    """The address the call's literal argument decodes to: through a known
    decoder, or through the file's own decoding function (its layers), or ''."""
    value = _literal(node.args[0], assigned) if node.args else None
    if not isinstance(value, str | bytes) or not _MIN_LITERAL <= len(value) <= MAX_LITERAL:
        return ""
    how = last_part(cx.qual(node.func))
    if how in DECODERS:
        text = _decode(value, how)
        return text if _ADDRESS.match(text) else ""
    if cx.decoders and _own_decoder(node.func, cx.decoders):
        return layered_address(value)
    return ""


def _own_decoder(func: ast.expr, names: frozenset[str]) -> bool:
    """``f(...)`` or ``self.f(...)`` with ``f`` a decoding function of the file."""
    if isinstance(func, ast.Name):
        return func.id in names
    return isinstance(func, ast.Attribute) and func.attr in names


def _literal(node: ast.AST, assigned: dict[str, list[ast.expr]], depth: int = 0) -> object:
    """The literal an expression holds: ``"..."``, ``x`` assigned one (the first of
    its values that is one: ``x = "..."; x = b64decode(x)``), ``x[0]`` of a list
    or tuple of them, ``"...".encode()``, ``bytes(...)`` of one; else None."""
    if depth > 6:
        return None
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        held = (_literal(v, assigned, depth + 1) for v in assigned.get(node.id, ())[:4])
        return next((v for v in held if v is not None), None)
    if isinstance(node, ast.Subscript):
        return _item(node, assigned, depth)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        return _literal(node.args[0], assigned, depth + 1) if node.func.id in _WRAPS else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return (
            _literal(node.func.value, assigned, depth + 1) if node.func.attr == "encode" else None
        )
    return None


def _item(node: ast.Subscript, assigned: dict[str, list[ast.expr]], depth: int) -> object:
    """``x[0]``: the item of a list or tuple literal that ``x`` is assigned."""
    index = node.slice
    if not (isinstance(node.value, ast.Name) and isinstance(index, ast.Constant)):
        return None
    at = index.value
    for value in assigned.get(node.value.id, ())[:4]:
        items = value.elts if isinstance(value, ast.List | ast.Tuple) else []
        if isinstance(at, int) and -len(items) <= at < len(items):
            return _literal(items[at], assigned, depth + 1)
    return None


def _decode(value: str | bytes, how: str) -> str:
    raw = value.encode("ascii", "ignore") if isinstance(value, str) else value
    try:
        data = (
            binascii.unhexlify(raw)
            if how in _HEX
            else base64.b64decode(
                raw, altchars=b"-_" if how == "urlsafe_b64decode" else None, validate=False
            )
        )
    except (ValueError, binascii.Error):
        return ""
    return data.decode("utf-8", "replace").strip()


# --- the cheap look at the text ---------------------------------------------------

# The decoders named by their last word (a call of any of them, or the word at all)
DECODER_WORDS = ("b64decode", "decodebytes", "fromhex", "unhexlify")
# A decoder bound to another name, seen from where its word is: ``b64decode as d``,
# ``d = base64.b64decode`` (no call after it: ``_bound_before``)
_AS = re.compile(r"[ \t]+as\b")
# A decoder's call and the start of its argument: a literal (its prefix and quote)
# or a name, after any wrapping ``bytes(``/``str(`` (a pattern per decoder, each
# starting with its word: a search for one word is fast, for any of four slow)
_DECODER_CALLS = tuple(
    re.compile(
        rf"({word})\(\s*(?:(?:bytes|bytearray|str)\(\s*)*"
        r"(?:[rRbBuU]{0,2}(['\"])|([A-Za-z_]\w*))"
    )
    for word in DECODER_WORDS
)
# What an assignment's value starts with, after any wrapping: a literal (its
# quote), a bracket (a glued literal, a list), or a name handed on (alone, or
# ``.encode()`` of it)
_VALUE = (
    r"(?:(?:bytes|bytearray|str)\(\s*)*"
    r"(?:[rRbBuU]{0,2}(['\"])|([(\[])|([A-Za-z_]\w*)(?=[ \t]*(?:\.encode\b|[),;#\r\n]|$)))"
)
_MAX_DEPTH = 6  # (names followed, as ``_literal`` does)
_MAX_NAMES = 64  # (names handed to decoders that the look follows)
# Words of a decoder of the file's own that undoes layers (``layered``)
_LAYERS = ("[::-1]", "decompress", "b32decode", "b85decode")


def may_hide_address(source: str) -> bool:
    """The text may hold what ``hidden_addresses`` finds (see the module docstring)."""
    if any(word in source for word in _LAYERS):
        return True  # (a decoder of the file's own: its calls are not read here)
    if _decoder_aliased(source):
        return True  # (a decoder under another name: its calls are not read here)
    names: dict[str, str] = {}  # a name handed to a decoder -> the decoder
    for calls in _DECODER_CALLS:
        for call in calls.finditer(source):
            how = call.group(1)
            if not call.group(2):
                names.setdefault(call.group(3), how)
            elif _hides(_string_at(source, call.end() - 1), how):
                return True
    if len(names) > _MAX_NAMES:
        return True  # (more names than this look follows: the tree pass reads them)
    for name, values in _assigned_strings(source, set(names)).items():
        if any(_hides(value, names[name]) for value in values):
            return True
    return False


def _decoder_aliased(source: str) -> bool:
    """A decoder bound to another name (``_AS``, ``_bound_before``); each place its
    word is in the text is looked at (a file names its decoders a few times)."""
    for word in DECODER_WORDS:
        at = source.find(word)
        while at != -1:
            end = at + len(word)
            if _AS.match(source, end):
                return True
            follows = source[end : end + 40].lstrip(" \t")
            if not follows.startswith("(") and _bound_before(source, at):
                return True
            at = source.find(word, end)
    return False


def _bound_before(source: str, at: int) -> bool:
    """The dotted name that ends at ``at`` is the value of an assignment
    (``d = base64.`` before it), read backwards over at most 80 characters."""
    start = at
    while start > max(0, at - 80) and (source[start - 1].isalnum() or source[start - 1] in "_."):
        start -= 1
    while start > 0 and source[start - 1] in " \t":
        start -= 1
    return start > 0 and source[start - 1] == "=" and (start < 2 or source[start - 2] not in "=!<>")


def _hides(value: str | None, how: str) -> bool:
    """The literal decodes to an address, or cannot be read alone (None)."""
    if value is None:
        return True
    return _MIN_LITERAL <= len(value) <= MAX_LITERAL and bool(_ADDRESS.match(_decode(value, how)))


def _assigned_strings(source: str, names: set[str]) -> dict[str, list[str | None]]:
    """name -> the string literals ``name = "..."`` assigns in the text, through
    other names (``x = bytes(y.encode())``) as ``_literal`` follows them; None for
    a value in brackets (``name = ("..." "...")`` may glue several, ``name =
    ["...", ...]`` is a list ``name[0]`` picks from). One search of the text for
    each step along the names."""
    out: dict[str, list[str | None]] = {name: [] for name in names}
    # (name asked about -> the names whose values it takes, this step)
    asked = {name: {name} for name in names}
    for _ in range(_MAX_DEPTH + 1):
        wanted = set().union(*asked.values())
        if not wanted:
            break
        found = _assignments(source, wanted)
        following: dict[str, set[str]] = {}
        for name, via in asked.items():
            for held in via:
                for kind, value in found.get(held, ()):
                    if kind == "name" and value:
                        following.setdefault(name, set()).add(value)
                    else:
                        out[name].append(value if kind == "literal" else None)
        asked = following
    return out


def _assignments(source: str, names: set[str]) -> dict[str, list[tuple[str, str | None]]]:
    """name -> (what, value) of each assignment to it in the text: ('literal',
    its text or None), ('bracket', ''), ('name', the name it is given)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    pattern = re.compile(rf"\b({alternatives})\s*=(?!=)\s*{_VALUE}")
    out: dict[str, list[tuple[str, str | None]]] = {}
    for found in pattern.finditer(source):
        name = found.group(1)
        if found.group(2):
            literal = _string_at(source, found.end() - 1)
            out.setdefault(name, []).append(("literal", literal))
        elif found.group(3):
            out.setdefault(name, []).append(("bracket", ""))
        elif found.group(4) != name:
            out.setdefault(name, []).append(("name", found.group(4)))
    return out


def _string_at(source: str, at: int) -> str | None:
    """The text of the one-line string literal whose quote is at ``at``; None when
    it is more than that (triple-quoted, with escapes, glued to another, longer
    than an address is)."""
    quote = source[at]
    if source.startswith(quote * 3, at):
        return None
    end = source.find(quote, at + 1, at + 2 + MAX_LITERAL)
    if end == -1:
        stretch = source[at + 1 : at + 2 + MAX_LITERAL]
        if len(stretch) > MAX_LITERAL and "\n" not in stretch and "\\" not in stretch:
            return ""  # (longer than an address, whatever follows: not one)
        return None
    if "\n" in source[at + 1 : end]:
        return None
    text = source[at + 1 : end]
    after = source[end + 1 : end + 200].lstrip(" \t\r\n\\")
    if "\\" in text or after[:1] in ("'", '"', ","):
        return None  # (glued to another, or the first of a tuple)
    return text
