"""End to end: the notes say why a version was picked, and pip's failures are
diagnosed by their real cause (issue 15, items 2 and 5)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.test_install_e2e import established, findings, report, safepip
from tests.fakepypi import FakePyPI, MakeVenv, installed

NOW = datetime.now(UTC)


def _notes(proc_stdout: str) -> list[str]:
    notes: list[str] = json.loads(proc_stdout)["notes"]
    return notes


def test_pin_below_a_newer_release_is_no_cutoff_note(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    fake_pypi.add_release("alpha", "2.0", upload_time=NOW - timedelta(days=100))
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "check", "alpha==0.9"], pip_env, tmp_path
    )

    assert proc.returncode == 0, proc.stderr
    notes = " ".join(_notes(proc.stdout))
    assert "cut-off" not in notes
    assert "alpha 0.9" in notes and "alpha==0.9" in notes


def test_newer_release_for_a_newer_python_is_no_cutoff_note(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    fake_pypi.add_release(
        "alpha", "2.0", upload_time=NOW - timedelta(days=100), requires_python=">=3.99"
    )
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "check", "alpha"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stderr
    doc = report(proc)
    assert [p["version"] for p in doc["packages"]] == ["1.0"]
    notes = " ".join(doc["notes"])
    assert "cut-off" not in notes
    assert "alpha 2.0 requires Python >=3.99" in notes


def test_cutoff_note_only_when_the_cutoff_decided(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    fake_pypi.add_release("alpha", "2.0", upload_time=NOW - timedelta(days=3))
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "check", "alpha"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stderr
    [note] = [n for n in _notes(proc.stdout) if "cut-off" in n]
    assert "alpha: picked 1.0" in note and "2.0" in note and "3.0 days" in note


def test_two_too_new_pins_are_both_reported_with_true_ages(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    established(fake_pypi, "beta")
    fake_pypi.add_release("alpha", "2.0", upload_time=NOW - timedelta(days=6.5))
    fake_pypi.add_release("beta", "2.0", upload_time=NOW - timedelta(hours=30))
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "alpha==2.0", "beta==2.0"],
        pip_env,
        tmp_path,
    )

    assert proc.returncode == 1, proc.stderr
    doc = report(proc)
    assert "new-release" in findings(doc, "alpha")
    assert "new-release" in findings(doc, "beta")
    text = json.dumps(doc)
    assert "6.5 days" in text and "30 hours" in text
    assert "7 days ago" not in text
    assert installed(python) == set()


def test_transitive_package_held_back_by_the_cutoff_is_mentioned(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha", requires=["beta>=0.9"])
    established(fake_pypi, "beta")
    fake_pypi.add_release("beta", "2.1", upload_time=NOW - timedelta(days=3))
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "check", "alpha"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stderr
    notes = " ".join(_notes(proc.stdout))
    assert "held back by the cut-off: beta 2.1 (uploaded 3.0 days ago), pulled in by alpha" in notes


def test_dead_index_url_is_named(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha", wheel=False, sdist=True)
    python = make_venv()
    dead = "http://127.0.0.1:9/simple/"

    proc = safepip(
        ["--python", str(python), "check", "alpha", "--index-url", dead], pip_env, tmp_path
    )

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"pip could not reach the index URL {dead}" in proc.stderr
    assert "build requirements" not in proc.stderr
    assert "Traceback" not in proc.stderr


def test_verbose_passes_through(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "goodlib")
    python = make_venv()

    proc = safepip(["--python", str(python), "install", "goodlib", "-v"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert installed(python) == {"goodlib"}


def test_young_sdist_only_dependency_blocks_with_its_chain(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    for version in ("0.9", "1.0"):
        fake_pypi.add_release(
            "oldlib", version, requires=["youngdep"], upload_time=NOW - timedelta(days=800)
        )
    fake_pypi.add_release(
        "youngdep", "0.1", wheel=False, sdist=True, upload_time=NOW - timedelta(days=2)
    )
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "oldlib"], pip_env, tmp_path
    )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = report(proc)
    assert {"new-release", "new-project"} <= findings(doc, "youngdep")
    assert "youngdep is pulled in by oldlib" in json.dumps(doc)
    assert installed(python) == set()
