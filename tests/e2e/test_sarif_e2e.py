"""End to end: SARIF results point at the file the user gave (and the line that
declares the package, or pulls it in); the pre-commit hook checks each file alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from tests.e2e.test_install_e2e import established, safepip
from tests.fakepypi import FakePyPI, MakeVenv

DENY = '[[deny]]\nname = "evil"\nreason = "no"\n'


def errors(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    doc: dict[str, Any] = json.loads(proc.stdout)
    assert doc["version"] == "2.1.0"
    results: list[dict[str, Any]] = doc["runs"][0]["results"]
    return [r for r in results if r["level"] == "error"]


def test_sarif_of_a_requirements_file_places_a_dependency_at_its_parent(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "good")
    established(fake_pypi, "app", requires=["evil>=0.5"])
    established(fake_pypi, "evil")
    (tmp_path / "safepip.toml").write_text(DENY)
    reqs = tmp_path / "reqs"
    reqs.mkdir()
    (reqs / "prod.txt").write_text("# production\ngood\napp==1.0\n")
    python = make_venv()

    args = ["--python", str(python), "--format", "sarif", "check", "-r", "reqs/prod.txt"]
    proc = safepip(args, pip_env, tmp_path)

    assert proc.returncode == 1, proc.stderr
    [result] = errors(proc)
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "reqs/prod.txt"
    assert (tmp_path / physical["artifactLocation"]["uri"]).is_file()
    assert physical["region"]["startLine"] == 3  # app==1.0 pulls evil in
    assert result["properties"]["dependencyChain"] == ["app", "evil"]


def test_sarif_of_check_dot_points_at_pyproject(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "good")
    established(fake_pypi, "evil")
    (tmp_path / "safepip.toml").write_text(DENY)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "mine"\nversion = "1"\ndependencies = [\n  "good",\n  "evil>=0.5",\n]\n'
    )
    python = make_venv()

    proc = safepip(["--python", str(python), "--format", "sarif", "check", "."], pip_env, tmp_path)

    assert proc.returncode == 1, proc.stderr
    [result] = errors(proc)
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "pyproject.toml"
    assert physical["region"]["startLine"] == 6


def test_sarif_of_check_name_claims_no_file(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "evil")
    (tmp_path / "safepip.toml").write_text(DENY)
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format", "sarif", "check", "evil"], pip_env, tmp_path
    )

    assert proc.returncode == 1, proc.stderr
    [result] = errors(proc)
    [location] = result["locations"]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["name"] == "evil"


def test_sarif_of_audit_points_at_the_environment(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "evil")
    python = make_venv()
    assert safepip(["--python", str(python), "install", "evil"], pip_env, tmp_path).returncode == 0
    (tmp_path / "safepip.toml").write_text(DENY)

    proc = safepip(["--format", "sarif", "audit", str(python.parent.parent)], pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    [result] = errors(proc)
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    if artifact.get("uriBaseId") == "%SRCROOT%":
        target = tmp_path / artifact["uri"]
    else:
        target = Path(unquote(urlparse(artifact["uri"]).path))
    assert target.is_file()
    assert target.resolve() == (python.parent.parent / "pyvenv.cfg").resolve()


def pre_commit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guard.cli.precommit", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_pre_commit_resolves_each_file_on_its_own(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "good")
    established(fake_pypi, "evil")
    (tmp_path / "safepip.toml").write_text(DENY)
    (tmp_path / "requirements.txt").write_text("good==1.0\n")
    (tmp_path / "requirements-old.txt").write_text("good==0.9\n")
    (tmp_path / "requirements-bad.txt").write_text("evil\n")
    python = make_venv()
    options = ["--python", str(python), "--no-progress"]

    proc = pre_commit([*options, "requirements.txt", "requirements-old.txt"], pip_env, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # together they would conflict
    assert "== safepip check -r requirements.txt" in proc.stdout
    assert "== safepip check -r requirements-old.txt" in proc.stdout

    files = ["requirements-bad.txt", "requirements.txt"]
    proc = pre_commit([*options, *files], pip_env, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the worst of the two
    assert "== safepip check -r requirements.txt" in proc.stdout


def test_pre_commit_machine_formats_are_one_document_for_all_files(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "good")
    established(fake_pypi, "evil")
    (tmp_path / "safepip.toml").write_text(DENY)
    (tmp_path / "requirements.txt").write_text("good==1.0\n")
    (tmp_path / "requirements-bad.txt").write_text("evil\n")
    options = ["--python", str(make_venv()), "--no-progress"]
    files = ["requirements.txt", "requirements-bad.txt"]

    proc = pre_commit([*options, "--format", "sarif", *files], pip_env, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    log = json.loads(proc.stdout)  # one SARIF log, one run per file
    assert len(log["runs"]) == 2
    [result] = [r for run in log["runs"] for r in run["results"] if r["level"] == "error"]
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"] == "requirements-bad.txt"

    proc = pre_commit([*options, "--format", "json", *files], pip_env, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["exit_code"] == 1
    assert [(f["file"], f["exit_code"]) for f in doc["files"]] == [
        ("requirements.txt", 0),
        ("requirements-bad.txt", 1),
    ]
    assert all(isinstance(f["report"], dict) for f in doc["files"])


PROJECT = """\
[build-system]
requires = [
  "builder",
]
build-backend = "backend"
backend-path = ["."]

