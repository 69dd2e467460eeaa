"""The text of a module without its function bodies: a quick look at what runs.

Used to decide, without parsing, whether a module imported at import time could
do anything at module level that the detectors look for. Lines indented under a
``def`` are left out; anything unclear (a multi-line string back at the margin)
ends the body early, which only keeps more text in.
"""

from __future__ import annotations

import re

_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]")


def module_level(source: str) -> str:
    """The lines of ``source`` outside function bodies."""
    kept: list[str] = []
    body_indent = -1  # the indent of the def whose body is being skipped
    for line in source.splitlines():
        if body_indent >= 0:
            if line[: body_indent + 1].isspace():
                continue  # (indented deeper than the def: the body, without an lstrip)
            stripped = line.lstrip()
            if not stripped or len(line) - len(stripped) > body_indent or stripped[0] in ")]":
                continue  # the body, blank lines, the end of a multi-line signature
            body_indent = -1
        match = _DEF.match(line) if "def" in line else None
        if match:
            body_indent = len(match.group(1))
        kept.append(line)
    return "\n".join(kept)
