"""``check`` runs no package code: an sdist's dependencies come from its static
metadata (PEP 643), never from a build; and ``install`` of a local project vets
its build requirements before pip builds it."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.test_install_e2e import established, findings, report, safepip
from tests.fakepypi import FakePyPI, MakeVenv, build_sdist, installed, marker_code


def _names(doc: dict[str, object]) -> set[str]:
    packages = doc["packages"]
    assert isinstance(packages, list)
    return {p["name"] for p in packages}


def test_check_reads_static_sdist_dependencies_and_runs_nothing(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    established(
        fake_pypi,
        "srconly",
        wheel=False,
        sdist=True,
        requires=["helper>=1"],
        build_code=marker_code(str(marker)),
        sdist_metadata_version="2.2",
    )
    fake_pypi.add_release("helper", "1.0", upload_time=datetime.now(UTC) - timedelta(days=1))
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "check", "srconly"], pip_env, tmp_path
    )

    doc = report(proc)
    assert not marker.exists()
    # helper is young: vetted (and blocking) although only srconly's sdist names it.
    assert proc.returncode == 1, proc.stderr
    assert "new-project" in findings(doc, "helper")
    assert any("static metadata" in note for note in doc["notes"])
    assert any("helper is pulled in by srconly" in note for note in doc["notes"])
    assert installed(python) == set()


def test_check_resolves_through_static_sdist_dependencies(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    established(
        fake_pypi,
        "srconly",
        wheel=False,
        sdist=True,
        requires=["helper>=1"],
        build_code=marker_code(str(marker)),
        sdist_metadata_version="2.2",
    )
    established(fake_pypi, "helper")
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "check", "srconly"], pip_env, tmp_path
    )

    assert proc.returncode == 0, proc.stderr
    doc = report(proc)
    assert not marker.exists()
    assert _names(doc) == {"srconly", "helper"}
    assert findings(doc, "srconly") == {"source-build"}
    assert installed(python) == set()


def test_check_of_a_dynamic_sdist_says_its_dependencies_are_not_vetted(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    established(
        fake_pypi,
        "dynsrc",
        wheel=False,
        sdist=True,
        requires=["helper>=1"],
        build_code=marker_code(str(marker)),
        sdist_metadata_version="2.2",
        sdist_dynamic=["Requires-Dist"],
    )
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "check", "dynsrc"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stderr
    doc = report(proc)
    assert not marker.exists()
    assert _names(doc) == {"dynsrc"}
    assert any(
        "dynsrc's sdist declares its dependencies only through a build" in note
        and "run install to vet them" in note
        for note in doc["notes"]
    )


def test_check_of_an_old_metadata_sdist_never_builds(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    established(fake_pypi, "oldmeta", wheel=False, sdist=True, build_code=marker_code(str(marker)))
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "check", "oldmeta"], pip_env, tmp_path
    )

    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    assert any("only through a build" in note for note in report(proc)["notes"])


def _local_project(root: Path, marker: Path, requires: str) -> Path:
    """A project whose in-tree backend writes ``marker`` whenever pip loads it."""
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[build-system]\nrequires = ["{requires}"]\n'
        'build-backend = "backend"\nbackend-path = ["."]\n\n'
        '[project]\nname = "localapp"\nversion = "0.1"\n'
    )
    (root / "backend.py").write_text(marker_code(str(marker)))
    return root


def test_young_build_requirement_of_a_local_project_blocks_before_anything_runs(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    fake_pypi.add_release("buildtool", "1.0", upload_time=datetime.now(UTC) - timedelta(days=1))
    project = _local_project(tmp_path / "localapp", marker, "buildtool>=1")
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "-e", str(project)],
        pip_env,
        tmp_path,
    )

    assert proc.returncode == 1, proc.stderr
    doc = report(proc)
    assert "new-project" in findings(doc, "buildtool")
    assert any("build requirements of the local project" in n for n in doc["notes"])
    assert not marker.exists()
    assert installed(python) == set()


def test_vetted_build_requirement_of_a_local_project_is_pinned(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    established(fake_pypi, "buildtool")
    with tarfile.open(fileobj=io.BytesIO(build_sdist("localapp", "0.1"))) as tar:
        tar.extractall(tmp_path / "src", filter="data")
    [project] = (tmp_path / "src").iterdir()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["buildtool>=0.9"]\n'
        'build-backend = "backend"\nbackend-path = ["."]\n'
    )
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", str(project)], pip_env, tmp_path
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = report(proc)
    assert any(
        "build requirements of the local project" in n and "buildtool==1.0" in n
        for n in doc["notes"]
    ), doc["notes"]
    assert installed(python) == {"localapp"}
