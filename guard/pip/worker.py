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

``PipWorker.limit`` bounds every later command by the run's deadline: pip gets
``--timeout`` (its per-read limit: the smaller of safepip's timeout and what is
left of the run) and ``--retries``, and it is killed when the deadline passes.
An install from local files only (``--no-index``) is not cut short.

Only the standard library and the light guard modules are imported here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import IO

from guard.deadline import Deadline, shown
from guard.errors import InstallError, Interrupted, ProcessError, ResolveError, UsageError
from guard.pip import process

PIP_TIMEOUT = 1800  # seconds; a pip command that takes longer is an error
CANCEL_GRACE = 30  # seconds a cancelled worker is given to finish before it is killed
PIP_RETRIES = 2  # pip's retries of a failed request (pip's own default is 5)
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


def capture_pip(
    cmd: Sequence[str], env: Mapping[str, str] | None, timeout: float = PIP_TIMEOUT
) -> Captured:
    """Run one pip command in a process of its own, capturing its output."""
    try:
        done = process.run(cmd, env=pip_env(env), timeout=timeout, what="pip")
    except ProcessError as exc:
        raise ResolveError(str(exc)) from exc
    return done.code, done.stdout, done.stderr


def run_pip(
    cmd: list[str], env: Mapping[str, str] | None, echo: Echo, timeout: float = PIP_TIMEOUT
) -> None:
    """Run one pip command to the end; its output goes, cleaned, to ``echo``."""
    try:
        code = process.Streaming(cmd, pip_env(env), echo, what="pip").wait(timeout)
    except ProcessError as exc:
        raise InstallError(str(exc)) from exc
    if code != 0:
        raise InstallError(f"pip install failed (exit {code}); see pip's output above")


def _index_of(args: Sequence[str], env: Mapping[str, str] | None) -> str:
    """The index pip reads, as far as its arguments and environment say."""
    index = ""
    for i, word in enumerate(args[:-1]):
        if word in {"-i", "--index-url"}:
            index = args[i + 1]
    index = index or dict(os.environ if env is None else env).get("PIP_INDEX_URL", "")
    return shown(index) if index else "pip's configured index"


