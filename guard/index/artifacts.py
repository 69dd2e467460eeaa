"""Fetch each vetted artifact once: streamed, size-capped, checked against the
sha256 that was vetted, and stored in the cache by that hash, so the bytes
that are installed are the bytes that were vetted (and, later, scanned).
A download may take as long as the run's deadline leaves (each read at most
the timeout); a file can be large, so it has no shorter limit of its own.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import unquote, urlparse

from guard.deadline import Deadline
from guard.errors import ArtifactError
from guard.files import atomic_writer
from guard.index.cache import Cache
from guard.index.concurrency import map_concurrently
from guard.index.http import request_error
from guard.index.watch import limited

if TYPE_CHECKING:
    from guard.index.http import Session

MAX_ARTIFACT_BYTES = 2 * 1024**3  # 2 GiB: larger than any sane wheel
CHUNK = 1024 * 1024
WORKERS = 8  # concurrent downloads at most


@dataclass(frozen=True)
class Wanted:
    """One file to fetch: where from, what it must hash to, what it is called."""

    url: str
    sha256: str
    filename: str


def _download(
    want: Wanted, cache: Cache, session: Session, timeout: float, deadline: Deadline | None
) -> Path:
    final = cache.artifact_path(want.sha256)
    if final.is_file() and _sha256_of(final) == want.sha256:
        return final
    try:
        with atomic_writer(final, durable=False) as out:
            _write_verified(want, out, session, timeout, deadline)
    except OSError as exc:  # the fetch's own errors are ArtifactErrors by now
        raise ArtifactError(
            f"{want.filename}: cannot store it in safepip's cache ({cache.root}): "
            f"{exc.strerror or exc}; nothing installed"
        ) from exc
    return final


def _write_verified(
    want: Wanted,
    out: BinaryIO,
    session: Session,
    timeout: float,
    deadline: Deadline | None,
) -> None:
    """Write the file's bytes to ``out``; ArtifactError unless they hash to ``want.sha256``."""
    digest = hashlib.sha256()
    size = 0
    for chunk in _fetched(want, session, timeout, deadline):
        size += len(chunk)
        if size > MAX_ARTIFACT_BYTES:
            raise ArtifactError(f"{want.filename}: larger than {MAX_ARTIFACT_BYTES} bytes")
        digest.update(chunk)
        out.write(chunk)
    got = digest.hexdigest()
    if got != want.sha256:
        raise ArtifactError(
            f"{want.filename}: the downloaded file's sha256 is {got}, but the vetted "
            f"file's is {want.sha256}: the file was changed after it was vetted; "
            "nothing installed"
        )


def _fetched(
    want: Wanted, session: Session, timeout: float, deadline: Deadline | None
) -> Iterator[bytes]:
    """``_chunks``, with a failure to fetch them as an ArtifactError."""
    try:
        yield from _chunks(want, session, timeout, deadline)
    except (request_error(), OSError) as exc:
        raise ArtifactError(f"{want.filename}: download failed: {exc}") from exc


def _chunks(
    want: Wanted, session: Session, timeout: float, deadline: Deadline | None
) -> Iterator[bytes]:
    """The file's bytes: over HTTP(S), or from disk for a file:// index (pip's find-links)."""
    parsed = urlparse(want.url)
    if parsed.scheme == "file":
        from urllib.request import url2pathname  # noqa: PLC0415 - slow to import, rarely needed

        with Path(url2pathname(unquote(parsed.path))).open("rb") as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")
        return
    if parsed.scheme not in {"http", "https"}:
        raise ArtifactError(f"{want.filename}: cannot fetch {want.url}")
    with (
        limited(deadline, want.url, timeout=timeout) as read_timeout,
        session.get(want.url, stream=True, timeout=read_timeout) as response,
    ):
        if response.status_code != 200:
            raise ArtifactError(f"{want.filename}: HTTP {response.status_code} from {want.url}")
        yield from response.iter_content(CHUNK)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_all(
    wanted: Sequence[Wanted],
    cache: Cache,
    session: Session,
    timeout: float,
    deadline: Deadline | None = None,
) -> dict[str, Path]:
    """Fetch every file (concurrently) into the cache; return file name -> verified path."""
    if not wanted:
        return {}

    def one(want: Wanted) -> Path:
        return _download(want, cache, session, timeout, deadline)

    stored = map_concurrently(one, wanted, WORKERS)
    return {want.filename: path for want, path in zip(wanted, stored, strict=True)}


def place(files: Mapping[str, Path], into: Path) -> None:
    """Link (or copy) verified files into a folder under their own file names."""
    into.mkdir(parents=True, exist_ok=True)
    for filename, path in files.items():
        name = Path(filename).name
        if not name or name in {".", ".."} or name != filename:
            raise ArtifactError(f"refusing artifact file name {filename!r}")
        target = into / name
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
