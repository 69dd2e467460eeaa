"""Running safepip's own pip: which interpreter and command, output sanitised
line by line, and one pip process kept for a whole ``install`` / ``check``.

safepip runs its own, modern pip under the target interpreter, the way
``pip --python TARGET`` does (``pip_command``). ``PipWorker`` starts that pip
once, as early as possible (before safepip's own imports, see guard/launch.py),
and hands it each command in turn over a pipe: the dry runs, whose output it
captures, and at the end the install, whose output is shown. Starting pip and
importing it is paid once, and in parallel with safepip's start-up.

pip's output can quote package text (a built sdist prints what it likes), so
it never reaches the terminal raw: each line goes through ``sanitize.clean``
and then to ``echo``, which the CLI supplies. The processes themselves are
started by ``guard.pip.process``, the one subprocess wrapper.

Only the standard library and the light guard modules are imported here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import sys
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import IO

from guard.errors import InstallError, ProcessError, ResolveError, UsageError
from guard.pip import process

PIP_TIMEOUT = 1800  # seconds; a pip command that takes longer is an error
CANCEL_GRACE = 30  # seconds a cancelled worker is given to finish before it is killed
WORKER = Path(__file__).with_name("_worker_main.py")

Echo = process.Echo
# A pip command's outcome when its output is captured: exit code, stdout, stderr.
Captured = tuple[int, str, str]


def target_python(explicit: str | None) -> str:
    """The interpreter of the environment to vet and install into: ``explicit``
    (an interpreter, or a venv directory), else the active virtualenv, else this
    Python."""
    if explicit:
        path = Path(explicit)
        if path.is_dir():
            for candidate in (path / "bin" / "python", path / "Scripts" / "python.exe"):
                if candidate.exists():
                    return str(candidate)
            raise UsageError(f"{explicit} is a directory but not a virtualenv")
        return explicit
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        return target_python(venv)
    return sys.executable


@cache
def _pip_runner() -> str | None:
    spec = importlib.util.find_spec("pip")
    if spec is None or spec.origin is None:
        return None
    runner = Path(spec.origin).parent / "__pip-runner__.py"
    return str(runner) if runner.is_file() else None


def pip_sources_root() -> str | None:
    """The folder that holds safepip's own ``pip`` package."""
    runner = _pip_runner()
    return str(Path(runner).parent.parent) if runner else None


def pip_command(target_python: str) -> list[str]:
    """safepip's own pip, run by the target interpreter.

    This is what ``pip --python TARGET`` does (it re-runs pip's own
    ``__pip-runner__.py`` under TARGET); doing it directly saves starting one
    interpreter and importing pip once more for every pip run.
    """
    runner = _pip_runner()
    if runner is None:
        return [sys.executable, "-m", "pip", "--python", target_python]
    return [target_python, runner]


def pip_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.setdefault("PIP_NO_INPUT", "1")
    return env


def capture_pip(cmd: Sequence[str], env: Mapping[str, str] | None) -> Captured:
    """Run one pip command in a process of its own, capturing its output."""
    try:
        done = process.run(cmd, env=pip_env(env), timeout=PIP_TIMEOUT, what="pip")
    except ProcessError as exc:
        raise ResolveError(str(exc)) from exc
    return done.code, done.stdout, done.stderr


def run_pip(cmd: list[str], env: Mapping[str, str] | None, echo: Echo) -> None:
    """Run one pip command to the end; its output goes, cleaned, to ``echo``."""
    try:
        code = process.Streaming(cmd, pip_env(env), echo, what="pip").wait(PIP_TIMEOUT)
    except ProcessError as exc:
        raise InstallError(str(exc)) from exc
    if code != 0:
        raise InstallError(f"pip install failed (exit {code}); see pip's output above")


def _read_replies(stream: IO[str], replies: queue.Queue[str | None]) -> None:
    with stream:
        for line in stream:
            replies.put(line)
    replies.put(None)


def _parse_reply(line: str | None) -> Captured | None:
    """A reply line from the worker: exit code and, for captured commands, output."""
    try:
        reply = json.loads(line) if line is not None else None
    except ValueError:
        return None
    if not isinstance(reply, dict) or not isinstance(reply.get("code"), int):
        return None
    out, err = reply.get("stdout", ""), reply.get("stderr", "")
    return (
        reply["code"],
        out if isinstance(out, str) else "",
        err if isinstance(err, str) else "",
    )


class PipWorker:
    """safepip's pip under one target interpreter, started now, handed commands
    later, one at a time: ``capture`` (dry runs) any number of times, then
    ``install`` once, or ``cancel``.

    Each command's exit code (and, for ``capture``, its output) comes back on a
    pipe of its own, which package code run by pip cannot write to. If the
    process cannot be started, every command runs in a process of its own
    instead; if it dies, the command fails (nothing is installed).
    """

    def __init__(
        self, target_python: str, echo: Echo | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self.target_python = target_python
        self.env = env
        self.echo: Echo = echo or (lambda _text: None)
        self._proc: process.Streaming | None = None
        self._replies: queue.Queue[str | None] = queue.Queue()
        root = pip_sources_root()
        if root is None or os.name == "nt":  # no pass_fds on Windows: a process a command
            return
        read_fd, write_fd = os.pipe()
        try:
            cmd = [target_python, str(WORKER), root, str(write_fd)]
            self._proc = process.Streaming(
                cmd, pip_env(env), self._show, what="pip", stdin=True, pass_fds=(write_fd,)
            )
        except ProcessError:
            os.close(read_fd)
            self._proc = None  # every command falls back to a process of its own
            return
        finally:
            os.close(write_fd)
        reader = open(read_fd, encoding="utf-8", errors="replace")  # noqa: SIM115 - the thread closes it
        threading.Thread(target=_read_replies, args=(reader, self._replies), daemon=True).start()

    def _show(self, text: str) -> None:
        self.echo(text)

    @property
    def running(self) -> bool:
        return self._proc is not None

    def _send(self, args: Sequence[str], capture: bool) -> Captured:
        proc = self._proc
        if proc is None:
            raise InstallError("pip's process is not running")
        try:
            proc.send(json.dumps({"args": list(args), "capture": capture}) + "\n")
        except OSError as exc:
            self.cancel()
            raise InstallError(f"could not hand pip its command: {exc}") from exc
        try:
            line = self._replies.get(timeout=PIP_TIMEOUT)
        except queue.Empty:
            self.cancel()
            raise InstallError(f"pip did not finish within {PIP_TIMEOUT} s") from None
        reply = _parse_reply(line)
        if reply is None:
            self.cancel()
            raise InstallError("pip's process stopped without finishing its command")
        return reply

    def capture(self, args: Sequence[str]) -> Captured:
        """Run pip with ``args`` and return its exit code and output (not shown)."""
        if self._proc is None:
            return capture_pip(pip_command(self.target_python) + list(args), self.env)
        try:
            return self._send(args, capture=True)
        except InstallError as exc:
            raise ResolveError(str(exc)) from exc

    def install(self, args: Sequence[str]) -> None:
        """Run pip with ``args``, showing its output; the last command of this worker."""
        if self._proc is None:
            run_pip(pip_command(self.target_python) + list(args), self.env, self.echo)
            return
        code, _, _ = self._send(args, capture=False)
        self.cancel()
        if code != 0:
            raise InstallError(f"pip install failed (exit {code}); see pip's output above")

    def cancel(self) -> None:
        """Tell the process there is nothing more to do, and wait for it to go."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.close(grace=CANCEL_GRACE)
