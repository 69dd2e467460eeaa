"""Reading wheels and sdists safely, in memory, without extracting anything.

``read_archive`` opens a zip (wheels, ``.zip`` sdists, eggs) or a tar (``.tar.gz``,
``.tgz``, ``.tar.bz2``, ``.tar.xz``, ``.tar``) and returns the member list and the
contents of the members the caller wants. Tars are read as a stream, zips member
by member; nothing is written to disk and no member is followed anywhere.

It refuses, with ``UnsafeArchive``, what an extractor could be tricked by:
absolute names, ``..`` components, drive letters, NUL bytes, links that point
outside the tree, device and FIFO members, duplicate zip names (two tools, two
contents), and bombs (a member or a total beyond the caps, a member whose
compression ratio is absurd). An archive that cannot be read at all raises
``UnreadableArchive``. Both are findings for the scanner, never "clean".
"""

from __future__ import annotations

import bisect
import bz2
import gzip
import io
import lzma
import posixpath
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from guard.errors import ArtifactError

MAX_MEMBER = 20 * 1024 * 1024  # bytes read from one wanted member
MAX_TOTAL = 500 * 1024 * 1024  # uncompressed bytes decompressed while reading
# What a zip may declare in all: its members that are not read are never
# decompressed here (a wheel of native libraries is gigabytes), so only an
# absurd declaration is refused; bombs are caught by the per-member ratio.
MAX_DECLARED = 16 * 1024 * 1024 * 1024
MAX_MEMBERS = 100_000
MAX_RATIO = 100  # uncompressed / compressed, checked on members over RATIO_FLOOR
RATIO_FLOOR = 8 * 1024 * 1024
MAGIC_BYTES = 64

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")
ZIP_SUFFIXES = (".whl", ".zip", ".egg")


class UnreadableArchive(ArtifactError):
    """The archive cannot be read as a zip or a tar."""


class UnsafeArchive(ArtifactError):
    """The archive holds something an extractor could be tricked by."""


@dataclass(frozen=True)
class Limits:
    member: int = MAX_MEMBER
    total: int = MAX_TOTAL
    declared: int = MAX_DECLARED
    members: int = MAX_MEMBERS
    ratio: int = MAX_RATIO


@dataclass
class Archive:
    """The members of an archive and the contents read from it."""

    kind: str  # "zip" or "tar"
    names: list[str] = field(default_factory=list)  # regular files, in archive order
    sizes: dict[str, int] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)  # wanted members
    heads: dict[str, bytes] = field(default_factory=dict)  # probed members' first bytes
    oversized: list[str] = field(default_factory=list)  # wanted but over the member cap
    skipped_links: int = 0  # in-tree links, not followed
    links: dict[str, str] = field(default_factory=dict)  # link name -> its target, in-tree
    total: int = 0
    declared: int = 0  # what a zip says all its members hold, read or not


# want(name, size) -> "read" (whole contents), "head" (first bytes), "whole" (whole
# contents kept with the heads: a binary, not a source) or "" (nothing)
Want = Callable[[str, int], str]


MAX_LINK_HOPS = 40  # links followed to resolve one path, as an OS would
MAX_ALIASES = 20_000  # files under links to folders that the scan looks at


def check_name(name: str) -> str:
    """The member name, '/'-separated, as a file system writes it; raises
    UnsafeArchive for a dangerous one.

    An installer joins the name to its target folder, so ``a/./b`` and ``a//b``
    are ``a/b``; Windows drops the dots and spaces that end a name and writes
    ``name::$DATA`` to ``name``, so ``pkg/__init__.py.`` is ``pkg/__init__.py``
    there; macOS and Windows ignore case where Python looks a file up by its
    name (``_CASELESS``). The name is the one Python would run, on any system;
    one that Windows would read as none, or as ``..``, is refused."""
    if "\x00" in name:
        raise UnsafeArchive(f"member name with a NUL byte: {name!r}")
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        raise UnsafeArchive(f"absolute member name: {name!r}")
    parts = [_as_written(part) for part in normal.split("/") if part not in ("", ".")]
    if not parts:
        return normal  # (the tree's top, ``.`` or ``./``: a folder)
    if parts[-1].lower() in _CASELESS:  # (``__INIT__.py`` is ``__init__.py``
        parts[-1] = parts[-1].lower()  # where names ignore case: macOS, Windows)
    if ".." in parts:
        raise UnsafeArchive(f"member name leaves the tree: {name!r}")
    if "" in parts:
        raise UnsafeArchive(f"member name Windows writes elsewhere: {name!r}")
    return "/".join(parts) + ("/" if normal.endswith("/") and parts else "")


