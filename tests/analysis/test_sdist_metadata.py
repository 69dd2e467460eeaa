"""An sdist's declared dependencies (PEP 643), read from its PKG-INFO in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.analysis.build_requirements import (
    LEGACY_REQUIRES,
    project_build_requirements,
    sdist_metadata,
)
from guard.errors import ArtifactError
from tests.fakepypi import build_sdist, marker_code


def _sdist(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "pkg-1.0.tar.gz"
    path.write_bytes(data)
    return path


def test_static_requires_dist_is_read_without_running_the_sdist(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    data = build_sdist(
        "pkg",
        "1.0",
        requires=["dep>=1", 'other ; python_version < "3"'],
        metadata_version="2.2",
        extra_metadata=[("Requires-Python", ">=3.8")],
        build_code=marker_code(str(marker)),
    )
    meta = sdist_metadata(_sdist(tmp_path, data))
    assert meta.static
    assert meta.requires_dist == ("dep>=1", 'other ; python_version < "3"')
    assert meta.requires_python == ">=3.8"
    assert not marker.exists()


def test_no_requirements_is_static_and_empty(tmp_path: Path) -> None:
    meta = sdist_metadata(_sdist(tmp_path, build_sdist("pkg", "1.0", metadata_version="2.4")))
    assert meta.static and meta.requires_dist == ()


def test_old_metadata_needs_a_build(tmp_path: Path) -> None:
    meta = sdist_metadata(_sdist(tmp_path, build_sdist("pkg", "1.0", requires=["dep"])))
    assert not meta.static
    assert meta.requires_dist == ()
    assert "2.1" in meta.why


def test_dynamic_requires_dist_needs_a_build(tmp_path: Path) -> None:
    data = build_sdist(
        "pkg", "1.0", requires=["dep"], metadata_version="2.2", dynamic=["Requires-Dist"]
    )
    meta = sdist_metadata(_sdist(tmp_path, data))
    assert not meta.static
    assert "Dynamic" in meta.why


def test_other_dynamic_fields_keep_requires_dist_static(tmp_path: Path) -> None:
    data = build_sdist("pkg", "1.0", requires=["dep"], metadata_version="2.2", dynamic=["Summary"])
    assert sdist_metadata(_sdist(tmp_path, data)).requires_dist == ("dep",)


def test_unreadable_archive_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError):
        sdist_metadata(_sdist(tmp_path, b"not a tarball"))


def test_project_build_requirements(tmp_path: Path) -> None:
    assert project_build_requirements(tmp_path) == LEGACY_REQUIRES
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling>=1", "hatch-vcs"]\n'
        'build-backend = "hatchling.build"\n'
    )
    assert project_build_requirements(tmp_path) == ("hatchling>=1", "hatch-vcs")
    (tmp_path / "pyproject.toml").write_text("[build-system]\nrequires = [1]\n")
    with pytest.raises(ArtifactError):
        project_build_requirements(tmp_path)
