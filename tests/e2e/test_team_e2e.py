"""End to end, as a team uses it: a team policy served over (loopback) HTTP,
a project that extends it with a sha256 pin, and CI formats."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_install_e2e import established, report, safepip
from tests.fakepypi import FakePyPI, MakeVenv, installed
from tests.policy.test_layers import PolicyServer, server  # noqa: F401 - the fixture

TEAM = """\
version = 1
[layering]
allow-loosen = false
[[deny]]
name = "evil"
reason = "the team's deny list"
"""


def test_project_extends_team_policy_by_pinned_url_and_works_offline(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    server: PolicyServer,  # noqa: F811 - the fixture imported above
) -> None:
    established(fake_pypi, "evil")
    established(fake_pypi, "good")
    url, sha = server.serve("/team.toml", TEAM)
    project = tmp_path / "project"
    project.mkdir()
    (project / "safepip.toml").write_text(
        f'extends = {{ url = "{url}", sha256 = "{sha}" }}\n[rules.new-project]\nmin-age-days = 90\n'
    )
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "install", "evil"], pip_env, project)
    assert proc.returncode == 1, proc.stderr
    assert "the team's deny list" in json.dumps(report(proc))
    assert installed(python) == set()

    server.stop()  # offline: the pinned, cached copy still applies
    proc = safepip(["--python", str(python), "--format=json", "check", "evil"], pip_env, project)
    assert proc.returncode == 1, proc.stderr
    proc = safepip(["--python", str(python), "install", "good"], pip_env, project)
    assert proc.returncode == 0, proc.stderr


def test_loosening_the_team_policy_is_an_error(
    pip_env: dict[str, str],
    tmp_path: Path,
    server: PolicyServer,  # noqa: F811 - the fixture imported above
) -> None:
    url, sha = server.serve("/team.toml", TEAM)
    (tmp_path / "safepip.toml").write_text(
        f'extends = {{ url = "{url}", sha256 = "{sha}" }}\n[rules.new-project]\naction = "warn"\n'
    )
    proc = safepip(["policy", "validate"], pip_env, tmp_path)
    assert proc.returncode == 2
    assert "rules.new-project.action" in proc.stdout
    proc = safepip(["check", "anything"], pip_env, tmp_path)
    assert proc.returncode == 2
    assert "rules.new-project.action" in proc.stderr


def test_check_requirements_file_as_sarif_and_markdown(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "good")
    established(fake_pypi, "evil")
    (tmp_path / "safepip.toml").write_text('[[deny]]\nname = "evil"\nreason = "no"\n')
    (tmp_path / "requirements.txt").write_text("good\nevil\n")
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format", "sarif", "check", "-r", "requirements.txt"],
        pip_env,
        tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    sarif = json.loads(proc.stdout)
    assert sarif["version"] == "2.1.0"
    [result] = [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    assert result["ruleId"] == "denied"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "requirements.txt"
    assert location["region"]["startLine"] == 2

    proc = safepip(
        ["--python", str(python), "--format", "markdown", "check", "-r", "requirements.txt"],
        pip_env,
        tmp_path,
    )
    assert proc.returncode == 1
    assert "| evil |" in proc.stdout.replace("`", "")
    assert installed(python) == set()


def test_check_dot_reads_the_project_without_building_it(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
) -> None:
    established(fake_pypi, "good")
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        '[project]\nname = "myapp"\nversion = "1"\ndependencies = ["good>=1"]\n'
    )
    (tmp_path / "backend.py").write_text(f"open({str(marker)!r}, 'w').write('built')\n")
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "check", "."], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert [p["name"] for p in report(proc)["packages"]] == ["good"]
    assert not marker.exists()
