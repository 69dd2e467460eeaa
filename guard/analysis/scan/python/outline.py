"""The text of a module without its function bodies: a quick look at what runs.

Used to decide, without parsing, whether a module imported at import time could
do anything at module level that the detectors look for, and which modules it
imports (``module_imports``: a module read without a parse still leads to the
ones it imports). Lines indented under a ``def`` are left out, but not the lines of its
signature (its defaults run as it is defined); anything unclear (a multi-line
string back at the margin, or in a signature) ends the body early, which only
keeps more text in.
"""

from __future__ import annotations

import re

# a def line and its indent (``clipboard`` finds them in a whole text, with ``re.M``)
DEF_LINE = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]")


# The last text looked at and its module-level lines: the scanner asks whether an
# imported module could act, then which modules it imports, of the same text. Kept
# by identity (no hash of the text), one at a time.
_LAST: list[tuple[str, str]] = []


def module_level(source: str) -> str:
    """The lines of ``source`` outside function bodies."""
    if _LAST and _LAST[0][0] is source:
        return _LAST[0][1]
    kept = _module_level(source)
    _LAST[:] = [(source, kept)]
    return kept


def _module_level(source: str) -> str:
    kept: list[str] = []
    body_indent = -1  # the indent of the def whose body is being skipped
    signature = (-1, 0)  # (the indent of a def whose signature goes on, its open brackets)
    for line in source.splitlines():
        if signature[0] >= 0:
            kept.append(line)  # (defaults and annotations run as the def runs)
            signature = _signature_goes_on(signature, line)
            body_indent = signature[1] if signature[0] < 0 else -1
            continue
        if body_indent >= 0:
            if line[: body_indent + 1].isspace():
                continue  # (indented deeper than the def: the body, without an lstrip)
            stripped = line.lstrip()
            if not stripped or len(line) - len(stripped) > body_indent:
                continue  # the body, blank lines
            body_indent = -1
        match = DEF_LINE.match(line) if "def" in line else None
        kept.append(line)
        if match:
            signature = _signature_goes_on((len(match.group(1)), 0), line)
            body_indent = signature[1] if signature[0] < 0 else -1
    return "\n".join(kept)


_OPEN, _CLOSE = "([{", ")]}"
# (a signature's line longer than this is unclear: nothing is left out after it)
MAX_SIGNATURE_LINE = 4096


def _signature_goes_on(state: tuple[int, int], line: str) -> tuple[int, int]:
    """After one more line of a def's signature: ``(indent, open brackets)`` while
    it goes on, ``(-1, indent)`` once it is closed (its body follows at deeper
    indents), ``(-1, -1)`` when a long string or a very long line makes it
    unclear (nothing is left out then: the lines that follow are kept as
    module-level code)."""
    indent, depth = state
    if "'''" in line or '"""' in line or len(line) > MAX_SIGNATURE_LINE:
        return -1, -1
    if "'" in line or '"' in line or "#" in line:
        depth += _brackets_outside_strings(line)
    else:
        depth += sum(line.count(c) for c in _OPEN) - sum(line.count(c) for c in _CLOSE)
    return (indent, depth) if depth > 0 else (-1, indent)


def _brackets_outside_strings(line: str) -> int:
    """Open minus closed brackets of a line, outside its string literals and its
    comment (one pass: a line of a thousand quotes costs a thousand steps)."""
    depth = 0
    quote = ""
    escaped = False
    for char in line:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
    return depth


_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(.*)$")
_IMPORT = re.compile(r"^[ \t]*import[ \t]+(.*)$")
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_ALIAS = re.compile(r"[ \t]+as[ \t]+\w+")
_TYPE_CHECKING = re.compile(r"^[ \t]*if[ \t]+(?:typing\.)?TYPE_CHECKING[ \t]*:")


