"""Read an sdist's build requirements (PEP 518 ``[build-system] requires``)
without running anything: the archive is read in memory, and only its
top-level ``pyproject.toml``.

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
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from guard.errors import ArtifactError

# What pip assumes for an sdist that declares no build system.
LEGACY_REQUIRES = ("setuptools>=40.8.0",)
MAX_PYPROJECT = 1024 * 1024


def _top_level_pyproject(names: list[str]) -> str | None:
    for name in names:
        parts = name.split("/")
        if len(parts) == 2 and parts[1] == "pyproject.toml" and parts[0] not in {"", ".", ".."}:
            return name
    return None


def _zip_pyproject(path: Path) -> bytes | None:
    with zipfile.ZipFile(path) as archive:
        zip_name = _top_level_pyproject(archive.namelist())
        if zip_name is None:
            return None
        info = archive.getinfo(zip_name)
        if info.file_size > MAX_PYPROJECT:
            raise ArtifactError(f"{path.name}: pyproject.toml is too large")
        return archive.read(info)


def _tar_pyproject(path: Path) -> bytes | None:
    with tarfile.open(path, mode="r:*") as archive:
        members = {m.name: m for m in archive.getmembers()}
        member_name = _top_level_pyproject(list(members))
        if member_name is None:
            return None
        tar_member = members[member_name]
        if not tar_member.isfile() or tar_member.size > MAX_PYPROJECT:
            raise ArtifactError(f"{path.name}: pyproject.toml is not a plain, small file")
        handle = archive.extractfile(tar_member)
        return handle.read() if handle is not None else None


def _read_pyproject(path: Path) -> bytes | None:
    """The bytes of the sdist's top-level pyproject.toml, or None if it has none."""
    try:
        return _zip_pyproject(path) if path.name.endswith(".zip") else _tar_pyproject(path)
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(f"{path.name}: cannot read the sdist: {exc}") from exc


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
    raw = _read_pyproject(path)
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
