"""Making untrusted text safe to print: ``clean``.

Every string that came from an index or from package code (names, summaries,
URLs, pip's output while it builds) goes through ``clean`` before it is shown:
escape sequences and control characters are removed, bidirectional overrides
and zero-width characters too, and the length is bounded. Only the standard
library is imported here, so pip's output can be cleaned from the first moment.
"""

from __future__ import annotations

import re

MAX_FIELD = 300

# ANSI/ECMA-48 sequences: CSI (ESC [ or 0x9B ... final byte), OSC / DCS / APC /
# PM / SOS strings (ESC ] ... BEL or ST), and two-byte ESC sequences.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]?"
)
# C0 and C1 controls (tab, newline and carriage return become spaces first),
# DEL, and the bidirectional and zero-width format characters.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")


def clean(text: object, limit: int = MAX_FIELD) -> str:
    """Make untrusted text safe to print on a terminal, on one line."""
    s = str(text)
    s = _ESCAPES.sub("", s)
    s = _LINE_BREAKS.sub(" ", s)
    s = _CONTROLS.sub("", s)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s
