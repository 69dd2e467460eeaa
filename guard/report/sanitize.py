"""Making untrusted text safe to print: ``clean``.

Every string that came from an index or from package code (names, summaries,
URLs, pip's output while it builds) goes through ``clean`` before it is shown,
in every output format: escape sequences are removed, and so is every
character of the Unicode categories Cc (C0 and C1 controls, DEL), Cf (format
characters: bidirectional overrides, zero-width and invisible characters, soft
hyphens, tags), Zl and Zp (line and paragraph separators) and Cs (lone
surrogates, which would reach a terminal as raw bytes such as 0x9b under a C
locale); the length is bounded. Only the standard library is imported here, so
pip's output can be cleaned from the first moment.
"""

from __future__ import annotations

import re
import unicodedata

MAX_FIELD = 300

# ANSI/ECMA-48 sequences: CSI (ESC [ or 0x9B ... final byte), OSC / DCS / APC /
# PM / SOS strings (ESC ] ... BEL or ST), and two-byte ESC sequences.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]?"
)
# Tab, newline and carriage return become spaces first.
_LINE_BREAKS = re.compile(r"[\t\r\n]+")
#: Unicode categories never shown: controls, format characters, line and
#: paragraph separators, surrogates.
_REMOVED = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _visible(s: str) -> str:
    """``s`` without the characters of the removed categories.

    ``str.isprintable`` is false for every one of them (and for a few harmless
    ones, such as no-break spaces), so printable text, nearly all of it, costs
    one C-level scan."""
    if s.isprintable():
        return s
    return "".join(ch for ch in s if ch.isprintable() or unicodedata.category(ch) not in _REMOVED)


def clean(text: object, limit: int = MAX_FIELD) -> str:
    """Make untrusted text safe to print on a terminal, on one line."""
    s = str(text)
    s = _ESCAPES.sub("", s)
    s = _LINE_BREAKS.sub(" ", s)
    s = _visible(s)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s
