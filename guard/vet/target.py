"""The target interpreter as pip sees it (pure): its marker environment (from
pip's report or ``pip inspect``), the wheel tags it accepts, and whether a
release's file fits it (tags and ``Requires-Python``).

The target runs on this machine, so its platform tags are this machine's when
its ``sys_platform`` and ``platform_machine`` are this interpreter's; otherwise
only pure-Python wheels are taken to fit.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from packaging import tags
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from guard.models import FileInfo, Release


def _platforms(env: Mapping[str, str]) -> list[str]:
    here = (
        env.get("sys_platform") == sys.platform
        and env.get("platform_machine") == platform.machine()
    )
    return list(tags.platform_tags()) if here or not env else []


def _tags(env: Mapping[str, str]) -> frozenset[tags.Tag]:
    try:
        version = tuple(int(part) for part in env.get("python_version", "").split("."))
    except ValueError:
        version = ()
    if len(version) < 2:
        return frozenset(tags.sys_tags())
    platforms = _platforms(env)
    found: list[tags.Tag] = []
    interpreter = None
    if env.get("implementation_name", "cpython") == "cpython":
        interpreter = f"cp{version[0]}{version[1]}"
        found += tags.cpython_tags(version, platforms=platforms)
    found += tags.compatible_tags(version, interpreter, platforms=platforms)
    found.append(tags.Tag(f"py{version[0]}", "none", "any"))
    return frozenset(found)


@dataclass(frozen=True)
class Target:
    """The target interpreter: its marker environment ({} when unknown)."""

    environment: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def tags(self) -> frozenset[tags.Tag]:
        return _tags(self.environment)

    @property
    def python(self) -> Version | None:
        try:
            return Version(self.environment.get("python_full_version", ""))
        except InvalidVersion:
            return None

    def fits_python(self, info: FileInfo) -> bool:
        """True unless the file's ``Requires-Python`` excludes the target's Python."""
        python = self.python
        if not info.requires_python or python is None:
            return True
        try:
            return SpecifierSet(info.requires_python).contains(python, prereleases=True)
        except InvalidSpecifier:
            return True

    def fits_wheel(self, info: FileInfo) -> bool:
        """True when ``info`` is a wheel whose tags the target accepts."""
        if not info.filename.endswith(".whl"):
            return False
        try:
            file_tags = parse_wheel_filename(info.filename)[3]
        except InvalidWheelFilename:
            return False
        return not file_tags.isdisjoint(self.tags)

    def wheel(self, release: Release) -> FileInfo | None:
        """The release's file pip would take here, wheels only."""
        fitting = [
            f for f in release.files if not f.yanked and self.fits_wheel(f) and self.fits_python(f)
        ]
        return fitting[0] if fitting else None

    def file(self, release: Release) -> FileInfo | None:
        """The file that would be used here: a fitting wheel, else the sdist."""
        wheel = self.wheel(release)
        if wheel is not None:
            return wheel
        sdists = [f for f in release.files if f.packagetype == "sdist" and self.fits_python(f)]
        return sdists[0] if sdists else None

    def requires_python(self, release: Release) -> str | None:
        """The ``Requires-Python`` that keeps every file of ``release`` out, if one does."""
        if not release.files or any(self.fits_python(f) for f in release.files):
            return None
        return release.files[0].requires_python
