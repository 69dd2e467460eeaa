"""Machine code run from memory: a shellcode loader, found in the text.

The loader's shape is the same in every campaign: memory made executable
(``VirtualAlloc`` with an execute protection, ``mmap`` with ``PROT_EXEC``), the
bytes copied in (``RtlMoveMemory``, ``memmove``, ``WriteProcessMemory``), and a
thread or a function pointer started on them (``CreateThread``, a ``CFUNCTYPE``
cast). With bytes the file carries or fetches (a decoded blob, an escaped bytes
literal, a download), that is code no reader can see, run without a file
(``shellcode``, a technique). Memory tools that only read or patch a process
carry no such bytes.
"""

from __future__ import annotations

import re

from guard.analysis.scan.hits import DROPPER, Hit, HitAt

# (the lower-cased words the text checks' one search finds: ``text._HINTS``)
MEMORY_HINTS = ("virtualalloc", "prot_exec")
_STARTS = (
    "createthread",
    "createremotethread",
    "queueuserapc",
    "enumsystemlocales",
    "enumwindows",
    "cfunctype",
    "winfunctype",
)
_COPIES = ("rtlmovememory", "rtlcopymemory", "memmove", "writeprocessmemory", ".write(")
_BYTES_FROM = (
    "b64decode",
    "fromhex",
    "unhexlify",
    "decompress",
    "urlopen",
    "requests.",
    ".recv(",
)
_ESCAPED_BYTES = re.compile(r"""b["'](?:\\x[0-9a-fA-F]{2}){8}""")


def shellcode_hit(source: str, lowered: str, at: HitAt) -> Hit | None:
    """The loader's three steps and bytes to run, anywhere in the file."""
    where = lowered.find("virtualalloc")
    if where == -1:
        where = lowered.find("prot_exec")
    if where == -1:
        return None
    if not any(w in lowered for w in _STARTS) or not any(w in lowered for w in _COPIES):
        return None
    if not (any(w in source for w in _BYTES_FROM) or _ESCAPED_BYTES.search(source)):
        return None
    what = "runs machine code from memory: executable memory, bytes copied in, a thread on them"
    return at(where, DROPPER, "shellcode", 6.0, what)
