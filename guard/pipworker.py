"""Running the pip that installs: output sanitised line by line, and a pip
process started early under the target interpreter (see _pip_worker.py), so
the final install does not pay pip's start-up after vetting.

pip's output can quote package text (a built sdist prints what it likes), so
it never reaches the terminal raw: each line goes through ``report.clean`` and
then to ``echo``, which the CLI supplies.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from guard.errors import InstallError
from guard.report import clean
from guard.resolve import PIP_TIMEOUT, pip_env, pip_sources_root

WORKER = Path(__file__).with_name("_pip_worker.py")

Echo = Callable[[str], None]


def _pump(stream: IO[str], echo: Echo) -> None:
    with stream:
        for line in stream:
            echo(clean(line.rstrip("\n"), 4000) + "\n")


def _start(
    cmd: list[str], env: Mapping[str, str] | None, echo: Echo, stdin: int | None
) -> tuple[subprocess.Popen[str], threading.Thread]:
    proc = subprocess.Popen(
        cmd,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=pip_env(env),
        text=True,
        errors="replace",
    )
    if proc.stdout is None:  # pragma: no cover - stdout=PIPE always gives one
        raise InstallError("pip's output could not be read")
    pump = threading.Thread(target=_pump, args=(proc.stdout, echo), daemon=True)
    pump.start()
    return proc, pump


def _finish(proc: subprocess.Popen[str], pump: threading.Thread) -> int:
    try:
        code = proc.wait(timeout=PIP_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.wait()
        raise InstallError(f"pip did not finish within {PIP_TIMEOUT} s") from exc
    finally:
        pump.join(timeout=10)
    return code


def run_pip(cmd: list[str], env: Mapping[str, str] | None, echo: Echo) -> None:
    """Run one pip command to the end; its output goes, cleaned, to ``echo``."""
    try:
        proc, pump = _start(cmd, env, echo, subprocess.DEVNULL)
    except OSError as exc:
        raise InstallError(f"could not run pip: {exc}") from exc
    code = _finish(proc, pump)
    if code != 0:
        raise InstallError(f"pip install failed (exit {code}); see pip's output above")


class PipWorker:
    """One pip run, started now, told what to do later (or told to stop)."""

    def __init__(
        self, target_python: str, echo: Echo, env: Mapping[str, str] | None = None
    ) -> None:
        self.echo = echo
        self.env = env
        self.started: tuple[subprocess.Popen[str], threading.Thread] | None = None
        root = pip_sources_root()
        if root is None:
            return
        try:
            self.started = _start([target_python, str(WORKER), root], env, echo, subprocess.PIPE)
        except OSError:
            self.started = None  # run() falls back to a plain pip run

    def run(self, args: Sequence[str], fallback: list[str]) -> None:
        """Run pip with ``args``; ``fallback`` is the full command if no worker runs."""
        started, self.started = self.started, None
        if started is None:
            run_pip(fallback, self.env, self.echo)
            return
        proc, pump = started
        try:
            if proc.stdin is None:  # pragma: no cover - stdin=PIPE always gives one
                raise OSError("no pipe to pip")
            proc.stdin.write(json.dumps(list(args)) + "\n")
            proc.stdin.close()
        except OSError as exc:
            proc.kill()
            raise InstallError(f"could not hand pip its command: {exc}") from exc
        code = _finish(proc, pump)
        if code != 0:
            raise InstallError(f"pip install failed (exit {code}); see pip's output above")

    def cancel(self) -> None:
        """Tell the worker there is nothing to do, and wait for it to go."""
        started, self.started = self.started, None
        if started is None:
            return
        proc, pump = started
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        pump.join(timeout=10)
