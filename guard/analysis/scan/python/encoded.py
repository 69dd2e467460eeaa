"""Network addresses and code kept in encoded literals, found in the text.

A string literal whose whole text is a URL in base64 or hex, or a URL written
backwards, hides where code talks to from every reader and search: the
decoder may sit in another module, behind a wrapper, or in a dependency, so the
literal itself is the evidence. No honest package needs to hide a URL from
its readers (none of the 584 benign artifacts the benchmarks read holds one).
A literal that is Python source in base64 is handed back to be analysed as the
code it is (``encoded_code``), wherever it is decoded and run.

The look is cheap: a literal can only be one on a line that holds the encoded
start of a URL (``aHR0c`` is base64 for ``http``), and the text checks' one
search for hints finds those lines (nearly every file has none).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Callable, Iterator

from guard.analysis.scan.hits import CREDENTIAL_ACCESS, OBFUSCATED_CODE, Hit, HitAt
from guard.analysis.scan.patterns import CREDENTIAL_HINTS

MAX_CODE = 100_000  # (characters of an encoded literal decoded to be analysed as code)
MAX_CODE_LITERALS = 64  # (of one file: a flood of them adds no more work than this)
# How a URL (or a command that downloads one) starts in each encoding, and the
# literal it starts: base64 of ``http``, ``ftp://``, ``ws://``, ``wss://``, ``curl``,
# ``wget ``; hex of ``http``; ``http://`` or ``https://`` written backwards (at the
# literal's end).
_BASE64_STARTS = ("aHR0c", "ZnRwOi8v", "d3M6Ly", "d3NzOi8v", "Y3VybC", "d2dldC")
_LITERALS = (
    re.compile(rf"""(["'])((?:{"|".join(_BASE64_STARTS)})[A-Za-z0-9+/_-]{{3,4096}}={{0,2}})\1"""),
    re.compile(r"""(["'])((?:0x)?68747470[0-9a-fA-F]{6,4096})\1"""),
    re.compile(r"""(["'])([^"'\s\\]{4,2048}//:s?ptth)\1"""),
)
# How the place of user secrets starts in base64 (the home folder: ``~/.``, ``~/x``,
# ``%APPDATA%``, ``%LOCALAPPDATA%``, ``%USERPROFILE%``, ``/home/``, ``/Users/``,
# ``C:\Users``, ``/root/``; or a secrets folder: ``.ssh``, ``.aws``, ``.config/``): a
# literal that starts so and decodes to a path of one (``CREDENTIAL_HINTS``) hides
# what the code reads from every reader.
_PLACE_STARTS = (
    "fi8",
    "fi9",
    "JUFQUERBVEE",
    "JUxPQ0FMQVBQREFUQS",
    "JVVTRVJQUk9GSUxFJ",
    "L2hvbWUv",
    "L1VzZXJzL",
    "QzpcVXNlcnM",
    "QzpcXFVzZXJz",
    "L3Jvb3Qv",
    "LnNzaC",
    "LmF3c",
    "LmNvbmZpZy",
)
_PLACE_LITERAL = re.compile(
    rf"""(["'])((?:{"|".join(_PLACE_STARTS)})[A-Za-z0-9+/_-]{{1,1024}}={{0,2}})\1"""
)
# How Python source starts in base64: ``import ``, ``from ``, ``def ``, and a line
# break before ``import``: code kept encoded, analysed as the code it is (a literal
# of it is looked for only in a text that holds one of these).
_CODE_STARTS = ("aW1wb3J0I", "ZnJvbSA", "ZGVmIA", "CmltcG9ydC", "DQppbXBvcnQ")
_CODE_LITERAL = re.compile(
    rf"""(["'])((?:{"|".join(_CODE_STARTS)})[A-Za-z0-9+/]{{16,{MAX_CODE}}}={{0,2}})\1"""
)
# Those starts lower-cased: the text checks' one search for hints finds the lines
# that hold one (``text._hint_lines``), and the literals are looked for there only.
ENCODED_HINTS = (
    *(start.lower() for start in (*_BASE64_STARTS, *_PLACE_STARTS)),
    "68747470",
    "//:ptth",
    "//:sptth",
)
# A URL (with a host name that has a dot, or an IP address) anywhere in the decoded text.
_URL = re.compile(r"(?:https?|ftp|wss?)://(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+[^\s\"'<>]*")