_DATA_STREAM = "::$data"
# Names Python and pip look for with a plain ``stat``, which ignores case on macOS and
# Windows: a package's ``__init__``, a build's files, the start-up modules. (Other
# modules are looked up in the folder's listing, case and all.)
_CASELESS = frozenset(
    {
        "__init__.py",
        "__init__.pyw",
        "__main__.py",
        "setup.py",
        "setup.cfg",
        "pyproject.toml",
        "sitecustomize.py",
        "usercustomize.py",
    }
)


def _as_written(part: str) -> str:
    """A path part as Windows writes it (see ``check_name``); others write it as it is,
    and Python imports nothing under the longer name."""
    if part.lower().endswith(_DATA_STREAM):
        part = part[: -len(_DATA_STREAM)]
    return part.rstrip(". ") if part not in (".", "..") else part


def _inside(link_dir: str, target: str) -> bool:
    if target.startswith(("/", "\\")) or (len(target) > 1 and target[1] == ":"):
        return False
    joined = posixpath.normpath(posixpath.join(link_dir, target.replace("\\", "/")))
    return not (joined == ".." or joined.startswith("../"))


# What reading a broken archive raises (an unreadable archive, never a crash)
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    OSError,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    lzma.LZMAError,
    ValueError,
    UnicodeError,
)


def read_archive(path: Path, filename: str, want: Want, limits: Limits = Limits()) -> Archive:
    """List and read an archive; raises UnreadableArchive or UnsafeArchive."""
    lower = filename.lower()
    try:
        if lower.endswith(ZIP_SUFFIXES):
            return _read_zip(path, want, limits)
        if lower.endswith(TAR_SUFFIXES):
            return _read_tar(path, want, limits)
        if zipfile.is_zipfile(path):
            return _read_zip(path, want, limits)
        if tarfile.is_tarfile(path):
            return _read_tar(path, want, limits)
    except (UnsafeArchive, UnreadableArchive):
        raise
    except _READ_ERRORS as exc:
        raise UnreadableArchive(f"{type(exc).__name__}: {exc}") from exc
    raise UnreadableArchive("neither a zip nor a tar archive")


def _count(archive: Archive, name: str, size: int, limits: Limits) -> None:
    """Count a member that is decompressed while reading (every tar member)."""
    archive.total += size
    if len(archive.names) >= limits.members:
        raise UnsafeArchive(f"more than {limits.members} members")
    if archive.total > limits.total:
        raise UnsafeArchive(
            f"more than {limits.total // (1024 * 1024)} MB uncompressed (at {name!r})"
        )


def _declare(archive: Archive, name: str, size: int, limits: Limits) -> None:
    """Count a zip member, read or not: only an absurd total is refused."""
    archive.declared += size
    if len(archive.names) >= limits.members:
        raise UnsafeArchive(f"more than {limits.members} members")
    if archive.declared > limits.declared:
        raise UnsafeArchive(
            f"declares more than {limits.declared // 1024**3} GB uncompressed (at {name!r})"
        )


def read_zip_bytes(data: bytes, want: Want, limits: Limits = Limits()) -> Archive:
    """A zip archive held in memory (one inside another), read as ``read_archive``
    reads a zip; raises UnreadableArchive or UnsafeArchive."""
    try:
        return _read_zip(io.BytesIO(data), want, limits)
    except (UnsafeArchive, UnreadableArchive):
        raise
    except _READ_ERRORS as exc:
        raise UnreadableArchive(f"{type(exc).__name__}: {exc}") from exc


def _read_zip(path: Path | io.BytesIO, want: Want, limits: Limits) -> Archive:
    archive = Archive("zip")
    seen: set[str] = set()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = _zip_name(info, seen)
            if info.is_dir():
                continue
            _check_zip_ratio(info, name, limits)
            _declare(archive, name, info.file_size, limits)
            _list(archive, name, info.file_size)
            wanted = want(name, info.file_size)
            if wanted:
                _read_zip_member(zf, info, name, wanted, archive, limits)
    return archive


def _zip_name(info: zipfile.ZipInfo, seen: set[str]) -> str:
    """The member's name; refuses duplicates, links and special files."""
    name = check_name(info.filename)
    if name in seen:
        raise UnsafeArchive(f"duplicate member name: {name!r}")
    seen.add(name)
    mode = (info.external_attr >> 16) & 0o170000
    if mode == 0o120000:
        raise UnsafeArchive(f"symbolic link member: {name!r}")
    if mode and mode not in {0o100000, 0o040000}:
        raise UnsafeArchive(f"special file member: {name!r}")
    return name


