"""Every run removes the temporary directories it made (issue 15): allowed,
blocked, failed at vetting or at the install, and interrupted (Ctrl-C to the
process group, SIGTERM to safepip). Each run gets a fresh ``TMPDIR``, which is
empty once safepip and its pip are gone. (A SIGKILL leaves what the run had
made: nothing can clean up after it.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_install_build_failure_e2e import ALLOW, FAILS_FOR_THE_WHEEL
from tests.e2e.test_install_e2e import established
from tests.fakepypi import FakePyPI, MakeVenv
from tests.processes import descendants, wait_gone

DENY = '[[deny]]\nname = "evil"\nreason = "no"\n'


def _run(
    args: list[str], env: dict[str, str], cwd: Path, tmp: Path
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """safepip with ``TMPDIR=tmp``; what it left in ``tmp`` once it and its pip are gone."""
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guard", "--no-progress", *args],
        env={**env, "TMPDIR": str(tmp)},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    children: list[int] = []
    deadline = time.monotonic() + 180
    while proc.poll() is None and time.monotonic() < deadline:
        children = [*children, *(p for p in descendants(proc.pid) if p not in children)]
        time.sleep(0.05)
    out, err = proc.communicate(timeout=60)
    wait_gone(children, 60)
    return subprocess.CompletedProcess(args, proc.returncode, out, err), sorted(os.listdir(tmp))


def _interrupted(
    args: list[str], env: dict[str, str], cwd: Path, tmp: Path, sig: signal.Signals, group: bool
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """safepip signalled while it waits on the (slow) JSON API, its vetting folder made."""
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guard", "--no-progress", *args],
        env={**env, "TMPDIR": str(tmp)},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not any(n.startswith("safepip-vet-") for n in os.listdir(tmp)):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    time.sleep(0.5)  # into the look-ups the index answers slowly
    children = descendants(proc.pid)
    if group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    wait_gone(children, 60)
    return subprocess.CompletedProcess(args, proc.returncode, out, err), sorted(os.listdir(tmp))


@pytest.fixture
def project(fake_pypi: FakePyPI, tmp_path: Path) -> Path:
    established(fake_pypi, "alpha", requires=["beta"])
    established(fake_pypi, "beta")
    established(fake_pypi, "evil")
    established(
        fake_pypi,
        "brittle",
        wheel=False,
        sdist=True,
        requires=["beta"],
        build_code=FAILS_FOR_THE_WHEEL,
    )
    (tmp_path / "safepip.toml").write_text(DENY + ALLOW)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["install", "alpha"], 0),
        (["check", "alpha"], 0),
        (["install", "evil"], 1),
        (["install", "alpha==7.0"], 2),  # no such release: an error at vetting
        (["install", "brittle"], 2),  # the build fails in the install
    ],
)
def test_a_run_leaves_no_temporary_directory(
    args: list[str],
    code: int,
    project: Path,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
) -> None:
    python = make_venv()
    proc, left = _run(["--python", str(python), *args], pip_env, project, project / "tmp")
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert left == []


@pytest.mark.parametrize(("sig", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_an_interrupted_run_leaves_no_temporary_directory(
    sig: signal.Signals,
    group: bool,
    fake_pypi: FakePyPI,
    project: Path,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
) -> None:
    python = make_venv()
    fake_pypi.delay_json(20)
    args = ["--python", str(python), "install", "alpha"]
    proc, left = _interrupted(args, pip_env, project, project / "tmp", sig, group)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "interrupted; nothing was installed" in proc.stderr
    assert left == []
