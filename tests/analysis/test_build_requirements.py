"""Build requirements of sdists: read without running anything, and vetted
before pip may install them into a build environment."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from guard.analysis.build_requirements import LEGACY_REQUIRES, build_requirements
from guard.errors import ArtifactError
from tests.e2e.test_install_e2e import OLD, findings, report, safepip
from tests.fakepypi import FakePyPI, MakeVenv, build_sdist, installed, marker_code, sdist_filename


def with_pyproject(sdist: bytes, pyproject: str | None) -> bytes:
    """The same sdist with its top-level pyproject.toml replaced (or removed)."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(sdist)) as src,
        tarfile.open(fileobj=out, mode="w:gz") as dst,
    ):
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if member.name.count("/") == 1 and member.name.endswith("/pyproject.toml"):
                if pyproject is None:
                    continue
                data = pyproject.encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


PYPROJECT = (
    '[build-system]\nrequires = ["buildhelper>=1"]\n'
    'build-backend = "backend"\nbackend-path = ["."]\n'
)


def test_reads_build_requirements(tmp_path: Path) -> None:
    path = tmp_path / "pkg-1.0.tar.gz"
    path.write_bytes(with_pyproject(build_sdist("pkg", "1.0"), PYPROJECT))
    assert build_requirements(path) == ("buildhelper>=1",)


def test_legacy_sdist_gets_pips_default(tmp_path: Path) -> None:
    path = tmp_path / "pkg-1.0.tar.gz"
    path.write_bytes(with_pyproject(build_sdist("pkg", "1.0"), None))
    assert build_requirements(path) == LEGACY_REQUIRES


@pytest.mark.parametrize(
    "text",
    [
        "[build-system\n",
        '[build-system]\nrequires = "setuptools"\n',
        '[build-system]\nrequires = ["!!"]\n',
    ],
)
def test_bad_pyproject_is_an_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pkg-1.0.tar.gz"
    path.write_bytes(with_pyproject(build_sdist("pkg", "1.0"), text))
    with pytest.raises(ArtifactError):
        build_requirements(path)


def test_unreadable_sdist_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "pkg-1.0.tar.gz"
    path.write_bytes(b"not a tarball")
    with pytest.raises(ArtifactError, match="cannot read"):
        build_requirements(path)


def _sdist_project(fake: FakePyPI, marker: Path) -> None:
    for i, version in enumerate(("0.8", "0.9", "1.0")):
        data = with_pyproject(
            build_sdist("tool", version, build_code=marker_code(str(marker))), PYPROJECT
        )
        fake.add_file(
            "tool",
            version,
            sdist_filename("tool", version),
            data,
            upload_time=OLD + timedelta(days=i),
            packagetype="sdist",
        )


def test_young_build_requirement_blocks_before_anything_builds(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    _sdist_project(fake_pypi, marker)
    fake_pypi.add_release("buildhelper", "1.0", upload_time=datetime.now(UTC) - timedelta(days=2))
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "install", "tool"], pip_env, tmp_path)

    assert proc.returncode == 1, proc.stderr
    doc = report(proc)
    assert "new-project" in findings(doc, "buildhelper")
    assert any("build requirements of tool" in note for note in doc["notes"])
    assert not marker.exists()
    assert installed(python) == set()


def test_vetted_build_requirement_is_pinned_for_the_build(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    _sdist_project(fake_pypi, marker)
    for i, version in enumerate(("0.9", "1.0", "1.1")):
        fake_pypi.add_release(
            "buildhelper",
            version,
            upload_time=OLD + timedelta(days=i),
            description="helps",
            project_urls={"Source": "https://github.com/example-org/bh"},
        )
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "install", "tool"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stderr
    doc = report(proc)
    assert any("buildhelper==1.1" in note for note in doc["notes"])
    assert installed(python) == {"tool"}
    assert marker.exists()
