"""A pip process started early under the target interpreter (see _pip_worker.py),
so that the final install does not pay pip's start-up after vetting."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from guard.errors import InstallError
from guard.resolve import PIP_TIMEOUT, pip_env, pip_sources_root

WORKER = Path(__file__).with_name("_pip_worker.py")


class PipWorker:
    """One pip run, started now, told what to do later (or told to stop)."""

    def __init__(self, target_python: str, env: Mapping[str, str] | None = None) -> None:
        root = pip_sources_root()
        self.proc: subprocess.Popen[str] | None = None
        if root is None:
            return
        try:
            self.proc = subprocess.Popen(
                [target_python, str(WORKER), root],
                stdin=subprocess.PIPE,
                stdout=sys.stderr,  # stdout is the report's; pip talks on stderr
                env=pip_env(env),
                text=True,
            )
        except OSError:
            self.proc = None  # fall back to a plain pip run when asked

    def run(self, args: Sequence[str], fallback: list[str]) -> None:
        """Run pip with ``args``; ``fallback`` is the full command if no worker runs."""
        proc = self.proc
        self.proc = None
        try:
            if proc is None or proc.stdin is None:
                code = subprocess.run(
                    fallback,
                    env=pip_env(None),
                    stdout=sys.stderr,
                    timeout=PIP_TIMEOUT,
                    check=False,
                    stdin=subprocess.DEVNULL,
                ).returncode
            else:
                proc.stdin.write(json.dumps(list(args)) + "\n")
                proc.stdin.close()
                code = proc.wait(timeout=PIP_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            if proc is not None:
                proc.kill()
            raise InstallError(f"could not run pip: {exc}") from exc
        if code != 0:
            raise InstallError(f"pip install failed (exit {code}); see pip's output above")

    def cancel(self) -> None:
        """Tell the worker there is nothing to do, and wait for it to go."""
        proc = self.proc
        self.proc = None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
