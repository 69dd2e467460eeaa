"""What the text itself shows: endpoints, credential paths, autostart paths, blobs,
addresses in encoded literals, shellcode loaders and clipboard swappers.

These checks read the source as text (string literals and comments alike), so
they work on code that does not parse, and cost little on the files that hold
none of the hints they look for.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator

from guard.analysis.scan import patterns
from guard.analysis.scan.hits import (
    CREDENTIAL_ACCESS,
    DROPPER,
    EXFIL_ENDPOINT,
    OBFUSCATED_CODE,
    Hit,
    HitAt,
    snippet,
)
from guard.analysis.scan.python.clipboard import CLIPBOARD_HINTS, clipper_hit
from guard.analysis.scan.python.encoded import ENCODED_HINTS, encoded_address_hits
from guard.analysis.scan.python.shellcode import MEMORY_HINTS, shellcode_hit
from guard.analysis.scan.python.words import anchor, any_of


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


MAX_PER_KIND = 5
BLOB_SIZE = 160
# A run of base64-ish characters, matched from its start only (the look-behind
# keeps the search linear).
BLOB = re.compile(rf"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{{{BLOB_SIZE},}}")


def _blobs(source: str, lines: list[str]) -> Iterator[tuple[int, str]]:
    """(offset, text) of each ``BLOB`` run, searched on the long lines only.

    A run holds no line break, so a file whose lines are all shorter than a blob
    (most files) holds none.
    """
    if max(map(len, lines), default=0) < BLOB_SIZE:
        return
    offset = 0
    for line in source.splitlines(keepends=True):
        if len(line) >= BLOB_SIZE:
            for match in BLOB.finditer(line):
                yield offset + match.start(), match.group(0)
        offset += len(line)


def _line_of(source: str, offset: int, cache: list[int]) -> int:
    """1-based line of an offset (``cache`` holds the newline offsets, built once)."""
    if not cache:
        cache.append(-1)
        cache.extend(m.start() for m in re.finditer("\n", source))
    low, high = 0, len(cache)
    while low < high:
        mid = (low + high) // 2
        if cache[mid] < offset:
            low = mid + 1
        else:
            high = mid
    return low


_HINTS = (
    ("endpoint", patterns.ENDPOINT_HINTS),
    ("credential", patterns.CREDENTIAL_HINTS),
    ("autostart", patterns.AUTOSTART_HINTS),
    ("encoded", ENCODED_HINTS),
    ("memory", MEMORY_HINTS),
    ("clipboard", CLIPBOARD_HINTS),
)
_ANY_HINT = any_of(hint for _, hints in _HINTS for hint in hints)
# Most files hold no hint, which one search says: the few hints made of common letters
# only (``any_of`` would stop at nearly every ``c``, ``f`` and ``m``) are looked for
# each with ``in``, the rest with one search.
_COMMON_HINTS = tuple(h for _, hints in _HINTS for h in hints if h[anchor(h)] in "cfm")
_RARE_HINT = any_of(h for _, hints in _HINTS for h in hints if h not in _COMMON_HINTS)


def _hint_lines(source: str, lowered: str) -> dict[str, set[int]]:
    """Start offsets of the lines that hold a hint, per group: the patterns are
    searched on those lines only (the whole text of a large generated module
    costs seconds with them; its hinted lines a fraction of that).

    Most files hold none: one quick search says so. Otherwise the lines are found
    with that search, line after line, and each line's groups with str.find.
    """
    found: dict[str, set[int]] = {group: set() for group, _ in _HINTS}
    if _RARE_HINT.search(lowered) is None and not any(h in lowered for h in _COMMON_HINTS):
        return found
    first = _ANY_HINT.search(lowered)
    if first is None:
        return found
    if len(lowered) != len(source):
        # lower-casing made some character longer: offsets in ``lowered`` are
        # turned into line starts in ``source`` as they always were
        return _hint_lines_by_find(source, lowered, found)
    match: re.Match[str] | None = first
    while match is not None:
        start = lowered.rfind("\n", 0, match.start()) + 1
        end = lowered.find("\n", match.start())
        line = lowered[start : len(lowered) if end == -1 else end]
        for group, hints in _HINTS:
            starts = found[group]
            if any(hint in line and _as_path(line, hint) for hint in hints):
                starts.add(start)
        # (hints hold no line break: the next line that holds one)
        match = None if end == -1 else _ANY_HINT.search(lowered, end + 1)
    return found


# The last text looked at, its lower-cased text and its hinted lines: the quick look
# before the parse (``python.quick_risky``) and the text checks read the same file
# one after the other. Kept by identity (no hash of the text), one at a time.
_LAST: list[tuple[str, str, dict[str, set[int]]]] = []


def looked_at(source: str) -> tuple[str, dict[str, set[int]]]:
    """``source.lower()`` and its hinted lines (``_hint_lines``; not to be changed)."""
    last = _LAST[0] if _LAST else None
    if last is not None and last[0] is source:
        return last[1], last[2]
    lowered = source.lower()
    hinted = _hint_lines(source, lowered)
    _LAST[:] = [(source, lowered, hinted)]
    return lowered, hinted


def _hint_lines_by_find(
    source: str, lowered: str, found: dict[str, set[int]]
) -> dict[str, set[int]]:
    for group, hints in _HINTS:
        starts = found[group]
        for hint in hints:
            at = lowered.find(hint)
            while at != -1:
                if not _attribute(lowered, hint, at):
                    starts.add(source.rfind("\n", 0, at) + 1)
                    end = lowered.find("\n", at)  # (one start per line: the next line)
                    at = -1 if end == -1 else lowered.find(hint, end + 1)
                else:
                    at = lowered.find(hint, at + 1)
    return found


# Hidden folders that hold credentials: their patterns ask for a path (``.aws/``), so
# the hint counts only where it can start one (``_as_path``)
FOLDER_HINTS = frozenset({".ssh", ".aws", ".azure", ".kube", ".docker"})


def _as_path(line: str, hint: str) -> bool:
    """A folder's hint (``.aws``) counts where it names the folder (``"~/.aws"``,
    ``".aws"``), not where it ends an attribute or a module path
    (``litellm.llms.azure``, ``self.aws_region``): a path is never glued to an
    identifier. (Not ``.netrc``: ``netrc.netrc()`` reads the file.)"""
    if hint not in FOLDER_HINTS:
        return True
    at = line.find(hint)
    while at != -1:
        if not _attribute(line, hint, at):
            return True
        at = line.find(hint, at + 1)
    return False


def _attribute(text: str, hint: str, at: int) -> bool:
    """The folder's hint at ``at`` follows an identifier (``x.aws``)."""
    if hint not in FOLDER_HINTS or at == 0:
        return False
    before = text[at - 1]
    return before.isalnum() or before == "_"


