"""A loopback PyPI look-alike for the tests, plus helpers for throwaway venvs.

``FakePyPI`` (server.py) serves real wheels and sdists built in memory by
``builders``; ``installed`` reads what a venv holds without running it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from tests.fakepypi.builders import (
    build_sdist,
    build_wheel,
    marker_code,
    metadata_of,
    sdist_filename,
    sha256_hex,
    wheel_filename,
)
from tests.fakepypi.server import MAX_DELAY, Artifact, FakePyPI, Fetched, fetch

__all__ = [
    "MAX_DELAY",
    "Artifact",
    "FakePyPI",
    "Fetched",
    "MakeVenv",
    "build_sdist",
    "build_wheel",
    "fetch",
    "installed",
    "installed_versions",
    "marker_code",
    "metadata_of",
    "sdist_filename",
    "sha256_hex",
    "site_packages",
    "wheel_filename",
]

MakeVenv = Callable[[], Path]  # the make_venv fixture: each call gives a new venv's python


def site_packages(python: Path) -> Path:
    """The site-packages directory of the venv whose interpreter is ``python``."""
    root = python.parent.parent
    found = sorted(root.glob("lib/python3*/site-packages")) or sorted(
        root.glob("Lib/site-packages")
    )
    if not found:
        raise FileNotFoundError(f"no site-packages under {root}")
    return found[0]


def installed_versions(python: Path) -> dict[NormalizedName, str]:
    """{canonical name: version} of the distributions installed in a venv."""
    result: dict[NormalizedName, str] = {}
    for dist_info in site_packages(python).glob("*.dist-info"):
        name, _, version = dist_info.name.removesuffix(".dist-info").partition("-")
        metadata = dist_info / "METADATA"
        if metadata.is_file():
            for line in metadata.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("Name:"):
                    name = line.partition(":")[2].strip()
                elif line.startswith("Version:"):
                    version = line.partition(":")[2].strip()
                elif not line:
                    break
        result[canonicalize_name(name)] = version
    return result


def installed(python: Path) -> set[NormalizedName]:
    """Canonical names of the distributions installed in a venv."""
    return set(installed_versions(python))
