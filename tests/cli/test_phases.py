"""``SAFEPIP_PHASES``: the phases of a run, timed for the install-speed profile."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guard.cli.phases import ENV, Phases
from tests.fakepypi import FakePyPI, MakeVenv, installed


def test_marks_are_kept_in_order_and_written_once(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "phases.json"
    phases = Phases(out)
    before = time.time()
    phases.mark("command")
    for done in range(4):
        phases.progress("looking up", done, 3)
    phases.progress("resolving", 0, 0)
    phases.progress("resolving", 0, 0)
    assert phases.around("fetch", lambda x: x * 2)(21) == 42
    assert not out.exists()
    phases.write()
    marks = json.loads(out.read_text())["marks"]
    names = [name for name, _ in marks]
    assert names == [
        "command",
        "looking up",
        "looking up done",
        "resolving",
        "fetch",
        "fetch done",
    ]
    times = [when for _, when in marks]
    assert before <= times[0] and times == sorted(times) and times[-1] <= time.time()


def test_a_failing_call_is_still_marked_done(tmp_path: Path) -> None:
    phases = Phases(tmp_path / "phases.json")

    def boom() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        phases.around("scan", boom)()
    assert [name for name, _ in phases.marks] == ["scan", "scan done"]


def test_without_a_path_nothing_is_recorded_or_wrapped(tmp_path: Path) -> None:
    phases = Phases(None)

    def call() -> int:
        return 1

    assert phases.around("fetch", call) is call
    phases.mark("command")
    phases.progress("resolving", 0, 0)
    phases.write()
    assert phases.marks == []
    assert list(tmp_path.iterdir()) == []


def test_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert Phases.from_env().path is None
    monkeypatch.setenv(ENV, str(tmp_path / "p.json"))
    assert Phases.from_env().path == tmp_path / "p.json"


def test_an_install_writes_its_phases_in_order(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    fake_pypi.add_release("leaf", "1.0")
    fake_pypi.add_release("app", "1.0", requires=["leaf"])
    python = make_venv()
    out = tmp_path / "phases.json"
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "guard", "--python", str(python), "install", "app"],
        env={**pip_env, ENV: str(out)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    ended = time.time()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert installed(python) >= {"app", "leaf"}
    marks = json.loads(out.read_text())["marks"]
    names = [name for name, _ in marks]
    order = ["command", "resolving", "fetch", "fetch done", "scan", "scan done", "install"]
    assert [n for n in names if n in order] == order
    assert names[-2:] == ["install done", "done"]
    times = [when for _, when in marks]
    assert started <= times[0] and times == sorted(times) and times[-1] <= ended
