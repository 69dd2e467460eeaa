"""Placeholder and deprecated names (issue 15, item 4): ``check`` runs none of
their code and says what they are; ``install`` builds only after vetting, and a
build that refuses (as sklearn's does on purpose) ends in a report that names
the package, what its build said and that nothing was installed (exit 2)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_install_e2e import established, findings, report, safepip
from tests.fakepypi import FakePyPI, MakeVenv, installed, marker_code

# What a placeholder's build does: say it is deprecated, and stop.
REFUSE = (
    "import sys\n"
    "sys.stderr.write(\"The 'oldname' package is deprecated, use 'scikit-learn'\\n\")\n"
    "sys.stderr.write('rather than oldname for pip commands.\\n\\n')\n"
    "sys.stderr.write('Here is how to fix this error: a long story.\\n')\n"
    "raise SystemExit(1)\n"
)


def _placeholder(fake: FakePyPI, marker: Path) -> None:
    established(
        fake,
        "oldname",
        wheel=False,
        sdist=True,
        summary="deprecated oldname package, use scikit-learn instead",
        build_code=marker_code(str(marker)) + REFUSE,
    )


def test_install_of_a_placeholder_that_refuses_to_build_reports_why(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    _placeholder(fake_pypi, marker)
    python = make_venv()

    proc = safepip(["--python", str(python), "install", "oldname"], pip_env, tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert marker.exists()  # install builds it, after vetting
    out = proc.stdout
    assert "oldname" in out and "source-build" in out  # the verdict on what was vetted
    assert "the build of oldname failed (getting requirements to build wheel):" in out
    assert "The 'oldname' package is deprecated, use 'scikit-learn'" in out
    assert "rather than oldname for pip commands." in out
    assert "a long story" not in out  # the gist only
    assert out.rstrip().endswith("nothing was installed")
    assert "Traceback" not in proc.stdout + proc.stderr
    assert installed(python) == set()


def test_install_build_failure_in_json(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    _placeholder(fake_pypi, marker)
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "oldname"], pip_env, tmp_path
    )

    assert proc.returncode == 2, proc.stdout + proc.stderr
    doc = report(proc)
    assert doc["installed"] is False
    assert "the build of oldname failed" in doc["error"]
    assert "source-build" in findings(doc, "oldname")
    assert installed(python) == set()


def test_check_of_a_placeholder_runs_nothing(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path, marker: Path
) -> None:
    _placeholder(fake_pypi, marker)
    python = make_venv()

    proc = safepip(["--python", str(python), "check", "oldname"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not marker.exists()
    assert "oldname" in proc.stdout and "nothing installed: check only" in proc.stdout


def test_a_project_with_no_file_for_this_python_gets_a_verdict_and_the_reason(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    # Like beautifulsoup 3 or PIL for a Python 3 target: nothing pip could install.
    established(fake_pypi, "py2only", requires_python="<3", summary="discontinued, use requests")
    python = make_venv()

    proc = safepip(["--python", str(python), "check", "py2only==1.0"], pip_env, tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "py2only  1.0" in proc.stdout  # the verdict on the project
    assert "did you mean requests?" in proc.stdout
    assert "no release of py2only matches py2only==1.0 here" in proc.stdout
    assert proc.stdout.rstrip().endswith("nothing was installed")
    assert "artifact-mismatch" not in proc.stdout and "source-build" not in proc.stdout