def _doing(args: Sequence[str], env: Mapping[str, str] | None) -> str:
    """What pip is doing with ``args``, for the deadline's message."""
    where = _index_of(args, env)
    if "--dry-run" in args:
        return f"pip was working out what to install (index: {where})"
    return f"pip was installing (index: {where})"


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
        self.deadline = Deadline.never()
        self.timeout: float | None = None
        self._proc: process.Streaming | None = None
        self._replies: queue.Queue[str | None] = queue.Queue()
        root = pip_sources_root()
        if root is None or os.name == "nt":  # no pass_fds on Windows: a process a command
            return
        read_fd, write_fd = os.pipe()
        try:
            cmd = [target_python, str(WORKER), root, str(write_fd)]
            self._proc = process.Streaming(
                cmd,
                pip_env(env),
                self._show,
                what="pip",
                stdin=True,
                pass_fds=(write_fd,),
                hold_ctrl_c=True,
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

    def limit(self, deadline: Deadline, timeout: float) -> None:
        """Bound every later command by ``deadline``, each of pip's reads by ``timeout``."""
        self.deadline = deadline
        self.timeout = timeout

    def _bounded(
        self, args: Sequence[str], before: str = "nothing was installed"
    ) -> tuple[list[str], float]:
        """``args`` with pip's ``--timeout`` and ``--retries``, and how long to wait
        for the command; ``DeadlineError`` if the deadline has passed already.

        The user's own ``--timeout`` or ``--retries`` (later in ``args``) wins."""
        if not args or (self.timeout is None and not self.deadline.limited):
            return list(args), PIP_TIMEOUT
        if "--dry-run" not in args and "--no-index" in args:
            return list(args), PIP_TIMEOUT  # local files only: never cut short
        if self.deadline.passed:
            raise self.deadline.error(f"before {_doing(args, self.env)}", before)
        wait = self.deadline.budget(PIP_TIMEOUT)
        read = min(self.timeout or PIP_TIMEOUT, wait)
        limits = ["--timeout", f"{max(read, 0.1):.1f}", "--retries", str(PIP_RETRIES)]
        return [args[0], *limits, *args[1:]], wait

    def _late(self, args: Sequence[str]) -> None:
        """Raise the deadline's error if it has passed (the command was stopped)."""
        if self.deadline.passed:
            after = "nothing was installed"
            if "--dry-run" not in args:
                after = "pip was stopped; what it had installed by then stays installed"
            raise self.deadline.error(f"while {_doing(args, self.env)}", after)

    @property
    def running(self) -> bool:
        return self._proc is not None

    def _send(self, args: Sequence[str], capture: bool, wait: float) -> Captured:
        proc = self._proc
        if proc is None:
            raise InstallError("pip's process is not running")
        try:
            proc.send(json.dumps({"args": list(args), "capture": capture}) + "\n")
        except OSError as exc:
            self.cancel()
            raise InstallError(f"could not hand pip its command: {exc}") from exc
        return self._await_reply(args, wait)

    def _await_reply(self, args: Sequence[str], wait: float) -> Captured:
        """The reply to the command in flight, within ``wait`` seconds."""
        proc = self._proc
        if proc is None:
            raise InstallError("pip's process is not running")
        try:
            line = self._replies.get(timeout=wait)
        except queue.Empty:
            self._proc = None
            proc.kill()
            self._late(args)
            raise InstallError(f"pip did not finish within {wait:g} s") from None
        reply = _parse_reply(line)
        if reply is None:
            self.cancel()
            raise InstallError("pip's process stopped without finishing its command")
        return reply

    def capture(self, args: Sequence[str]) -> Captured:
        """Run pip with ``args`` and return its exit code and output (not shown)."""
        args, wait = self._bounded(args)
        try:
            if self._proc is None:
                return capture_pip(pip_command(self.target_python) + args, self.env, wait)
            return self._send(args, capture=True, wait=wait)
        except (InstallError, ResolveError) as exc:
            self._late(args)
            raise ResolveError(str(exc)) from exc

    def install(self, args: Sequence[str]) -> None:
        """Run pip with ``args``, showing its output; the last command of this worker."""
        self.install_all([args])

    def install_all(self, commands: Sequence[Sequence[str]]) -> None:
        """Run each pip command in turn, showing its output, up to the first that
        fails; the last commands of this worker. A Ctrl-C lets every command
        finish first (see ``_send_to_the_end``)."""
        if self._proc is None:
            for i, args in enumerate(commands):
                self._install_alone(*self._bounded(args, _earlier(i)))
            return
        code, interrupted, failed = 0, False, 0

        def run(i: int) -> tuple[int, bool]:
            return self._send_to_the_end(*self._bounded(commands[i], _earlier(i)))

        try:
            code, interrupted, failed = run_to_the_end(run, len(commands))
        finally:
            try:
                self.cancel()
            except KeyboardInterrupt:  # pip has finished: say what it left
                interrupted = True
        if interrupted:
            raise Interrupted(_after_interrupt(code))
        if code != 0:
            after = f"; {_earlier(failed)}" if failed else ""
            raise InstallError(f"pip install failed (exit {code}); see pip's output above{after}")

    def _install_alone(self, args: list[str], wait: float) -> None:
        """The install in a pip process of its own (no worker): a Ctrl-C reaches
        that pip too, which stops where it is."""
        try:
            run_pip(pip_command(self.target_python) + args, self.env, self.echo, wait)
        except InstallError:
            self._late(args)
            raise
        except KeyboardInterrupt:
            raise Interrupted(
                "interrupted during the install: pip was stopped where it was, so the "
                "environment may hold some of the vetted packages; run the same safepip "
                "install again to complete it"
            ) from None

    def _send_to_the_end(self, args: Sequence[str], wait: float) -> tuple[int, bool]:
        """Run the install and wait for it, through Ctrl-C: stopping pip half-way
        would leave the environment half-installed, so the worker (which ignores
        SIGINT while it installs) finishes first. (exit code, interrupted)."""
        interrupted = False
        started = time.monotonic()
        try:
            return self._send(args, capture=False, wait=wait)[0], False
        except KeyboardInterrupt:
            interrupted = True
        self.echo(
            "safepip: interrupted: letting pip finish installing the vetted files, "
            "so the environment is not left half-installed\n"
        )
        while True:
            try:
                left = max(wait - (time.monotonic() - started), 0.1)
                return self._await_reply(args, left)[0], interrupted
            except KeyboardInterrupt:
                continue

    def cancel(self) -> None:
        """Tell the process there is nothing more to do, and wait for it to go."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.close(grace=CANCEL_GRACE)


def run_to_the_end(run: Callable[[int], tuple[int, bool]], count: int) -> tuple[int, bool, int]:
    """``run(i)`` for each of ``count`` install runs in turn, up to the first that
    fails: (its exit code, whether a Ctrl-C came, the index of the last run).

    ``run`` lets a run that a Ctrl-C meets finish; a Ctrl-C between two runs
    (none is half-way then) is noted in the same way and the runs go on, so
    that what is said afterwards holds: every run was let finish."""
    code, interrupted, done = 0, False, 0
    while done < count:
        try:
            while done < count:
                code, stopped = run(done)
                interrupted = interrupted or stopped
                if code != 0:
                    return code, interrupted, done
                done += 1
        except KeyboardInterrupt:
            interrupted = True  # (a run it met before its start is started now)
    return code, interrupted, max(done - 1, 0)


def _earlier(step: int) -> str:
    """What the install commands before ``step`` (counted from 0) left installed."""
    if step == 0:
        return "nothing was installed"
    return f"the vetted packages of the {step} pip run(s) before this one are installed"


def _after_interrupt(code: int) -> str:
    """What an interrupted install left, for the one line the CLI prints."""
    if code == 0:
        return (
            "interrupted during the install; pip was let finish first, so every vetted "
            "package is installed and the environment is complete"
        )
    return (
        f"interrupted during the install, and pip failed (exit {code}): the environment may "
        "hold some of the vetted packages; run the same safepip install again to complete it"
    )