def _hinted_matches(
    regex: re.Pattern[str], source: str, starts: set[int]
) -> Iterator[tuple[int, str]]:
    """(offset, matched text) of ``regex``, searched only on lines that hold a hint."""
    for start in sorted(starts):
        end = source.find("\n", start)
        line = source[start : len(source) if end == -1 else end]
        for match in regex.finditer(line):
            yield start + match.start(), match.group(0)


_LOCAL_PREFIXES = ("127.", "0.", "10.", "192.168.", "169.254.", "255.")
# private 172.16.0.0/12, and the shared space 100.64.0.0/10 (carriers, cloud metadata)
_PRIVATE_172 = re.compile(r"172\.(?:1[6-9]|2\d|3[01])\.|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.")
# Addresses that name no host: the documentation ranges of RFC 5737 and the
# placeholders of examples (an address with an octet over 255 is none at all).
_PLACEHOLDER_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")
_PLACEHOLDERS = frozenset({"1.2.3.4"})


def text_hits(source: str, lines: list[str]) -> Iterator[Hit]:
    """Endpoints, credential paths, autostart paths and blobs, found in the text."""
    newlines: list[int] = []

    def at(offset: int, rule: str, kind: str, weight: float, text: str) -> Hit:
        line = _line_of(source, offset, newlines)
        comments = kind not in _CHANNEL_KINDS
        if kind in DOCUMENTABLE and (
            mentioned(source, offset, comments) or _filler_url(source, offset)
        ):
            kind, weight, text = DOCUMENTED, weight * DOC_SHARE, f"{text} {_IN_DOCS}"
        return Hit(rule, kind, weight, line, snippet(lines, line), text)

    lowered, hinted = looked_at(source)
    yield from _endpoint_hits(source, hinted["endpoint"], at)
    if hinted["endpoint"] and _may_hold_channel(source, lowered):
        yield from _concrete_channel(source, hinted["endpoint"], at)
    yield from _raw_ip_hits(source, at)
    yield from _credential_hits(source, hinted["credential"], at)
    yield from _autostart_hits(source, hinted["autostart"], at)
    yield from _blob_hits(source, lines, at)
    yield from _packed(source, at)
    yield from _identifier_soup(source, at)
    if hinted["encoded"]:
        yield from encoded_address_hits(source, hinted["encoded"], at, mentioned)
    if hinted["memory"]:
        loader = shellcode_hit(source, lowered, at)
        if loader is not None:
            yield loader
    if hinted["clipboard"]:
        swapper = clipper_hit(lowered, at)
        if swapper is not None:
            yield swapper