[project]
name = "mine"
version = "1.0"
dependencies = [
  "good",
  "app",
]
"""

# An in-tree backend for pip's dry run of ``install -e``: metadata only.
BACKEND = """\
import os


def _metadata(directory):
    info = os.path.join(directory, "mine-1.0.dist-info")
    os.makedirs(info)
    with open(os.path.join(info, "METADATA"), "w") as handle:
        handle.write("Metadata-Version: 2.1\\nName: mine\\nVersion: 1.0\\n"
                     "Requires-Dist: good\\nRequires-Dist: app\\n")
    return "mine-1.0.dist-info"


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _metadata(metadata_directory)


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel
"""


def _project(fake: FakePyPI, folder: Path, dynamic: bool = False) -> None:
    """``folder/proj``: a project whose dependency ``app`` pulls in the denied
    ``evil``, and whose build requirement ``builder`` pulls in ``evil`` too."""
    established(fake, "good")
    established(fake, "app", requires=["evil>=0.5"])
    established(fake, "builder", requires=["evil"])
    established(fake, "evil")
    (folder / "safepip.toml").write_text(DENY)
    project = folder / "proj"
    project.mkdir()
    text = PROJECT.replace('version = "1.0"\n', 'version = "1.0"\ndynamic = ["dependencies"]\n')
    if dynamic:
        text = text.split("dependencies = [")[0]
    (project / "pyproject.toml").write_text(text if dynamic else PROJECT)
    (project / "backend.py").write_text(BACKEND)


def _place(result: dict[str, Any]) -> tuple[str, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_sarif_of_check_dash_e_points_at_the_projects_pyproject(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _project(fake_pypi, tmp_path)
    python = make_venv()

    for args in (["-e", "proj"], ["./proj"], ["-e", "proj/"]):
        proc = safepip(
            ["--python", str(python), "--format", "sarif", "check", *args], pip_env, tmp_path
        )
        assert proc.returncode == 1, proc.stderr
        [result] = errors(proc)
        assert _place(result) == ("proj/pyproject.toml", 13)  # "app" pulls evil in
        assert result["properties"]["dependencyChain"] == ["app", "evil"]


def test_sarif_of_check_of_a_dynamic_project_points_at_its_build_requirement(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _project(fake_pypi, tmp_path, dynamic=True)
    python = make_venv()

    for args in (["-e", "proj"], ["./proj"]):
        proc = safepip(
            ["--python", str(python), "--format", "sarif", "check", *args], pip_env, tmp_path
        )
        assert proc.returncode == 1, proc.stderr
        [result] = errors(proc)
        assert _place(result) == ("proj/pyproject.toml", 3)  # "builder" pulls evil in
        assert result["properties"]["dependencyChain"] == ["builder", "evil"]


def test_sarif_of_install_dash_e_points_at_the_projects_pyproject(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _project(fake_pypi, tmp_path)
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format", "sarif", "install", "-e", "proj"], pip_env, tmp_path
    )

    assert proc.returncode == 1, proc.stderr
    places = {_place(result) for result in errors(proc)}
    # evil through the build requirement (vetted before the build), and, once
    # pip read the project's metadata, through its dependency "app"
    assert ("proj/pyproject.toml", 3) in places
    assert places <= {("proj/pyproject.toml", 3), ("proj/pyproject.toml", 13)}


def test_check_of_a_bare_folder_name_checks_the_project_of_that_name_as_pip_would(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _project(fake_pypi, tmp_path)
    established(fake_pypi, "proj")  # pip installs this for `install proj`, not the folder
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format", "json", "check", "proj"], pip_env, tmp_path
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [p["name"] for p in json.loads(proc.stdout)["packages"]] == ["proj"]
