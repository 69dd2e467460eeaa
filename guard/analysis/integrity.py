"""Local integrity checks of an installed environment, for ``safepip audit``.

These read files and nothing else: no import of the audited packages, no
subprocess, no network. Each check returns ``Finding`` objects under a stable
rule id, so the policy configures them like any index rule:

``record-mismatch``  a file RECORD lists differs from it: modified since install
``record-missing``   a file RECORD lists (with a hash) is gone, or there is no RECORD
``record-unlisted``  a file in one of the distribution's own package directories
                     that no RECORD in the environment lists
``pth-code``         a ``.pth`` file with a line ``site`` executes at every start-up
``script-shadow``    a console script named like a common system command
``direct-install``   installed from a URL, VCS or local directory (PEP 610); weak

The rule classes at the bottom (``LOCAL_RULES``) carry the ids, summaries and
default actions for policy validation and ``safepip rules``; their ``check``
yields nothing, since these checks look at the disk, not at index data.

Hashing: every RECORD-listed file with a hash is read, except that a file larger
than ``max_hash_bytes`` (64 MiB unless the policy's ``max-hash-mb`` says
otherwise) is compared by size only, to keep audits of environments holding
multi-gigabyte native libraries fast.

A ``.pth`` file that no RECORD lists cannot be pinned on a distribution:
``check_environment`` attaches its finding to a pseudo-candidate named after the
file (``evil.pth``, see ``unowned_candidate``). Such a name holds a dot, so it can
never equal a canonical project name, and the report shows it like a package.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.analysis.pth import KNOWN_PTH, VIRTUALENV_PTH, executed_lines
from guard.analysis.shadowing import shadowed_command
from guard.errors import AuditError
from guard.models import Candidate, Finding, Source
from guard.pip.environment import Environment, Installed
from guard.rules.base import Context
from guard.rules.local import (
    DIRECT_INSTALL,
    MAX_HASH_MB,
    PTH_CODE,
    RECORD_MISMATCH,
    RECORD_MISSING,
    RECORD_UNLISTED,
    SCRIPT_SHADOW,
    RecordMismatch,
)

MAX_NAMED = 5  # files named per finding; the rest are counted
MAX_LINE = 200  # characters of a .pth line quoted as evidence

# Hash algorithms a RECORD may use (PEP 376 / the wheel spec forbid md5 and sha1).
_ALGORITHMS = frozenset({"sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s"})
_COMPILED = (".pyc", ".pyo")
_READ_WHOLE = 4 * 1024 * 1024  # files up to this size are hashed from one read


@dataclass(frozen=True)
class IntegrityOptions:
    """Knobs of the local checks (from the policy's thresholds: ``options_from``)."""

    max_hash_bytes: int = MAX_HASH_MB * 1024 * 1024
    max_named: int = MAX_NAMED


def options_from(ctx: Context) -> IntegrityOptions:
    megabytes = ctx.number(RecordMismatch, "max-hash-mb")
    return IntegrityOptions(max_hash_bytes=int(megabytes * 1024 * 1024))


@dataclass(frozen=True)
class RecordEntry:
    """One row of a RECORD file."""

    path: str  # as written: relative to site-packages, "/"-separated
    algorithm: str  # "" when the row has no hash (RECORD itself, .pyc files)
    digest: str  # urlsafe base64 without padding
    size: int | None


@dataclass(frozen=True)
class PthOwner:
    """The distribution whose RECORD lists a ``.pth`` file."""

    name: NormalizedName
    editable: bool = False
    entry: RecordEntry | None = None


@dataclass(frozen=True)
class PthHit:
    """A ``pth-code`` finding and the distribution owning the file (None: nobody)."""

    owner: NormalizedName | None
    path: Path
    finding: Finding


@dataclass(frozen=True)
class EnvironmentFindings:
    """All local findings of one environment.

    ``per_distribution`` is aligned with ``Environment.installed``; ``unowned``
    pairs a pseudo-candidate (``unowned_candidate``) with its findings.
    """

    per_distribution: tuple[tuple[Installed, tuple[Finding, ...]], ...]
    unowned: tuple[tuple[Candidate, tuple[Finding, ...]], ...] = ()
    hashed_files: int = 0
    hashed_bytes: int = 0


@dataclass
class _Tally:
    """How much was hashed (mutable, internal: a figure for the benchmark)."""

    files: int = 0
    bytes: int = 0


# --- RECORD ---------------------------------------------------------------


def read_record(dist_info: Path) -> list[RecordEntry] | None:
    """The rows of ``dist_info/RECORD``, or None when there is none."""
    try:
        text = (dist_info / "RECORD").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AuditError(f"cannot read {dist_info / 'RECORD'}: {exc}") from exc
    return [_record_entry(row) for row in csv.reader(text.splitlines()) if row and row[0]]


def _record_entry(row: Sequence[str]) -> RecordEntry:
    """One RECORD row: path, ``algorithm=digest`` (or nothing), size (or nothing)."""
    algorithm, digest = "", ""
    if len(row) > 1 and "=" in row[1]:
        algorithm, _, digest = row[1].partition("=")
        algorithm = algorithm.strip().lower()
    size: int | None = None
    if len(row) > 2 and row[2].strip().isdigit():
        size = int(row[2])
    return RecordEntry(row[0], algorithm, digest.strip().rstrip("="), size)


def _full(location: Path | str, relative: str) -> str:
    """The normalised absolute path of a RECORD path (the common case without a join)."""
    if (
        os.sep == "/"
        and not relative.startswith((".", "/"))
        and "/." not in relative
        and "//" not in relative
    ):
        return f"{location}/{relative}"
    return os.path.normpath(os.path.join(location, relative))


def full_paths(installed: Installed, entries: Sequence[RecordEntry]) -> list[str]:
    """The normalised absolute paths of a distribution's RECORD rows, in order."""
    location = str(installed.location)
    return [_full(location, e.path) for e in entries]


def _digest(path: str, algorithm: str, size: int) -> str:
    with open(path, "rb") as handle:
        if size <= _READ_WHOLE:  # one read: measurably faster for the many small files
            raw = hashlib.new(algorithm, handle.read()).digest()
        else:
            raw = hashlib.file_digest(handle, algorithm).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _changed(path: str, entry: RecordEntry, options: IntegrityOptions, tally: _Tally) -> bool:
    """True when the file on disk is not the one RECORD describes."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        return True
    if entry.size is not None and info.st_size != entry.size:
        return True
    if info.st_size > options.max_hash_bytes:
        return False  # too large to hash within the budget: the size matched
    tally.files += 1
    tally.bytes += info.st_size
    return _digest(path, entry.algorithm, info.st_size) != entry.digest


def _package_roots(entries: Sequence[RecordEntry], location: Path) -> set[str]:
    """The directories a distribution owns, from its RECORD.

    For each listed file, the shallowest directory above it with an
    ``__init__.py`` in the same RECORD; failing that, its top-level directory.
    So namespace packages (``google/``) give their sub-packages, not the shared
    namespace directory. Files at the top of site-packages, the dist-info and
    ``.data`` directories and paths leaving site-packages give none.
    """
    listed = {e.path for e in entries}
    roots = (_package_root(entry.path, listed) for entry in entries)
    return {_full(location, root) for root in roots if root is not None}


def _package_root(path: str, listed: Set[str]) -> str | None:
    """The package directory a RECORD path belongs to (see ``_package_roots``)."""
    parts = path.split("/")
    if len(parts) < 2 or parts[0] in {"", ".", ".."}:
        return None
    if parts[0].endswith((".dist-info", ".data", ".egg-info")) or parts[0] == "__pycache__":
        return None
    for depth in range(1, len(parts)):
        prefix = "/".join(parts[:depth])
        if f"{prefix}/__init__.py" in listed:
            return prefix
    return parts[0]


def _unlisted(roots: Iterable[str], claimed: Set[str]) -> Iterator[str]:
    for root in sorted(roots):
        if os.path.isdir(root):
            yield from (path for path in _files_under(root) if path not in claimed)


def _files_under(root: str) -> Iterator[str]:
    """Every file under ``root`` but compiled ones, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            if not filename.endswith(_COMPILED):
                yield os.path.join(dirpath, filename)


def _files(paths: Sequence[str], location: Path, limit: int) -> str:
    shown = [_relative(p, location) for p in paths[:limit]]
    more = f" and {len(paths) - limit} more" if len(paths) > limit else ""
    return ", ".join(shown) + more


def _relative(path: str, location: Path) -> str:
    try:
        return os.path.relpath(path, location)
    except ValueError:  # another drive (Windows)
        return path


def _evidence(
    key: str, paths: Sequence[str], location: Path, limit: int
) -> tuple[tuple[str, str], ...]:
    return tuple((key, _relative(p, location)) for p in paths[:limit]) + (
        ("count", str(len(paths))),
    )


def claimed_paths(records: Iterable[tuple[Installed, Sequence[RecordEntry]]]) -> set[str]:
    """Every file any RECORD lists, as normalised absolute paths."""
    claimed: set[str] = set()
    for inst, entries in records:
        claimed.update(full_paths(inst, entries))
    return claimed


def _no_record(installed: Installed) -> Finding:
    return Finding(
        RECORD_MISSING,
        f"{installed.display_name} has no RECORD ({installed.dist_info.name}), so its files "
        "cannot be checked",
        remedy="reinstall it with pip to get a RECORD",
        weak=True,
    )


def _verify(
    entries: Sequence[RecordEntry], paths: Sequence[str], options: IntegrityOptions, tally: _Tally
) -> tuple[list[str], list[str]]:
    """(modified, missing): the listed files that differ from RECORD, and those gone."""
    modified: list[str] = []
    missing: list[str] = []
    for entry, path in zip(entries, paths, strict=True):
        if not entry.algorithm:
            continue  # RECORD itself, compiled files: nothing to check against
        try:
            if entry.algorithm not in _ALGORITHMS:
                os.stat(path)  # cannot verify the content; its presence we can
            elif _changed(path, entry, options, tally):
                modified.append(path)
        except FileNotFoundError:
            missing.append(path)
        except OSError as exc:
            raise AuditError(f"cannot read {path}: {exc}") from exc
    return modified, missing


def _modified(name: str, paths: Sequence[str], location: Path, limit: int) -> Finding:
    return Finding(
        RECORD_MISMATCH,
        f"{len(paths)} file(s) of {name} differ from its RECORD (modified since "
        f"install): {_files(paths, location, limit)}",
        remedy=f"reinstall {name} (pip install --force-reinstall --no-deps) and find "
        "out what changed the files",
        evidence=_evidence("modified", paths, location, limit),
    )


def _missing(name: str, paths: Sequence[str], location: Path, limit: int) -> Finding:
    return Finding(
        RECORD_MISSING,
        f"{len(paths)} file(s) of {name} listed in its RECORD are missing: "
        f"{_files(paths, location, limit)}",
        remedy=f"reinstall {name} (pip install --force-reinstall --no-deps)",
        evidence=_evidence("missing", paths, location, limit),
    )


def _unlisted_files(name: str, paths: Sequence[str], location: Path, limit: int) -> Finding:
    return Finding(
        RECORD_UNLISTED,
        f"{len(paths)} file(s) in the package directories of {name} are not in any "
        f"RECORD: {_files(paths, location, limit)}",
        remedy="check where they came from; files a package writes at run time are "
        "expected here, anything else was planted",
        evidence=_evidence("unlisted", paths, location, limit),
    )


def check_record(
    installed: Installed,
    entries: Sequence[RecordEntry] | None,
    claimed: Set[str] | None = None,
    options: IntegrityOptions = IntegrityOptions(),
    tally: _Tally | None = None,
    paths: Sequence[str] | None = None,
) -> list[Finding]:
    """``record-mismatch``, ``record-missing`` and ``record-unlisted`` for one distribution.

    ``claimed`` is every path any RECORD of the environment lists (see
    ``claimed_paths``); without it only this distribution's RECORD counts.
    ``paths`` are ``full_paths(installed, entries)`` when the caller has them.
    """
    if entries is None:
        return [_no_record(installed)]
    location = installed.location
    fulls = paths if paths is not None else full_paths(installed, entries)
    tally = tally if tally is not None else _Tally()
    modified, missing = _verify(entries, fulls, options, tally)
    unlisted = list(_unlisted(_package_roots(entries, location), claimed or set(fulls)))
    found = ((modified, _modified), (missing, _missing), (unlisted, _unlisted_files))
    name, limit = installed.display_name, options.max_named
    return [make(name, files, location, limit) for files, make in found if files]


# --- console scripts ----------------------------------------------------------


def _entry_point_scripts(dist_info: Path) -> list[str]:
    """Names in ``[console_scripts]`` and ``[gui_scripts]`` of entry_points.txt."""
    try:
        text = (dist_info / "entry_points.txt").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise AuditError(f"cannot read {dist_info / 'entry_points.txt'}: {exc}") from exc
    return _script_names(text)


def _script_names(text: str) -> list[str]:
    """The names in the script sections of an entry_points.txt."""
    names: list[str] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section in {"console_scripts", "gui_scripts"} and "=" in line:
            names.append(line.partition("=")[0].strip())
    return names


def _record_scripts(entries: Sequence[RecordEntry]) -> list[str]:
    """File names RECORD puts in a scripts directory (``../../../bin/x``)."""
    names: list[str] = []
    for entry in entries:
        parts = entry.path.split("/")
        if len(parts) >= 2 and parts[0] == ".." and parts[-2] in {"bin", "Scripts"}:
            names.append(parts[-1])
    return names


def check_scripts(installed: Installed, entries: Sequence[RecordEntry] | None) -> list[Finding]:
    """``script-shadow``: console scripts named like common system commands."""
    scripts = _entry_point_scripts(installed.dist_info)
    scripts += _record_scripts(entries or ())
    findings: list[Finding] = []
    seen: set[str] = set()
    for script in scripts:
        base = shadowed_command(script, installed.name)
        if script in seen or not base:
            continue
        seen.add(script)
        findings.append(
            Finding(
                SCRIPT_SHADOW,
                f"{installed.display_name} installs a script {script!r}, which shadows the "
                f"system command {base!r} whenever this environment is active",
                remedy=f"uninstall {installed.display_name} unless it is meant to be {base}",
                evidence=(("script", script), ("command", base)),
            )
        )
    return findings


# --- direct installs ------------------------------------------------------------


def check_direct(installed: Installed) -> list[Finding]:
    """``direct-install``: PEP 610 says it came from a URL, VCS or local directory (weak)."""
    direct = installed.direct_url
    if direct is None:
        return []
    evidence: list[tuple[str, str]] = [("url", direct.url), ("kind", direct.kind.value)]
    if direct.editable:
        evidence.append(("editable", "true"))
    if direct.commit_id:
        evidence.append(("commit", direct.commit_id))
    return [
        Finding(
            DIRECT_INSTALL,
            f"{installed.display_name} {installed.version} is {direct.describe()}, not from "
            "an index: its files were not vetted against one",
            remedy="expected for your own projects; otherwise reinstall it from the index",
            weak=True,
            evidence=tuple(evidence),
        )
    ]


def check_distribution(
    installed: Installed,
    claimed: Set[str] | None = None,
    options: IntegrityOptions = IntegrityOptions(),
) -> list[Finding]:
    """Every per-distribution check: RECORD, scripts and direct installs.

    ``.pth`` files are checked per directory by ``check_pth_files``.
    """
    entries = read_record(installed.dist_info)
    return [
        *check_record(installed, entries, claimed, options),
        *check_scripts(installed, entries),
        *check_direct(installed),
    ]


# --- .pth files -------------------------------------------------------------------


def _pth_key(path: Path) -> str:
    return os.path.normcase(os.path.normpath(path.resolve()))


def pth_owners(records: Iterable[tuple[Installed, Sequence[RecordEntry]]]) -> dict[str, PthOwner]:
    """{resolved path of a .pth file: the distribution whose RECORD lists it}."""
    owners: dict[str, PthOwner] = {}
    for inst, entries in records:
        editable = inst.direct_url is not None and inst.direct_url.editable
        for entry in entries:
            if "/" not in entry.path and entry.path.endswith(".pth"):
                key = _pth_key(inst.location / entry.path)
                owners[key] = PthOwner(inst.name, editable, entry)
    return owners


def _legit(name: str, data: bytes, owner: PthOwner | None) -> bool:
    if owner is None:
        return (name, data.strip()) == VIRTUALENV_PTH
    entry = owner.entry
    unmodified = (
        entry is not None
        and entry.algorithm in _ALGORITHMS
        and base64.urlsafe_b64encode(hashlib.new(entry.algorithm, data).digest())
        .rstrip(b"=")
        .decode("ascii")
        == entry.digest
    )
    if not unmodified:
        return False
    if KNOWN_PTH.get(name) == owner.name:
        return True
    # setuptools' PEP 660 editable installs: a finder hook, only for editable installs.
    return owner.editable and name.startswith("__editable__.")


def _pth_names(site_packages: Path) -> list[str]:
    try:
        return sorted(n for n in os.listdir(site_packages) if n.endswith(".pth"))
    except OSError as exc:
        raise AuditError(f"cannot list {site_packages}: {exc}") from exc


def _read_file(path: Path) -> bytes | None:
    """The bytes of a regular file; None for anything else."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError as exc:
        raise AuditError(f"cannot read {path}: {exc}") from exc


def _pth_finding(
    site_packages: Path,
    name: str,
    owner: PthOwner | None,
    lines: Sequence[tuple[int, bytes]],
    limit: int,
) -> Finding:
    """The ``pth-code`` finding on one file, quoting up to ``limit`` of its lines."""
    path = site_packages / name
    if owner is None:
        whose = "not installed by any distribution in this environment"
        remedy = f"remove {path} unless you know what put it there"
    else:
        whose = f"installed by {owner.name}"
        remedy = (
            f"uninstall {owner.name} unless you trust the code it runs at "
            "start-up, or allow-list it with a reason"
        )
    evidence = tuple(
        (f"line {number}", line.decode("utf-8", errors="replace")[:MAX_LINE])
        for number, line in lines[:limit]
    )
    return Finding(
        PTH_CODE,
        f"{name} in {site_packages} runs code at every Python start-up "
        f"({len(lines)} import line(s)); it is {whose}",
        remedy=remedy,
        evidence=(("file", str(path)), ("owner", owner.name if owner else "none")) + evidence,
    )


def check_pth_files(
    site_packages: Path,
    owners: Mapping[str, PthOwner],
    options: IntegrityOptions = IntegrityOptions(),
) -> list[PthHit]:
    """``pth-code``: every ``.pth`` in ``site_packages`` that runs code at start-up.

    Files owned by a distribution and on the ``KNOWN_PTH`` list (unmodified) are
    not reported; nor is virtualenv's own ``_virtualenv.pth``. Unowned files are
    reported with ``owner`` None.
    """
    hits: list[PthHit] = []
    for name in _pth_names(site_packages):
        path = site_packages / name
        data = _read_file(path)
        lines = executed_lines(data) if data is not None else []
        owner = owners.get(_pth_key(path)) if lines else None
        if data is None or not lines or _legit(name, data, owner):
            continue
        finding = _pth_finding(site_packages, name, owner, lines, options.max_named)
        hits.append(PthHit(owner.name if owner is not None else None, path, finding))
    return hits


def unowned_candidate(path: Path) -> Candidate:
    """A pseudo-candidate standing for a file no distribution owns, named after it.

    The name is the file name itself (``evil.pth``), which holds a dot and so
    never equals a canonical project name: no index rule can look it up by
    mistake, and the policy can allow-list it by that name. Its version is 0
    and its source LOCAL, with the file's URL.
    """
    return Candidate(
        name=NormalizedName(path.name),
        version=Version("0"),
        source=Source.LOCAL,
        url=path.as_uri(),
        filename="",
        sha256=None,
    )


def is_unowned(candidate: Candidate) -> bool:
    """True for a pseudo-candidate made by ``unowned_candidate``."""
    return candidate.name != canonicalize_name(candidate.name)


@dataclass(frozen=True)
class _Records:
    """Every RECORD of an environment, read once."""

    entries: list[list[RecordEntry] | None]  # aligned with Environment.installed
    paths: list[list[str]]  # their full paths ([] without a RECORD)
    claimed: set[str]  # every path any RECORD lists
    present: list[tuple[Installed, list[RecordEntry]]]  # the distributions with one


def _read_records(environment: Environment) -> _Records:
    records = _Records([], [], set(), [])
    for inst in environment.installed:
        entries = read_record(inst.dist_info)
        paths = full_paths(inst, entries) if entries is not None else []
        records.entries.append(entries)
        records.paths.append(paths)
        records.claimed.update(paths)
        if entries is not None:
            records.present.append((inst, entries))
    return records


def check_environment(
    environment: Environment, options: IntegrityOptions = IntegrityOptions()
) -> EnvironmentFindings:
    """Every local check over a whole environment, each RECORD read once."""
    records = _read_records(environment)
    tally = _Tally()
    per: list[list[Finding]] = [
        [
            *check_record(inst, entries, records.claimed, options, tally, paths),
            *check_scripts(inst, entries),
            *check_direct(inst),
        ]
        for inst, entries, paths in zip(
            environment.installed, records.entries, records.paths, strict=True
        )
    ]
    owners = pth_owners(records.present)
    unowned: list[tuple[Candidate, tuple[Finding, ...]]] = []
    index = {inst.name: i for i, inst in enumerate(environment.installed)}
    for directory in environment.site_packages:
        for hit in check_pth_files(directory, owners, options):
            if hit.owner is not None and hit.owner in index:
                per[index[hit.owner]].append(hit.finding)
            else:
                unowned.append((unowned_candidate(hit.path), (hit.finding,)))
    return EnvironmentFindings(
        tuple((inst, tuple(found)) for inst, found in zip(environment.installed, per, strict=True)),
        tuple(unowned),
        tally.files,
        tally.bytes,
    )