def _endpoint_hits(source: str, starts: set[int], at: HitAt) -> Iterator[Hit]:
    endpoints = _hinted_matches(patterns.ENDPOINT_RE, source, starts)
    for offset, found in itertools.islice(endpoints, MAX_PER_KIND):
        what = next((w for r, w in patterns.ENDPOINT_PARTS if r.search(found)), "")
        weight = patterns.ENDPOINT_WEIGHTS.get(what, 4.0)
        yield at(offset, EXFIL_ENDPOINT, "endpoint", weight, f"{what}: {found}")


# A word (lower case) of each alternative of patterns.CONCRETE_CHANNELS: a text without
# any of them holds no channel (tests/analysis/test_scan_speed.py keeps this true).
CHANNEL_WORDS = (
    "/api/webhooks/",
    "/bot",
    "hooks.slack.com/services/",
    ".oastify.com",
    ".burpcollaborator.net",
    ".interact.sh",
    ".oast.",
    ".dnslog.cn",
    ".ceye.io",
    ".m.pipedream.net",
    "webhook.site/",
    "ngrok",
    ".trycloudflare.com",
)


# The only characters that ignoring case matches to ASCII letters, as lower() leaves
# them: the long s, the dotless i, and the dot that lower() adds to a dotted capital I
# (the Kelvin sign lowers to k itself).
_ASCII_FOLDS = (("\u017f", "s"), ("\u0131", "i"), ("\u0307", ""))


def ascii_fold(lowered: str) -> str:
    """Lower-cased text with those characters folded into their ASCII letters (a few
    ``replace`` calls: ``str.translate`` with a table is slow on large texts)."""
    for char, letter in _ASCII_FOLDS:
        if char in lowered:
            lowered = lowered.replace(char, letter)
    return lowered


def _may_hold_channel(source: str, lowered: str) -> bool:
    """False when no ``patterns.CONCRETE_CHANNELS`` match can be in ``source``: each
    of its alternatives holds one of ``CHANNEL_WORDS``, and ignoring case matches
    only a few non-ASCII characters to ASCII letters (folded here before looking)."""
    if not source.isascii():
        lowered = ascii_fold(lowered)
    return any(w in lowered for w in CHANNEL_WORDS)


def _concrete_channel(source: str, starts: set[int], at: HitAt) -> Iterator[Hit]:
    """A channel with its token or generated host name in the code (6, a technique)."""
    for offset, found in _channels(source, starts):
        if not _documentation(source, offset) and not _placeholder_token(found):
            what = f"hard-coded exfiltration channel: {found[:80]}"
            yield at(offset, EXFIL_ENDPOINT, "channel", 6.0, what)
            return


def _channels(source: str, starts: set[int]) -> Iterator[tuple[int, str]]:
    """(offset, text) of each ``patterns.CONCRETE_CHANNELS`` match. No part of the
    pattern matches a line break, and each match holds one of ``CHANNEL_WORDS``,
    each of which holds an endpoint hint: in ASCII text (where ignoring case is
    lower-casing) the lines that hold an endpoint hint (``starts``) hold every match."""
    if source.isascii():
        yield from _hinted_matches(patterns.CONCRETE_CHANNELS, source, starts)
        return
    for found in patterns.CONCRETE_CHANNELS.finditer(source):
        yield found.start(), found.group(0)


_TOKEN_PART = re.compile(r"[A-Za-z0-9]{6,}")


def _placeholder_token(channel: str) -> bool:
    """A channel whose token or generated name is filler (``T00000000``,
    ``XXXXXXXX``: one character repeated after a type letter) names no receiver:
    documentation shows the shape of an address its user fills in."""
    return any(len(set(part[1:].lower())) == 1 for part in _TOKEN_PART.findall(channel))


_DOC_LINE = (">>>", "...", "#", "*", "-", ":")
_URL_END = re.compile(r"[\s'\"`<>)]")


def _filler_url(source: str, offset: int) -> bool:
    """The URL at ``offset`` carries a filler token (see ``_placeholder_token``)."""
    end = _URL_END.search(source, offset, offset + 300)
    return _placeholder_token(source[offset : end.start() if end else offset + 300])


