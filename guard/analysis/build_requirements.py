"""Read an sdist's build requirements (PEP 518 ``[build-system] requires``)
and its declared dependencies (PEP 643 static ``PKG-INFO``) without running
anything: the archive is read in memory, and only its top-level
``pyproject.toml`` and ``PKG-INFO``. A local project's build requirements are
read from its ``pyproject.toml`` the same way.

pip installs these into the isolated build environment and runs them (the
build backend is one of them), so they are packages to vet like any other.
An sdist with no ``pyproject.toml`` or no ``[build-system]`` table gets pip's
legacy default.
"""

from __future__ import annotations

import io
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from guard.errors import ArtifactError

# What pip assumes for an sdist that declares no build system.
LEGACY_REQUIRES = ("setuptools>=40.8.0",)
MAX_PYPROJECT = 1024 * 1024


def _top_level(names: list[str], wanted: str) -> str | None:
    for name in names:
        parts = name.split("/")
        if len(parts) == 2 and parts[1] == wanted and parts[0] not in {"", ".", ".."}:
            return name
    return None


def _zip_member(path: Path, wanted: str) -> bytes | None:
    with zipfile.ZipFile(path) as archive:
        zip_name = _top_level(archive.namelist(), wanted)
        if zip_name is None:
            return None
        info = archive.getinfo(zip_name)
        if info.file_size > MAX_PYPROJECT:
            raise ArtifactError(f"{path.name}: {wanted} is too large")
        return archive.read(info)


def _tar_member(path: Path, wanted: str) -> bytes | None:
    with tarfile.open(path, mode="r:*") as archive:
        members = {m.name: m for m in archive.getmembers()}
        member_name = _top_level(list(members), wanted)
        if member_name is None:
            return None
        tar_member = members[member_name]
        if not tar_member.isfile() or tar_member.size > MAX_PYPROJECT:
            raise ArtifactError(f"{path.name}: {wanted} is not a plain, small file")
        handle = archive.extractfile(tar_member)
        return handle.read() if handle is not None else None


def _read_member(path: Path, wanted: str) -> bytes | None:
    """The bytes of the sdist's top-level ``wanted`` file, or None if it has none."""
    try:
        if path.name.endswith(".zip"):
            return _zip_member(path, wanted)
        return _tar_member(path, wanted)
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(f"{path.name}: cannot read the sdist: {exc}") from exc


def _read_pyproject(path: Path) -> bytes | None:
    return _read_member(path, "pyproject.toml")


def _checked(path: Path, requires: object) -> tuple[str, ...]:
    """``build-system.requires``, each a valid requirement."""
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise ArtifactError(f"{path.name}: build-system.requires is not a list of strings")
    for text in requires:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            raise ArtifactError(f"{path.name}: bad build requirement {text!r}") from exc
    return tuple(requires)


def build_requirements(path: Path) -> tuple[str, ...]:
    """The requirements pip would install to build this sdist."""
    return _from_pyproject(path, _read_pyproject(path))


def project_build_requirements(project: Path) -> tuple[str, ...]:
    """The requirements pip would install to build the local project in directory
    ``project`` (its ``pyproject.toml``; pip's legacy default without one)."""
    file = project / "pyproject.toml"
    try:
        raw = file.read_bytes() if file.is_file() else None
    except OSError as exc:
        raise ArtifactError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    return _from_pyproject(file, raw)


def _from_pyproject(path: Path, raw: bytes | None) -> tuple[str, ...]:
    if raw is None:
        return LEGACY_REQUIRES
    try:
        data = tomllib.load(io.BytesIO(raw))
    except tomllib.TOMLDecodeError as exc:
        raise ArtifactError(f"{path.name}: pyproject.toml is not valid TOML: {exc}") from exc
    system = data.get("build-system")
    if not isinstance(system, dict):
        return LEGACY_REQUIRES
    return _checked(path, system.get("requires", []))


# PEP 643: from this metadata version on, a field not listed in Dynamic is final.
STATIC_FROM = Version("2.2")


@dataclass(frozen=True)
class SdistMetadata:
    """What an sdist's PKG-INFO declares: its dependencies when they are static
    (``static``), else why a build is the only way to learn them."""

    static: bool
    requires_dist: tuple[str, ...] = ()
    requires_python: str = ""
    why: str = ""


def _metadata_version(raw: str | None) -> Version | None:
    try:
        return Version(raw.strip()) if raw else None
    except InvalidVersion:
        return None


def sdist_metadata(path: Path) -> SdistMetadata:
    """The sdist's dependencies as its PKG-INFO declares them, read in memory."""
    raw = _read_member(path, "PKG-INFO")
    if raw is None:
        return SdistMetadata(False, why="it has no PKG-INFO")
    headers = BytesHeaderParser().parsebytes(raw)
    version = _metadata_version(headers.get("Metadata-Version"))
    if version is None or version < STATIC_FROM:
        shown = headers.get("Metadata-Version", "none")
        return SdistMetadata(False, why=f"its PKG-INFO has metadata version {shown} (before 2.2)")
    dynamic = {str(d).strip().lower() for d in headers.get_all("Dynamic", [])}
    if "requires-dist" in dynamic:
        return SdistMetadata(False, why="its PKG-INFO lists Requires-Dist as Dynamic")
    requires = tuple(" ".join(str(r).split()) for r in headers.get_all("Requires-Dist", []))
    for text in requires:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            raise ArtifactError(f"{path.name}: bad Requires-Dist {text!r} in PKG-INFO") from exc
    python = " ".join(str(headers.get("Requires-Python", "")).split())
    return SdistMetadata(True, requires, python)
