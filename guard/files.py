"""Local files, written atomically and read with a size cap.

``atomic_writer(path)`` yields a binary handle on a temporary file in the same
directory; on a clean exit the data is flushed, fsynced and renamed over
``path`` (so readers see the old file or the new one, never half of one), and
on any error the temporary file is removed. ``atomic_write`` is the one-call
form. A cache, whose every entry is checked when read (a JSON answer parsed,
an artifact hashed), passes ``durable=False``: no fsync, as a lost entry after
a crash is only a miss. ``read_regular(path, limit)`` reads a regular file of
at most ``limit`` bytes, refusing devices, FIFOs and directories (which could
block or never end). ``temporary_directory(prefix)`` is a run's private scratch
folder, removed however the run ends (only a SIGKILL leaves it).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from guard.errors import GuardError


@contextmanager
def atomic_writer(path: Path, durable: bool = True) -> Iterator[BinaryIO]:
    """A handle whose bytes replace ``path`` atomically when the block ends
    without error; ``durable`` also syncs them to disk first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextmanager
def temporary_directory(prefix: str) -> Iterator[Path]:
    """A private temporary directory (in ``$TMPDIR``), removed when the block ends,
    however it ends. A Ctrl-C (or a SIGTERM, which safepip takes as one) that lands
    while it is removed does not stop the removal: after an error it is dropped
    (the error says what happened), after a clean end it is raised once the folder
    is gone. (``tempfile.TemporaryDirectory`` gives up its clean-up at exit as
    soon as the removal starts, so a Ctrl-C then leaves the folder behind.)"""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    except BaseException:
        _remove_tree(path)
        raise
    if _remove_tree(path):
        raise KeyboardInterrupt


def _remove_tree(path: Path) -> bool:
    """Remove ``path`` and what it holds, through Ctrl-C; whether one came."""
    interrupted = False
    while True:
        try:
            shutil.rmtree(path, ignore_errors=True)
            return interrupted
        except KeyboardInterrupt:
            interrupted = True


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (see ``atomic_writer``)."""
    with atomic_writer(path, durable) as handle:
        handle.write(data)


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file no larger than ``limit``; a ``GuardError`` otherwise.

    The file is opened without blocking and checked after opening (so a path
    swapped for a FIFO or a device between a check and the read is still refused).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise GuardError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise GuardError(f"{path}: not a regular file")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise GuardError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(data) > limit:
        raise GuardError(f"{path}: larger than {limit} bytes")
    return data