# Places and addresses named in a comment or a docstring are documentation, not
# code: a reader is told where a file is or what a URL looks like (appdirs's
# docstrings name Firefox's profile folder, huggingface_hub's webhook examples
# name webhook.site). They count at a share, as their own kind: no channel or
# secret for the combinations (steal-send, channel-send, send-host-data). An
# exfiltration service or a public IP address in a ``#`` comment still counts:
# commented-out calls to a request bin are what malicious uploads leave behind.
DOCUMENTABLE = frozenset({"endpoint", "raw-ip", "raw-ip-local", "credential", "autostart-path"})
DOCUMENTED = "documented"
DOC_SHARE = 0.25
_IN_DOCS = "(in a comment or docstring)"


_CHANNEL_KINDS = frozenset({"endpoint", "raw-ip"})


def mentioned(source: str, offset: int, comments: bool = True) -> bool:
    """The text at ``offset`` is in a docstring or a doctest, or (``comments``) a comment."""
    if comments:
        return _documentation(source, offset) or _in_comment(source, offset)
    start = source.rfind("\n", 0, offset) + 1
    return source[start:offset].lstrip().startswith(_DOCTEST) or any(
        _in_docstring(source, offset, quote) for quote in ('"""', "'''")
    )


_DOCTEST = (">>>", "...")


def _in_comment(source: str, offset: int) -> bool:
    """After a ``#`` that no open quote on the line holds (a trailing comment)."""
    start = source.rfind("\n", 0, offset) + 1
    before = source[start:offset]
    at = before.find("#")
    while at != -1:
        head = before[:at]
        if head.count('"') % 2 == 0 and head.count("'") % 2 == 0:
            return True
        at = before.find("#", at + 1)
    return False


def _documentation(source: str, offset: int) -> bool:
    """The line is a comment, a doctest or a list item, or it is inside a docstring."""
    start = source.rfind("\n", 0, offset) + 1
    return source[start:offset].lstrip().startswith(_DOC_LINE) or any(
        _in_docstring(source, offset, quote) for quote in ('"""', "'''")
    )


def _in_docstring(source: str, offset: int, quote: str) -> bool:
    """Inside a triple-quoted string that starts a statement (a docstring), not one
    that is assigned or passed (data)."""
    if source.count(quote, 0, offset) % 2 == 0:
        return False
    opening = source.rfind(quote, 0, offset)
    line_start = source.rfind("\n", 0, opening) + 1
    return source[line_start:opening].strip().lower() in _STRING_PREFIXES


_STRING_PREFIXES = frozenset({"", "r", "u"})  # (a docstring is no bytes or f-string)


# What packed code does to run, as a statement (at a line's start or after a
# ``;``): call the runtime, import it. A name in a list of obfuscators to look
# for, as a tracer keeps, or in a comment packs nothing.
_PACKERS = re.compile(
    r"(?:^|;)[ \t]*(?:__pyarmor__\s*\(|pyarmor_runtime\s*\(|(?:from|import)\s+pyarmor_runtime\w*|"
    r"from\s+pytransform\s+import\b)",
    re.MULTILINE,
)


def _packed(source: str, at: HitAt) -> Iterator[Hit]:
    """Code packed by an obfuscator (PyArmor): nothing in it can be read (6)."""
    found = _PACKERS.search(source) if "pyarmor" in source or "pytransform" in source else None
    if found:
        what = f"code packed by an obfuscator ({found.group(0).strip()})"
        yield at(found.start(), OBFUSCATED_CODE, "packed", 6.0, what)


# Names an obfuscator makes from look-alike letters: OooDOoo0, mnnmnmmn, lIlIIlJL.
_SOUP = re.compile(r"(?:[OD][O0oD]{7,}|[mn]{10,}|[IlLJ][IlL1J]{7,})")
# (one character class finds the candidates much faster than the alternation)
_SOUP_RUN = re.compile(r"\b[ODmnIlLJ][O0oDmnIlL1J]{7,}\b")
SOUP_NAMES = 3


# Every look-alike letter (ASCII) as 1, every other byte as 0: a soup name needs a run
# of eight ones, which one translate and one find rule out in most files.
_SOUP_BYTES = bytes(int(chr(b) in "O0oDmnIlL1J") for b in range(256))


def _identifier_soup(source: str, at: HitAt) -> Iterator[Hit]:
    """Several distinct names spelled with look-alike letters only (6, a technique)."""
    # (a non-ASCII character is encoded as "?", which becomes a 0)
    if source.encode("ascii", "replace").translate(_SOUP_BYTES).find(b"\x01" * 8) == -1:
        return
    names: dict[str, int] = {}
    for found in _SOUP_RUN.finditer(source):
        name = found.group(0)
        if len(set(name)) > 1 and _SOUP.fullmatch(name):
            names.setdefault(name, found.start())
            if len(names) >= SOUP_NAMES:
                first = min(names.values())
                what = f"names made of look-alike letters ({', '.join(list(names)[:3])})"
                yield at(first, OBFUSCATED_CODE, "identifier-soup", 6.0, what)
                return


