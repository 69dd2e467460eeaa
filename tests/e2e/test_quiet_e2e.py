"""End to end: a quiet default (issue 15, item 1). The weak signals alone are not
warnings (pip's -v shows them), and an established project's revival is a note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.test_install_e2e import established, report, safepip
from tests.fakepypi import FakePyPI, MakeVenv

NOW = datetime.now(UTC)


def test_weak_signals_alone_are_shown_only_with_verbose(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha", description="", project_urls={})
    python = make_venv()

    quiet = safepip(["--python", str(python), "check", "alpha"], pip_env, tmp_path)
    loud = safepip(["--python", str(python), "check", "-v", "alpha"], pip_env, tmp_path)

    assert quiet.returncode == 0 and loud.returncode == 0, quiet.stderr + loud.stderr
    assert "no-source-repo" not in quiet.stdout and "warn" not in quiet.stdout
    assert "[no-source-repo] ignore: alpha names no source repository" in loud.stdout
    assert "[empty-description] ignore: alpha has no description on PyPI" in loud.stdout
    doc = report(
        safepip(["--python", str(python), "--format=json", "check", "alpha"], pip_env, tmp_path)
    )
    assert doc["decision"] == "allow"
    actions = {f["rule"]: f["action"] for p in doc["packages"] for f in p["findings"]}
    assert actions == {"no-source-repo": "ignore", "empty-description": "ignore"}


def test_an_established_projects_revival_is_a_note(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    start = NOW - timedelta(days=3000)
    for i in range(11):
        fake_pypi.add_release(
            "steady",
            f"1.{i}",
            upload_time=start + timedelta(days=200 * i),
            description="steady: a well-documented, long-lived project.",
            project_urls={"Source": "https://github.com/example-org/steady"},
        )
    fake_pypi.add_release(
        "steady",
        "2.0",
        upload_time=NOW - timedelta(days=20),
        description="steady: a well-documented, long-lived project.",
        project_urls={"Source": "https://github.com/example-org/steady"},
    )
    python = make_venv()

    proc = safepip(["--python", str(python), "--format=json", "check", "steady"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stderr
    doc = report(proc)
    assert doc["decision"] == "allow"
    (note,) = [n for n in doc["notes"] if "without any upload" in n]
    assert note.startswith("steady 2.0 was uploaded 20 days ago")
    assert "an established project: 12 releases since" in note
