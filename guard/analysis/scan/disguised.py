"""Binary data in a file named as Python source: a payload kept where code belongs.

Python cannot import a source file that holds NUL bytes or bytes that are no
text in its encoding, so such a file is no code at all: it is data under a code
name, read back by code that decodes it (an XOR-encoded Windows program that a
``.py`` module writes out and starts is a real campaign's shape). It is
reported as one finding (``disguised``, a technique) and not read as text,
which would only find noise in its bytes.

What is no disguise is left alone: macOS AppleDouble files (``._name.py``, the
resource forks an archiver on a Mac copies along, which start with their own
magic number), source saved as UTF-16 or in a legacy encoding, and any name but
``.py`` and ``.pyw`` (a ``.pth`` in a package is as often a PyTorch model's
weights as a path file). A ``.pyc`` that holds no bytecode (a cache's name
over a zip archive that ``zipimport`` loads, or over encrypted data) is the
same disguise (``not_bytecode``), and so is binary data in a type-marker file
(``py.typed`` holds nothing or ``partial``: ``not_a_marker``).
"""

from __future__ import annotations

import codecs

from guard.analysis.scan.archive import MAGIC_BYTES, native_kind
from guard.analysis.scan.hits import BUNDLED_BINARY, Hit

PYTHON_SUFFIXES = (".py", ".pyw")
APPLE_DOUBLE = b"\x00\x05\x16\x07"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
WEIGHT = 6.0
SAMPLE = 65536
CONTROL_SHARE = 0.03
_CONTROLS = tuple(bytes([c]) for c in (*range(0x01, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F))
# The first byte of each native format's magic number (see ``native_kind``): the
# key of a single-byte XOR is what turns it into the file's first byte.
_FIRST_BYTES = (0x4D, 0x7F, 0xFE, 0xCE, 0xCF)


def disguised_hit(data: bytes) -> Hit | None:
    """The finding for a source file that holds binary data, or None for text."""
    if data.isascii() and 0 not in data:  # (most sources: one quick look)
        return None
    if data.startswith(APPLE_DOUBLE) or _utf16_text(data) or _utf8_text(data):
        return None
    program = hidden_program(data)
    if not program and 0 not in data and not _control_heavy(data):
        return None  # (text in a legacy encoding: Latin-1 comments of Python 2 code)
    what = f", {program}" if program else ""
    text = (
        f"binary data in a file named as Python source ({len(data)} bytes{what}): "
        "Python cannot import it; a payload kept where code belongs"
    )
    return Hit(BUNDLED_BINARY, "disguised", WEIGHT, 0, "", text)


# Names a zip archive goes by honestly (Office files and Java archives are zips too).
ARCHIVE_SUFFIXES = (
    ".zip",
    ".whl",
    ".egg",
    ".jar",
    ".pyz",
    ".pyzw",
    ".apk",
    ".nupkg",
    ".xpi",
    ".crx",
    ".docx",
    ".xlsx",
    ".pptx",
    ".odt",
    ".ods",
    ".odp",
    ".epub",
    ".kmz",
    ".npz",
    ".pt",
    ".pth",
    ".ckpt",
    ".keras",
    ".mar",
    ".vsix",
    ".aar",
    ".war",
    ".ear",
    ".ipa",
    ".xap",
)


_CODE_ENTRY = (".py", ".pyc", ".pyw", ".pyd", ".so")


def disguised_archive(head: bytes, base: str) -> Hit | None:
    """The finding for a zip archive of Python code under a name that is no
    archive's (``server.crt`` whose first entry is ``SSLv1.0.py``): ``zipimport``
    loads code from it, and no reader opens it. A zip whose first entry is no
    code (a PyTorch model saved as ``pytorch_model.bin`` holds ``data.pkl``) is
    left to what reads its kind. None for anything else."""
    if not head.startswith(b"PK\x03\x04") or base.lower().endswith(ARCHIVE_SUFFIXES):
        return None
    size = int.from_bytes(head[26:28], "little") if len(head) >= 30 else 0
    first = head[30 : 30 + size].decode("utf-8", "replace")
    if not (size and 30 + size <= len(head) and first.lower().endswith(_CODE_ENTRY)):
        return None
    text = (
        f"a zip archive holding {first!r} named {base}: code zipimport can load, "
        "kept where no reader looks"
    )
    return Hit(BUNDLED_BINARY, "disguised", WEIGHT, 0, "", text)


def not_bytecode(head: bytes, base: str) -> Hit | None:
    """The finding for a ``.pyc`` file (a cache's too) that holds no Python bytecode
    (every version's header has ``\\r\\n`` at its third byte): a zip archive that
    ``zipimport`` loads code from, a program, or encrypted data, kept under a name
    no reader opens. None for bytecode, a file too short to tell, or an AppleDouble
    file."""
    if len(head) < 4 or head[2:4] == b"\r\n" or head.startswith(APPLE_DOUBLE):
        return None
    archive = disguised_archive(head, base)
    if archive is not None:
        return archive
    what = hidden_program(head) or "data that is not bytecode"
    text = f"{what} named as Python bytecode ({base}): a payload kept where no reader looks"
    return Hit(BUNDLED_BINARY, "disguised", WEIGHT, 0, "", text)


def not_a_marker(head: bytes, base: str) -> Hit | None:
    """The finding for a type-marker file (``py.typed``, which holds nothing or
    ``partial``) that holds binary data: a payload under a name no reader opens.
    None for text."""
    if not head or (head.isascii() and 0 not in head) or _utf8_head(head):
        return None
    program = hidden_program(head)
    what = program or "binary data"
    text = f"{what} in a type-marker file ({base}): a payload kept where no reader looks"
    return Hit(BUNDLED_BINARY, "disguised", WEIGHT, 0, "", text)


def hidden_program(data: bytes) -> str:
    """'a PE program', or 'a PE program XOR-encoded with key 0xd8', when the data
    is a native program as it is or under a single-byte XOR; else ''."""
    if len(data) < MAGIC_BYTES:
        return ""
    for first in _FIRST_BYTES:
        key = data[0] ^ first
        kind = native_kind(bytes(b ^ key for b in data[:MAGIC_BYTES]))
        if kind:
            return f"a {kind} program" + (f" XOR-encoded with key {key:#04x}" if key else "")
    return ""


def _utf16_text(data: bytes) -> bool:
    """Text saved as UTF-16: a byte-order mark, or every other byte NUL."""
    if data.startswith(UTF16_BOMS):
        return True
    sample = data[:4096]
    half = max(len(sample) // 2, 1)
    return max(sample[0::2].count(0), sample[1::2].count(0)) >= 0.9 * half


def _control_heavy(data: bytes) -> bool:
    """Control bytes text never holds make up at least ``CONTROL_SHARE`` of the
    data's first ``SAMPLE`` bytes (random bytes: about one in nine)."""
    sample = data[:SAMPLE]
    controls = sum(sample.count(c) for c in _CONTROLS)
    return controls >= CONTROL_SHARE * len(sample)


def _utf8_head(head: bytes) -> bool:
    """The first bytes of a file are UTF-8 text (a character cut at the end too)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return 0 not in head


def _utf8_text(data: bytes) -> bool:
    """Valid UTF-8 (text with a stray NUL is a broken file, not a disguise)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
