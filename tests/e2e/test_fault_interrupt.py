"""Interruption at random moments: ``safepip install`` of a ten-package set on
the loopback index, signalled after a random delay (a fixed seed) within one
typical run, after the interpreter's own start-up: Ctrl-C to the whole process
group, SIGTERM or SIGKILL to safepip alone, or SIGKILL to its pip worker alone.

Each run ends with exit 0 (done before the signal), 2 (a clear error), or the
signal's own code (safepip killed, or Ctrl-C before Python took over SIGINT);
the environment holds nothing or the whole vetted set (except where pip itself
is killed half-way, or loses safepip while it installs: then only no message
may have said "nothing was installed" or "every vetted package is installed"
falsely); the output holds no traceback and no control characters.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from tests.e2e.test_install_e2e import established
from tests.fakepypi import FakePyPI, MakeVenv, installed
from tests.processes import CONTROL, cmdline, descendants, wait_gone

DEPS = [f"dep{i}" for i in range(9)]
FULL = {canonicalize_name(n) for n in ["app", *DEPS]}
SEED = 20261129


@dataclass(frozen=True)
class Case:
    sig: signal.Signals
    target: str  # "group" (Ctrl-C), "safepip" or "worker"


CASES = [
    *[Case(signal.SIGINT, "group")] * 7,
    Case(signal.SIGTERM, "safepip"),
    Case(signal.SIGTERM, "safepip"),
    Case(signal.SIGKILL, "safepip"),
    Case(signal.SIGKILL, "worker"),
    Case(signal.SIGKILL, "worker"),
]


def _start(python: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "guard", "--python", str(python), "install", "app"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job is
    )


def _worker(proc: subprocess.Popen[str], seconds: float) -> int | None:
    """The pid of safepip's pip worker, once it runs (None if safepip ended first)."""
    end = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < end:
        for pid in descendants(proc.pid):
            if "_worker_main" in cmdline(pid):
                return pid
        time.sleep(0.01)
    return None


def _start_up() -> float:
    """Twice the time a bare interpreter takes to start and import ``signal``: a
    signal before that lands in CPython's own start-up (its site import), which
    is no moment of safepip's run."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import signal"], check=True)
    return 2 * (time.monotonic() - started)


def _signal(proc: subprocess.Popen[str], case: Case, delay: float) -> list[int]:
    """Send the case's signal after ``delay``; the processes to wait for."""
    time.sleep(delay)
    if proc.poll() is not None:
        return []
    children = descendants(proc.pid)
    try:
        if case.target == "group":
            os.killpg(proc.pid, case.sig)
        elif case.target == "safepip":
            proc.send_signal(case.sig)
        else:
            worker = _worker(proc, 30)
            if worker is not None:
                os.kill(worker, case.sig)
    except ProcessLookupError:
        pass  # it ended just now
    return children


def _codes(case: Case) -> set[int]:
    if case.target == "group":
        # -SIGINT: while Python loads safepip, or as it ends after reporting the Ctrl-C
        return {0, 2, -case.sig}
    if case.target == "safepip" and case.sig == signal.SIGTERM:
        # taken as Ctrl-C once safepip runs (-SIGTERM: while Python loads safepip)
        return {0, 2, -case.sig}
    if case.target == "safepip":
        return {0, -case.sig}
    return {0, 2}


# What runs before safepip's ``__main__`` sets SIGINT aside: the package's
# ``__init__`` and the first lines of ``__main__`` (and CPython's own start-up).
_FIRST_FILES = frozenset({"__init__.py", "__main__.py"})


def _before_safepip(code: int, err: str) -> bool:
    """Ctrl-C during start-up, before safepip's ``__main__`` set SIGINT aside:
    Python's own KeyboardInterrupt traceback, in no other file of safepip's."""
    frames = [Path(f) for f in re.findall(r'File "([^"]+)"', err)]
    return (
        code == -signal.SIGINT
        and err.rstrip().endswith("KeyboardInterrupt")
        and all(f.parent.name != "guard" or f.name in _FIRST_FILES for f in frames)
        and not any("guard" in f.parts[:-2] for f in frames)
    )


def _check(case: Case, code: int, out: str, err: str, got: set[NormalizedName]) -> None:
    assert code in _codes(case)
    if _before_safepip(code, err):
        assert got == set() and not out
        return
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not CONTROL.search(err) and not CONTROL.search(out)
    if code == 0:
        assert got == FULL and "installed 10 vetted package(s)" in out
    if "nothing was installed" in out + err:
        assert got == set()
    if "every vetted package is installed" in err:
        assert got == FULL
    half_way = case.sig == signal.SIGKILL  # pip killed, or left without safepip
    if not half_way:
        assert got in (set(), FULL)


def test_signals_at_random_moments_leave_nothing_or_everything(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    for name in DEPS:
        established(fake_pypi, name)
    established(fake_pypi, "app", requires=DEPS)

    python = make_venv()
    started = time.monotonic()
    first = _start(python, pip_env, tmp_path)
    out, err = first.communicate(timeout=120)
    typical = time.monotonic() - started
    floor = min(_start_up(), typical / 2)
    assert first.returncode == 0, err
    assert installed(python) == FULL

    rng = random.Random(SEED)  # noqa: S311 - a repeatable schedule, not a secret
    seen: set[int] = set()
    for i, case in enumerate(CASES):
        python = make_venv()
        proc = _start(python, pip_env, tmp_path)
        children = _signal(proc, case, rng.uniform(floor, typical))
        out, err = proc.communicate(timeout=120)
        wait_gone(children, 120)  # a pip left on its own finishes first
        got = installed(python)
        context = (i, case, proc.returncode, got, out[-1500:], err[-1500:])
        try:
            _check(case, proc.returncode, out, err, got)
        except AssertionError as exc:
            raise AssertionError(context) from exc
        seen.add(proc.returncode)
        print(
            "CASE",
            i,
            case.sig.name,
            case.target,
            proc.returncode,
            len(got),
            err.strip().splitlines()[-1:] if err.strip() else "",
        )
    # The delays spread over the run: some runs were cut short.
    assert seen - {0}, seen