def _check_zip_ratio(info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    size = info.file_size
    if size > RATIO_FLOOR and size > limits.ratio * max(info.compress_size, 1):
        raise UnsafeArchive(f"member {name!r} expands {size // max(info.compress_size, 1)}:1")


def _list(archive: Archive, name: str, size: int) -> None:
    archive.names.append(name)
    archive.sizes[name] = size


def _read_zip_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    wanted: str,
    archive: Archive,
    limits: Limits,
) -> None:
    size = info.file_size
    _count(archive, name, min(size, limits.member + 1) if wanted != "head" else 0, limits)
    if info.flag_bits & 0x1:
        raise UnreadableArchive(f"encrypted member: {name!r}")
    if wanted == "read" and size > limits.member:
        archive.oversized.append(name)
        return
    with zf.open(info) as handle:
        if wanted != "read":
            archive.heads[name] = handle.read(_head_size(wanted, limits))
            return
        data = handle.read(limits.member + 1)
    if len(data) > limits.member:
        archive.oversized.append(name)
    else:
        archive.contents[name] = data


def _read_tar(path: Path, want: Want, limits: Limits) -> Archive:
    archive = Archive("tar")
    compressed = max(path.stat().st_size, 1)
    written: dict[str, str] = {}  # name -> the member name it was read from
    with _tar_stream(path) as stream, tarfile.open(fileobj=stream, mode="r|") as tf:
        for info in tf:
            name = check_name(info.name)
            _check_one_spelling(written, name, info.name)
            _check_not_under_link(archive.links, name)
            if not _is_tar_file(info, name, archive):
                continue
            _count(archive, name, info.size, limits)
            _check_tar_ratio(archive, name, compressed, limits)
            _list(archive, name, info.size)
            wanted = want(name, info.size)
            if wanted:
                _read_tar_member(tf, info, name, wanted, archive, limits)
    _read_links(path, archive, want, limits)
    return archive


def _tar_stream(path: Path) -> BinaryIO:
    """The tar bytes of a compressed archive, as pip's ``tarfile.open(path, "r:gz")``
    (or ``r:bz2``, ``r:xz``) reads them: every member of a gzip file, every stream
    of a bzip2 or xz one, through the modules it uses. (tarfile's own stream mode
    reads the first gzip member only: a ``setup.py`` in a second one was read by
    pip and never by the scan.)"""
    with path.open("rb") as handle:
        magic = handle.read(6)
    # (each opened here is closed with the reader it is returned in: ``_read_tar``)
    raw: io.BufferedIOBase
    if magic.startswith(b"\x1f\x8b"):
        raw = gzip.open(path, "rb")  # noqa: SIM115
    elif magic.startswith(b"BZh"):
        raw = bz2.open(path, "rb")  # noqa: SIM115
    elif magic.startswith((b"\xfd7zXZ\x00", b"\x5d\x00\x00")):
        raw = lzma.open(path, "rb")  # noqa: SIM115
    else:
        raw = path.open("rb")
    # (a large buffer over the decompressing file, which reads 8 KB at a time: tarfile
    # asks for 10 KB blocks; BufferedReader needs only ``readinto`` of what it wraps)
    return io.BufferedReader(cast(io.RawIOBase, raw), 1 << 20)


def _read_links(path: Path, archive: Archive, want: Want, limits: Limits) -> None:
    """A link is its target to whoever opens it: pip runs the text of ``notes.txt``
    as the build script when ``setup.py`` links to it, and a build packages the
    files of ``docs/x/`` as ``demo/`` when ``demo`` links to that folder. What the
    scan reads under a link's name (``_aliases``) is read as a file of that name
    holding its target's bytes; targets not kept are read in one more pass over
    the archive. Each copy counts towards the archive's caps."""
    aliases = _aliases(archive, want)
    missing = {source for source in aliases.values() if source not in archive.contents}
    extra: dict[str, bytes] = {}
    oversized = set(archive.oversized)
    if missing:  # (the sources are no links: ``_resolved`` followed them all)
        again = _read_tar(path, lambda name, _: "read" if name in missing else "", limits)
        extra = again.contents
        oversized.update(again.oversized)
    for alias, source in aliases.items():
        data = archive.contents.get(source, extra.get(source))
        if data is not None:
            _count(archive, alias, len(data), limits)
            _list(archive, alias, len(data))
            archive.contents[alias] = data
        elif source in oversized:
            _list(archive, alias, archive.sizes.get(source, 0))
            archive.oversized.append(alias)


def _aliases(archive: Archive, want: Want) -> dict[str, str]:
    """Name under a link -> the member it is (a link to a file, or a file under a link
    to a folder), for the names the scan reads; at most ``MAX_ALIASES`` files under
    links are looked at (more refuse the archive: no honest one comes near)."""
    out: dict[str, str] = {}
    names = sorted(archive.names)
    seen = 0
    for link, target in archive.links.items():
        if want(link, 0) == "read":
            out[link] = target
        prefix = f"{target}/" if target else ""
        at = bisect.bisect_left(names, prefix) if prefix else len(names)
        while at < len(names) and names[at].startswith(prefix):
            seen += 1
            if seen > MAX_ALIASES:
                raise UnsafeArchive(f"more than {MAX_ALIASES} files under links")
            alias = f"{link}/{names[at][len(prefix) :]}"
            if want(alias, archive.sizes.get(names[at], 0)) == "read":
                out[alias] = names[at]
            at += 1
    return out


