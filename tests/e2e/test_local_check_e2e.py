"""``check DIR`` and ``check -e DIR`` run no build backend (issue 15, item 4): the
project's static dependencies are resolved by pip as requirement strings; where
only a build could tell them (a dynamic list, only a setup script), a note says
so and the project's build requirements are vetted instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.test_install_e2e import OLD, established, findings, report, safepip
from tests.fakepypi import FakePyPI, MakeVenv, installed, marker_code


def _project(root: Path, marker: Path, project: str, requires: str = "buildtool>=1") -> Path:
    """A local project whose in-tree backend (and setup.py) write ``marker`` when run."""
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[build-system]\nrequires = ["{requires}"]\n'
        'build-backend = "backend"\nbackend-path = ["."]\n\n' + project
    )
    (root / "backend.py").write_text(marker_code(str(marker)))
    (root / "setup.py").write_text(marker_code(str(marker)))
    return root


STATIC = '[project]\nname = "localapp"\nversion = "0.1"\ndependencies = ["helper>=1"]\n'
DYNAMIC = '[project]\nname = "localapp"\nversion = "0.1"\ndynamic = ["dependencies"]\n'


def _names(doc: dict[str, object]) -> set[str]:
    packages = doc["packages"]
    assert isinstance(packages, list)
    return {p["name"] for p in packages}


def test_check_editable_reads_static_dependencies_and_runs_nothing(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    established(fake_pypi, "helper")
    established(fake_pypi, "buildtool")
    project = _project(tmp_path / "app", marker, STATIC)
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "check", "-e", str(project)], pip_env, tmp_path
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not marker.exists()
    assert _names(report(proc)) == {"helper"}
    assert installed(python) == set()


def test_check_of_dynamic_dependencies_notes_it_and_vets_the_build_requirements(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    established(fake_pypi, "buildtool")
    project = _project(tmp_path / "app", marker, DYNAMIC)
    python = make_venv()

    for args in (["check", str(project)], ["check", "-e", str(project)]):
        proc = safepip(["--python", str(python), "--format=json", *args], pip_env, tmp_path)

        assert proc.returncode == 0, proc.stdout + proc.stderr
        notes = report(proc)["notes"]
        assert any(
            f"the local project {project}: its project.dependencies is dynamic" in n
            and "not vetted (its build requirements are)" in n
            for n in notes
        ), notes
        assert any(
            "build requirements of the local project" in n and "buildtool==1.0" in n for n in notes
        ), notes
    assert not marker.exists()
    assert installed(python) == set()


def test_check_of_a_setup_script_project_vets_its_build_requirements(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    for i, version in enumerate(("68.0", "69.0", "70.0")):
        fake_pypi.add_release("setuptools", version, upload_time=OLD + timedelta(days=i))
    established(fake_pypi, "helper")
    project = _project(tmp_path / "app", marker, "")
    (project / "pyproject.toml").unlink()  # only setup.py: pip's legacy build requirements
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "check", "-e", str(project), "helper"],
        pip_env,
        tmp_path,
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = report(proc)
    assert not marker.exists()
    assert _names(doc) == {"helper"}
    assert any("it has no pyproject.toml, only a setup script" in n for n in doc["notes"])
    assert any("setuptools==70.0" in n for n in doc["notes"]), doc["notes"]


def test_a_young_build_requirement_of_a_dynamic_project_blocks_its_check(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    fake_pypi.add_release("buildtool", "1.0", upload_time=datetime.now(UTC) - timedelta(days=1))
    project = _project(tmp_path / "app", marker, DYNAMIC)
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "check", str(project)], pip_env, tmp_path
    )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "new-project" in findings(report(proc), "buildtool")
    assert not marker.exists()
