"""What a detector reports: the rule ids, ``Hit`` and ``FileReport``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

INSTALL_TIME_CODE = "install-time-code"
OBFUSCATED_CODE = "obfuscated-code"
EXFIL_ENDPOINT = "exfil-endpoint"
CREDENTIAL_ACCESS = "credential-access"
DROPPER = "dropper"
PTH_CODE = "pth-code"
BUNDLED_BINARY = "bundled-binary"

MAX_SNIPPET = 160


@dataclass(frozen=True)
class Hit:
    """One thing a detector noticed in one file."""

    rule: str
    kind: str  # detector key: hits of one kind in a package do not add up without bound
    weight: float  # base weight, for code that runs at install time
    line: int
    snippet: str
    text: str  # what it is, shortly: "runs powershell"
    deferred: bool = False  # inside a function body: runs only when called
    scope: str = ""  # the function it is in ("" at module level)


@dataclass(frozen=True)
class FileReport:
    """What ``analyse`` found in one file, and how it read it."""

    hits: tuple[Hit, ...]
    parsed: str  # "ast", "tokens" or "text"
    local_imports: tuple[str, ...] = ()  # modules and files the code pulls in (setup.py)
    incomplete: str = ""  # why the code could not be analysed in full (too deep, say)
    calls_out: tuple[str, ...] = ()  # dotted names that code which runs calls (``util.f``)
    mains: tuple[str, ...] = ()  # modules the code runs as ``__main__`` (``python -m x``)
    # the functions that run because code of another file that runs at import time
    # calls them (``analyse``'s ``promoted``): their acts count at that file's weight
    reached: frozenset[str] = frozenset()
    # the dotted names module-level code decorates with (``@util.retry``): they run
    decorators: tuple[str, ...] = ()
    # tree files without a Python suffix the code runs as Python (``Context.scripts``)
    scripts: tuple[str, ...] = ()
    # zip archives of the tree the code imports from (``Context.zips``)
    zips: tuple[str, ...] = ()
    # why the Python safepip runs cannot parse the code, when another Python may run
    # it (newer syntax): '' when it parsed, or is code no Python 3 runs (Python 2)
    unparsed: str = ""


def snippet(lines: list[str], lineno: int) -> str:
    """The stripped source line ``lineno`` (1-based), shortened to ``MAX_SNIPPET``."""
    text = lines[lineno - 1].strip() if 1 <= lineno <= len(lines) else ""
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


# at(offset, rule, kind, weight, text): the hit at an offset of a file's text (what
# the text checks hand the detectors that read the text: ``python.text``)
HitAt = Callable[[int, str, str, float, str], Hit]