def _raw_ip_hits(source: str, at: HitAt) -> Iterator[Hit]:
    ips = patterns.RAW_IP_URL.finditer(source) if "://" in source else iter(())
    for ip in itertools.islice(ips, MAX_PER_KIND):
        scheme = re.search(r"([A-Za-z]+)$", source[max(ip.start() - 8, 0) : ip.start()])
        if scheme is None or scheme.group(1).lower() not in patterns.URL_SCHEMES:
            continue
        if not is_placeholder(ip.group(1)):
            yield _raw_ip_hit(ip, scheme.group(1), at)


def names_a_host(source: str) -> bool:
    """A URL to a public IP address somewhere in ``source`` (not loopback, private,
    documentation or placeholder)."""
    return any(
        not (
            ip.group(1).startswith(_LOCAL_PREFIXES)
            or _PRIVATE_172.match(ip.group(1))
            or is_placeholder(ip.group(1))
        )
        for ip in itertools.islice(patterns.RAW_IP_URL.finditer(source), MAX_PER_KIND)
    )


def is_placeholder(address: str) -> bool:
    """An address of documentation or examples, or not an address at all."""
    return (
        address in _PLACEHOLDERS
        or address.startswith(_PLACEHOLDER_PREFIXES)
        or any(int(octet) > 255 for octet in address.split("."))
    )


def _raw_ip_hit(ip: re.Match[str], scheme: str, at: HitAt) -> Hit:
    """A URL to a raw IP address: 3, or 1 for a loopback or private one."""
    address = ip.group(1)
    shown = (scheme + ip.group(0))[:80]
    if address.startswith(_LOCAL_PREFIXES) or _PRIVATE_172.match(address):
        text = f"URL with a local IP address: {shown}"
        return at(ip.start(), EXFIL_ENDPOINT, "raw-ip-local", 1.0, text)
    text = f"URL with a raw IP address: {shown}"
    return at(ip.start(), EXFIL_ENDPOINT, "raw-ip", 3.0, text)


def _credential_hits(source: str, starts: set[int], at: HitAt) -> Iterator[Hit]:
    creds = _hinted_matches(patterns.CREDENTIAL_RE, source, starts)
    places = ((o, f) for o, f in creds if not _own_tree(source, o))
    for offset, found in itertools.islice(places, MAX_PER_KIND):
        what, weight = patterns.credential_part(found)
        yield at(offset, CREDENTIAL_ACCESS, "credential", weight, f"{what}: {found}")


# ``$NODE_VIRTUAL_ENV/``, ``${PREFIX}/``, ``%VENV%\``, a template's ``__ENV_DIR__/``
# or ``{env_dir}/``: a folder a variable names
_VARIABLE_ROOT = re.compile(
    r"(?:\$\{?([A-Za-z_]\w*)\}?|%([A-Za-z_]\w*)%|__([A-Za-z]\w*?)__|\{([A-Za-z_][\w.]*)\})[/\\]+$"
)
_USER_ROOTS = ("HOME", "USER", "APPDATA", "PROFILE")
# words of the names of a program's own trees: a virtual environment, a prefix, a build
_OWN_ROOTS = ("ENV", "PREFIX", "PROJECT", "BUILD", "WORKSPACE", "REPO")


def _own_tree(source: str, offset: int) -> bool:
    """The place sits right under a variable that names a tree of the program's own
    (``$NODE_VIRTUAL_ENV/.npmrc``: a virtual environment's configuration, written
    by the tool that makes it; see ``_OWN_ROOTS``), not the user's home."""
    root = _VARIABLE_ROOT.search(source, max(offset - 80, 0), offset)
    if root is None:
        return False
    name = next(group for group in root.groups() if group).upper()
    own = any(word in name for word in _OWN_ROOTS)
    return own and not any(user in name for user in _USER_ROOTS)


def _autostart_hits(source: str, starts: set[int], at: HitAt) -> Iterator[Hit]:
    for offset, found in _hinted_matches(patterns.AUTOSTART, source, starts):
        yield at(offset, DROPPER, "autostart-path", 2.0, f"autostart location: {found}")
        return


def _blob_hits(source: str, lines: list[str], at: HitAt) -> Iterator[Hit]:
    blobs = ((o, t) for o, t in _blobs(source, lines) if entropy(t[:4096]) >= 5.2)
    for offset, text in itertools.islice(blobs, MAX_PER_KIND):
        what = f"long high-entropy literal ({len(text)} characters)"
        yield at(offset, OBFUSCATED_CODE, "blob", 1.5, what)
