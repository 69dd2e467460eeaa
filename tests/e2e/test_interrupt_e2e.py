"""Ctrl-C during the install never leaves a half-installed environment behind a
false report: safepip lets pip finish installing the vetted files, says so, and
the environment holds every vetted package."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.test_install_e2e import OLD, established
from tests.fakepypi import FakePyPI, MakeVenv, installed, marker_code

#: Build code that marks the wheel build (the install phase, not the dry run's
#: metadata step: pip's hook runner has the hook's name in its argv) and then
#: waits until the test has interrupted safepip and says go (at most a minute).
SLOW_BUILD = """
import os, sys, time
if "build_wheel" in sys.argv:
{marker}    _end = time.monotonic() + 60
    while not os.path.exists({go!r}) and time.monotonic() < _end:
        time.sleep(0.05)
"""


def _slow_build(marker: Path, go: Path) -> str:
    lines = marker_code(str(marker)).splitlines()
    return SLOW_BUILD.format(marker="".join(f"    {line}\n" for line in lines), go=str(go))


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float) -> None:
    end = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "the install never started"
        time.sleep(0.05)


def test_ctrl_c_during_the_install_lets_pip_finish_and_says_so(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
) -> None:
    go = tmp_path / "go"
    fake_pypi.add_release("helper", "1.0", upload_time=OLD)
    established(
        fake_pypi,
        "slowbuild",
        wheel=False,
        sdist=True,
        build_code=_slow_build(marker, go),
        requires=["helper"],
    )
    python = make_venv()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guard", "--python", str(python), "install", "slowbuild"],
        env=pip_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job is
    )
    _wait_for(marker, proc, 240)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole group gets it
    time.sleep(1)  # safepip takes the signal while pip is still building
    go.touch()
    out, err = proc.communicate(timeout=240)

    assert proc.returncode == 2, (out, err)
    assert "letting pip finish" in err
    assert "every vetted package is installed" in err
    assert "nothing was installed" not in err + out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert installed(python) == {"slowbuild", "helper"}
