"""The shipped index: the default detector's indices, precomputed.

Building the indices takes about 100 ms of Python-level work; loading them
from ``guard/data/typosquat-index.txt`` takes a third of that.  The file is
one header line with the fingerprint of the inputs (popular names, the
configuration, the protected names of this interpreter, the format), then the
zlib-compressed ``marshal`` of ``Indices.state()`` in base64.  It ships inside
the package (the same trust as the code); any mismatch, or a blob this
interpreter cannot read, means the indices are built instead.
``benchmarks/build_typosquat_index.py`` writes it.
"""

from __future__ import annotations

import base64
import hashlib
import marshal
import zlib
from collections.abc import Sequence
from typing import Any, Protocol

from guard import data
from guard.analysis.typosquat.model import Config
from guard.analysis.typosquat.names import protected_names

INDEX_FILE = "typosquat-index.txt"
INDEX_FORMAT = 1
_INDEX_HEADER = "safepip typosquat index "


class Indexed(Protocol):
    """What the index file is written from: a detector."""

    @property
    def config(self) -> Config: ...

    def state(self) -> tuple[Any, ...]: ...


def fingerprint(names: Sequence[str], config: Config) -> str:
    """What the indices depend on, hashed."""
    digest = hashlib.sha256()
    for part in (
        f"{INDEX_FORMAT} {marshal.version}",
        repr(config),
        repr(sorted(protected_names(config).items())),
        "\n".join(names),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def index_text(detector: Indexed, names: Sequence[str]) -> str:
    """The content of the shipped index file for ``detector`` built from ``names``."""
    blob = zlib.compress(marshal.dumps(detector.state()), 9)
    header = _INDEX_HEADER + fingerprint(names, detector.config)
    return header + "\n" + base64.encodebytes(blob).decode("ascii")


def shipped_state(key: str) -> tuple[Any, ...] | None:
    """The shipped indices when their fingerprint is ``key``, else None."""
    try:
        text = data.read_text(INDEX_FILE, encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    header, _, body = text.partition("\n")
    if header != _INDEX_HEADER + key:
        return None
    try:
        blob = zlib.decompress(base64.decodebytes(body.encode("ascii")))
        state = marshal.loads(blob)  # noqa: S302 - our own file, shipped with the code
    except (ValueError, EOFError, TypeError, zlib.error):
        return None
    return state if isinstance(state, tuple) and len(state) == 10 else None
