"""Source text as Python reads it: the encoding a file declares, and those that hide code.

Python decodes a source file with the codec its first or second line names
(PEP 263: ``# -*- coding: NAME -*-``), UTF-8 without one. A scanner that reads
every file as UTF-8 reads another text than the one Python runs:

- some codecs read plain ASCII as something else. UTF-7 turns ``+AAo-`` into a
  line break, ``unicode_escape`` and ``raw_unicode_escape`` turn ``\\n`` or
  ``\\u000a`` into one, so code hides in what every reader takes for a comment,
  and runs. No honest project needs such a codec for its source: a file whose
  text it changes is ``hiding-codec`` (a technique);
- in a multi-byte codec (GBK, Shift-JIS, Big5) a lead byte takes the next byte
  along, a backslash among them, and so moves where a string ends. Read in its
  own codec, the text is the one Python runs, and nothing is hidden.

``read_source`` decodes each file in the codec it declares, as Python would,
so what the analysis reads is what runs (``Source.plain`` is the file read as
UTF-8: ``site`` reads a ``.pth`` file so and runs its lines, whatever it
declares). A codec Python does not have can only be one the package registers
at start-up (a ``.pth`` file): the text Python runs is then not this file's, so
it cannot be analysed (``Source.unknown``).
"""

from __future__ import annotations

import codecs
import functools
import re
import warnings
from dataclasses import dataclass

from guard.analysis.scan.hits import OBFUSCATED_CODE, Hit, snippet

HIDING_WEIGHT = 6.0
MAX_NAME = 64  # (a codec name longer than this is no codec's)
# What PEP 263 reads (as ``tokenize.detect_encoding`` does): a comment that names
# the codec, on the first line, or on the second after a blank or comment line.
_COOKIE = re.compile(rb"[ \t\f]*#[^\r\n]*?coding[:=][ \t]*([-\w.]+)", re.ASCII)
_BLANK = re.compile(rb"[ \t\f]*(?:[#\r\n]|$)", re.ASCII)
_LINE_END = re.compile(rb"\r\n?|\n")
# Every printable ASCII character, and the sequences the hiding codecs read as
# other characters: a codec that reads this as itself reads ASCII text as it is.
_PROBE = bytes(range(0x20, 0x7F)) + b"\t\n+AAo-+ADs-+-\\n\\x0a\\u000a\\U0000000a\\N{SPACE}~{~}"


@dataclass(frozen=True)
class Source:
    """A file's text as Python reads it, and what its declared codec tells."""

    text: str
    plain: str  # the file read as UTF-8 (what ``site`` reads a ``.pth`` file as)
    codec: str = ""  # the codec it declares and Python has ('' for UTF-8)
    hit: Hit | None = None  # ``hiding-codec``: the codec changes what the text says
    unknown: str = ""  # a codec it declares that Python does not have


def read_source(data: bytes) -> Source:
    """The text Python runs for a source file's bytes (errors replaced)."""
    plain = plain_text(data)
    found = declared(data)
    if found is None:
        return Source(plain, plain)
    name, line = found
    codec = _codec(_normal_name(name.decode("ascii")))
    if codec is None:
        return Source(plain, plain, unknown=name.decode("ascii"))
    if not codec:  # (UTF-8, or a codec Python refuses for source: the file cannot run)
        return Source(plain, plain)
    text = _decoded(data, codec)
    if text is None:  # (Python cannot decode it either: the file does not run)
        return Source(plain, plain)
    if text == plain or _transparent(codec):
        return Source(text, plain, codec)
    what = (
        f"declares the {codec} encoding, in which Python reads its text as other than "
        "it looks: code hides in what reads as comments or strings (the lines named "
        "for this file are those Python reads)"
    )
    cookie = snippet(plain[:4096].splitlines()[:2], line)
    hit = Hit(OBFUSCATED_CODE, "hiding-codec", HIDING_WEIGHT, line, cookie, what)
    return Source(text, plain, codec, hit)


def declared(data: bytes) -> tuple[bytes, int] | None:
    """The codec name a file declares in its first two lines, and that line (1 or
    2), or None (no declaration, or a UTF-8 byte order mark: Python reads the
    file as UTF-8)."""
    if data.startswith(codecs.BOM_UTF8):
        return None
    first = _line(data, 0)
    found = _COOKIE.match(data, 0, first)
    line = 1
    if found is None:
        line = 2
        if not _BLANK.match(data, 0, first):
            return None  # (the first line holds code: the second is not looked at)
        brk = _LINE_END.match(data, first)
        start = brk.end() if brk else len(data)
        found = _COOKIE.match(data, start, _line(data, start))
    if found is None or len(found.group(1)) > MAX_NAME:
        return None
    return found.group(1), line


def _normal_name(name: str) -> str:
    """The name Python's tokenizer looks up (its ``get_normal_name``): ``utf-8-unix``
    and ``latin_1`` are UTF-8 and Latin-1 to it."""
    short = name[:12].lower().replace("_", "-")
    if short == "utf-8" or short.startswith("utf-8-"):
        return "utf-8"
    latin = ("latin-1", "iso-8859-1", "iso-latin-1")
    if short in latin or short.startswith(tuple(f"{n}-" for n in latin)):
        return "iso-8859-1"
    return name


def _line(data: bytes, start: int) -> int:
    """Where the line starting at ``start`` ends (before its line break)."""
    end = _LINE_END.search(data, start)
    return end.start() if end else len(data)


@functools.lru_cache(maxsize=256)
def _codec(name: str) -> str | None:
    """The codec Python decodes a source declaring ``name`` with: its canonical
    name, '' for UTF-8 or for one Python refuses for source (a bytes-to-bytes
    codec, UTF-16: such a file does not run), None for one Python does not have."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if info.name == "utf-8" or not _accepted(name):
        return ""
    return info.name


def _accepted(name: str) -> bool:
    """Python compiles a source that declares ``name`` (nothing of it runs)."""
    try:
        compile(b"# coding: " + name.encode("ascii") + b"\n", "<codec>", "exec")
    except (SyntaxError, ValueError, LookupError, UnicodeError):
        return False
    return True


@functools.lru_cache(maxsize=256)
def _transparent(codec: str) -> bool:
    """The codec reads printable ASCII, and the sequences that others read as other
    characters, as themselves (Latin-1, GBK, Shift-JIS; not UTF-7, not
    ``unicode_escape``)."""
    return _decoded(_PROBE, codec) == _PROBE.decode("ascii")  # (None: not transparent)


def _decoded(data: bytes, codec: str) -> str | None:
    """``data`` in ``codec``, errors replaced (strictly, for a codec that replaces
    nothing: ``idna``), or None where it cannot be decoded; quietly
    (``unicode_escape`` warns of each escape it does not know, and a file's bytes
    are not ours to warn about)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for errors in ("replace", "strict"):
            try:
                return data.decode(codec, errors)
            except UnicodeError:
                continue
    return None


def plain_text(data: bytes) -> str:
    """The file read as UTF-8, without a byte order mark (``Source.plain``, what
    ``site`` reads a ``.pth`` file as)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    return data.decode("utf-8", "replace")