def module_imports(source: str) -> tuple[str, ...]:
    """The modules the lines outside function bodies import, named as the syntax
    tree's pass names them (``x.y`` for ``from .x import y``, ``pkg`` and
    ``pkg.mod`` for ``from pkg import mod``), read from the text."""
    out: list[str] = []
    lines = module_level(source).splitlines()
    skip = -1  # the indent of an ``if TYPE_CHECKING:`` whose block is skipped
    for at, line in enumerate(lines):
        if skip >= 0:
            if not line.strip() or len(line) - len(line.lstrip()) > skip:
                continue  # (imports for type checkers only: they never run)
            skip = -1
        if _TYPE_CHECKING.match(line):
            skip = len(line) - len(line.lstrip())
            continue
        if "import" not in line:
            continue
        found = _FROM.match(line)
        if found:
            dots, module, names = found.groups()
            if "(" in names and ")" not in names:  # (names over the next lines)
                names += " ".join(lines[at + 1 : at + 40]).split(")", 1)[0]
            words = _NAME.findall(_ALIAS.sub("", names.split("#", 1)[0]))
            if not dots and module:
                out.append(module)
            out.extend(f"{module}.{w}".strip(".") for w in words)
            continue
        plain = _IMPORT.match(line)
        if plain:
            out.extend(_NAME.findall(_ALIAS.sub("", plain.group(1).split("#", 1)[0])))
    return tuple(dict.fromkeys(out))


# the name of a definition at the margin
_TOP_NAME = re.compile(r"^(?:(?:async[ \t]+)?def|class)[ \t]+(\w+)", re.M)
_TOP_CLASS = re.compile(r"^class[ \t]+(\w+)", re.M)
# where a top-level definition's body ends: the next line that starts at the margin
# (not a comment, nor the closing bracket of a signature or a string's end)
_MARGIN = re.compile(r"\n(?=[^\s#)\]}'\"])")


def run_bodies(source: str) -> str:
    """The text of the top-level functions and classes that module-level code may
    run (called, decorated with, handed on), and of those they name so in turn."""
    kept = module_level(source)
    defined = set(_TOP_NAME.findall(kept))
    classes = set(_TOP_CLASS.findall(kept))
    todo = _uses(kept, defined, classes)
    if not todo:
        return ""
    spans = _definitions(source)
    done: set[str] = set()
    parts: list[str] = []
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        body = "\n".join(source[a:b] for a, b in spans.get(name, ()))
        parts.append(body)
        todo.extend(n for n in _uses(body, defined, classes) if n not in done)
    return "\n".join(parts)


def _definitions(source: str) -> dict[str, list[tuple[int, int]]]:
    """Name -> the spans of the top-level definitions of that name: from the
    definition line to the next line at the margin."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for head in _TOP_NAME.finditer(source):
        end = _MARGIN.search(source, head.end())
        spans.setdefault(head.group(1), []).append(
            (head.start(), end.start() if end else len(source))
        )
    return spans


def _uses(text: str, defined: set[str], classes: set[str]) -> list[str]:
    """The names of ``defined`` that ``text`` calls (``f(``), decorates with (``@f``)
    or hands on (``target=f)``, ``(f, g)``, ``x = f``; a class only called or
    decorated with: ``List[C]`` annotates): not a mere mention (a docstring),
    nor the line that defines it. (The identifiers of the text first: most names
    are not there.)"""
    named = defined.intersection(_IDENTIFIER.findall(text))
    return [name for name in named if _used(text, name, name not in classes)]


_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_HANDED_BEFORE = frozenset("=([,")
_HANDED_AFTER = frozenset(",)]\n")


def _used(text: str, name: str, handed: bool) -> bool:
    """``name`` is called or decorated with somewhere in ``text`` (or, with
    ``handed``, handed on)."""
    at = text.find(name)
    while at != -1:
        end = at + len(name)
        head = text[max(0, at - 8) : at]
        whole = not (
            head[-1:].isalnum()
            or head[-1:] == "_"
            or text[end : end + 1].isalnum()
            or text[end : end + 1] == "_"
        )
        if whole and not head.rstrip().endswith(("def", "class")):
            before = head.rstrip()[-1:]
            after = text[end : end + 1]
            while after in (" ", "\t"):
                end += 1
                after = text[end : end + 1]
            if (
                after == "("
                or before == "@"
                or (handed and before in _HANDED_BEFORE and after in _HANDED_AFTER)
            ):
                return True
        at = text.find(name, end)
    return False
