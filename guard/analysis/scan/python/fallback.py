"""Line-wise patterns for code that does not parse (Python 2, say)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from guard.analysis.scan import patterns
from guard.analysis.scan.hits import (
    DROPPER,
    INSTALL_TIME_CODE,
    OBFUSCATED_CODE,
    Hit,
    snippet,
)

_FALLBACK: tuple[tuple[re.Pattern[str], str, str, float, str], ...] = (
    (
        re.compile(
            r"\b(?:exec|eval)\b.*\b(?:b64decode|decompress|marshal\.loads|unhexlify|"
            r"decode\(\s*['\"](?:base64|hex|rot13))"
        ),
        OBFUSCATED_CODE,
        "decode-exec",
        6.0,
        "exec of decoded data",
    ),
    (
        re.compile(r"\b(?:exec|eval)\b.*\b(?:urlopen|requests\.get)\b"),
        DROPPER,
        "download-exec",
        6.0,
        "exec of downloaded code",
    ),
    (re.compile(r"\bmarshal\.loads\b"), OBFUSCATED_CODE, "marshal", 3.0, "loads marshalled code"),
    (
        re.compile(
            r"\b(?:urlopen|urlretrieve|requests\.(?:get|post|put)|socket\.socket|"
            r"httplib\.HTTPS?Connection)\s*\("
        ),
        INSTALL_TIME_CODE,
        "network",
        3.0,
        "network call",
    ),
    (
        re.compile(r"\b(?:gethostname|getpass\.getuser|os\.getlogin|platform\.node)\s*\("),
        INSTALL_TIME_CODE,
        "identity",
        1.0,
        "reads host or user identity",
    ),
)
_FALLBACK_SPAWN = re.compile(r"\b(?:os\.system|os\.popen|subprocess\.\w+|Popen|os\.startfile)\s*\(")


_BUILD_WORDS = re.compile(r"\b(?:git|cmake|make|gcc|cc|sys\.executable)\b")


def fallback(source: str, lines: list[str]) -> Iterator[Hit]:
    """The calls of each line, matched as text."""
    for number, line in enumerate(lines, start=1):
        if len(line) > 20_000:
            line = line[:20_000]
        for regex, rule, kind, weight, text in _FALLBACK:
            if regex.search(line):
                yield Hit(rule, kind, weight, number, snippet(lines, number), text)
        call = _FALLBACK_SPAWN.search(line)
        if call:
            spawned = _spawn(line, lines, number, line[call.end() :])
            if spawned is not None:
                yield spawned


def _spawn(line: str, lines: list[str], number: int, command: str) -> Hit | None:
    """What a process started on this line runs (``command``: the text after the
    call's parenthesis): as for code that parses, a shell, PowerShell or inline
    code, and a downloader, a script or an executable, count in full."""
    inline = patterns.INLINE_CODE.search(line) and patterns.INLINE_PAYLOAD.search(line)
    if patterns.STRONG_COMMANDS.search(line) or inline:
        what = "runs a shell, PowerShell, a downloader or inline code"
        return Hit(INSTALL_TIME_CODE, "spawn-shell", 5.0, number, snippet(lines, number), what)
    weak = patterns.WEAK_COMMANDS.search(command)
    if weak and not _BUILD_WORDS.search(command):
        what = f"runs {weak.group(0).strip()!r}"
        return Hit(INSTALL_TIME_CODE, "spawn-shell", 5.0, number, snippet(lines, number), what)
    if not _BUILD_WORDS.search(line):
        what = "spawns a process"
        return Hit(INSTALL_TIME_CODE, "spawn", 1.0, number, snippet(lines, number), what)
    return None