def _check_one_spelling(written: dict[str, str], name: str, raw: str) -> None:
    """Two members that ``check_name`` reads as one file must be one name: a tar may
    hold a file twice (the last one is what extraction leaves, here and in the
    scan), but ``setup.py`` and ``setup.py `` are two files on Linux and one on
    Windows, and which one runs depends on the system."""
    first = written.setdefault(name, raw)
    if first != raw:
        raise UnsafeArchive(f"two members are one file on some systems: {first!r}, {raw!r}")


def _is_tar_file(info: tarfile.TarInfo, name: str, archive: Archive) -> bool:
    """A regular file; an in-tree link is counted and skipped; anything else refused."""
    if info.issym() or info.islnk():
        _check_link(info, name)
        archive.links[name] = _resolved(archive.links, _link_target(info, name), name)
        archive.skipped_links += 1
        return False
    if info.isdir():
        return False
    if not info.isfile():
        raise UnsafeArchive(f"device or FIFO member: {name!r}")
    return True


def _check_link(info: tarfile.TarInfo, name: str) -> None:
    """A symbolic or hard link must point inside the tree."""
    target = info.linkname
    if info.issym():
        inside = _inside(posixpath.dirname(name), target)
    else:
        inside = _inside("", target) and bool(target)
    if not inside:
        raise UnsafeArchive(f"link {name!r} points outside the tree ({target!r})")


def _link_target(info: tarfile.TarInfo, name: str) -> str:
    """Where a link points, as a tree path ("" is the top of the tree)."""
    base = posixpath.dirname(name) if info.issym() else ""
    return posixpath.join(base, info.linkname.replace("\\", "/"))


def _check_not_under_link(links: dict[str, str], name: str) -> None:
    """A member may not sit below an earlier link: extracting it would write
    wherever that link points."""
    parts = name.rstrip("/").split("/")
    for end in range(1, len(parts)):
        prefix = "/".join(parts[:end])
        if prefix in links:
            raise UnsafeArchive(f"member {name!r} lies under the link {prefix!r}")


def _resolved(links: dict[str, str], path: str, name: str) -> str:
    """``path`` with every earlier link along it followed; refuses a chain of
    links that leaves the tree (``a -> ..`` then ``a/b -> ../x``) or loops."""
    parts = [p for p in path.split("/") if p not in {"", "."}]
    done: list[str] = []
    hops = 0
    while parts:
        head = parts.pop(0)
        if head == "..":
            if not done:
                raise UnsafeArchive(f"link {name!r} leads outside the tree through other links")
            done.pop()
            continue
        current = "/".join([*done, head])
        if current in links:
            hops += 1
            if hops > MAX_LINK_HOPS:
                raise UnsafeArchive(f"link {name!r}: a loop of links")
            parts = [p for p in links[current].split("/") if p not in {"", "."}] + parts
            done = []
            continue
        done.append(head)
    return "/".join(done)


def _check_tar_ratio(archive: Archive, name: str, compressed: int, limits: Limits) -> None:
    if archive.total > RATIO_FLOOR * 4 and archive.total > limits.ratio * compressed:
        raise UnsafeArchive(
            f"expands over {limits.ratio}:1 ({archive.total // compressed}:1 at {name!r})"
        )


def _read_tar_member(
    tf: tarfile.TarFile,
    info: tarfile.TarInfo,
    name: str,
    wanted: str,
    archive: Archive,
    limits: Limits,
) -> None:
    if wanted == "read" and info.size > limits.member:
        archive.oversized.append(name)
        return
    handle = tf.extractfile(info)
    if handle is None:
        return
    if wanted == "read":
        archive.contents[name] = handle.read(info.size)
    else:
        archive.heads[name] = handle.read(_head_size(wanted, limits))


def _head_size(wanted: str, limits: Limits) -> int:
    """What is kept of a probed member: its magic bytes, or (``whole``) all of it up
    to the member cap (a compiled module, searched for what it exports)."""
    return limits.member if wanted == "whole" else MAGIC_BYTES


# --- native code --------------------------------------------------------------------


def native_kind(head: bytes) -> str:
    """'ELF', 'PE' or 'Mach-O' for the first bytes of a native binary, else ''."""
    if head.startswith(b"\x7fELF"):
        return "ELF"
    if head.startswith(b"MZ") and len(head) >= 64:
        offset = int.from_bytes(head[0x3C:0x40], "little")
        if 0 < offset < 1 << 20:
            return "PE"
    if head[:4] in {
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    }:
        return "Mach-O"
    return ""