def encoded_address_hits(
    source: str, starts: set[int], at: HitAt, documented: Callable[[str, int], bool]
) -> Iterator[Hit]:
    """A literal that holds a URL in base64 or hex, or backwards, or the place of
    user secrets in base64 (6 each, techniques), on the lines that start at
    ``starts`` (those that hold one of ``ENCODED_HINTS``). ``documented(source,
    offset)``: the literal is in a comment or a docstring, where it shows a reader
    an encoding and runs nowhere."""
    kinds: set[str] = set()
    for start in sorted(starts):
        end = source.find("\n", start)
        line = source[start : len(source) if end == -1 else end]
        for offset, kind, rule, what in _hidden(line, kinds):
            if kind not in kinds and not documented(source, start + offset):
                kinds.add(kind)
                yield at(start + offset, rule, kind, 6.0, what)
        if len(kinds) == 2:
            return


def _hidden(line: str, done: set[str]) -> Iterator[tuple[int, str, str, str]]:
    """(offset, kind, rule, text) of the hidden addresses and places of a line."""
    if "hidden-address" not in done:
        for literal in _LITERALS:
            for found in literal.finditer(line):
                address = _address(found.group(2))
                if address:
                    what = f"hides a network address in encoded text ({address[:60]})"
                    yield found.start(), "hidden-address", OBFUSCATED_CODE, what
    if "hidden-place" not in done:
        for found in _PLACE_LITERAL.finditer(line):
            place = _secret_place(_from_base64(found.group(2), "utf-8"))
            if place:
                what = f"hides the place of user secrets in encoded text ({place[:60]})"
                yield found.start(), "hidden-place", CREDENTIAL_ACCESS, what


def _secret_place(text: str) -> str:
    """The decoded text when it is a path to user secrets (a ``CREDENTIAL_HINTS``
    folder or file in a path), else ''."""
    lowered = text.lower()
    path = "/" in text or "\\" in text or text.startswith(("~", "."))
    if path and text.isprintable() and any(h in lowered for h in CREDENTIAL_HINTS):
        return text
    return ""


def encoded_code(source: str) -> Iterator[tuple[int, str]]:
    """(offset, code) of each base64 literal that decodes to Python source (only
    files that parse get here: a few ``in`` looks rule out nearly all of them)."""
    if not any(start in source for start in _CODE_STARTS):
        return
    for found in itertools.islice(_CODE_LITERAL.finditer(source), MAX_CODE_LITERALS):
        code = _from_base64(found.group(2), "utf-8")
        if code:
            yield found.start(), code


def _address(literal: str) -> str:
    """The URL the literal's decoded text holds, or ''."""
    if literal.endswith("ptth"):
        text = literal[::-1]
    elif literal.startswith(("0x", "68747470")):
        text = _from_hex(literal.removeprefix("0x"))
    else:
        text = _from_base64(literal)
    found = _URL.search(text)
    return found.group(0) if found else ""


def _from_hex(literal: str) -> str:
    try:
        return bytes.fromhex(literal).decode("ascii")
    except ValueError:
        return ""


def _from_base64(literal: str, encoding: str = "ascii") -> str:
    data = base64_bytes(literal)
    try:
        return data.decode(encoding) if data is not None else ""
    except ValueError:
        return ""


def base64_bytes(literal: str) -> bytes | None:
    """The bytes a base64 literal holds (standard or URL-safe, padding optional;
    nothing else in it), or None."""
    altchars = b"-_" if "-" in literal or "_" in literal else None
    padded = literal + "=" * (-len(literal) % 4)
    try:
        return base64.b64decode(padded, altchars=altchars, validate=True)
    except (ValueError, binascii.Error):
        return None
