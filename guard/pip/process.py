"""The one subprocess wrapper: every process safepip starts is started here.

Commands are argument lists, never a shell, and always have a timeout.
``run`` captures a command's output; ``output`` also turns a non-zero exit
into a ``ProcessError`` that carries the end of its stderr, cleaned.
``Streaming`` starts a process whose output (stdout and stderr together) is
handed, line by line and cleaned, to ``echo`` as it comes: pip's install, and
the worker process that runs pip's commands.

Errors are ``ProcessError``; callers that promise another ``GuardError`` wrap it.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO

from guard.errors import ProcessError
from guard.report.sanitize import clean

Echo = Callable[[str], None]

STDERR_LINES = 10  # how much of a failed command's stderr its error carries
ERROR_LINE_LIMIT = 2000  # characters a line of that stderr keeps (as the CLI prints it)
OUTPUT_LINE_LIMIT = 4000  # characters a shown line of output keeps
PUMP_JOIN = 10  # seconds to wait for the last shown output once a process has ended


@dataclass(frozen=True)
class Completed:
    """A command that ran to its end: exit code and captured output."""

    code: int
    stdout: str
    stderr: str


def stderr_tail(text: str, lines: int = STDERR_LINES) -> str:
    """The last ``lines`` lines of a command's stderr, each cleaned for printing."""
    return "\n".join(clean(line, ERROR_LINE_LIMIT) for line in text.strip().splitlines()[-lines:])


def run(
    cmd: Sequence[str], *, env: Mapping[str, str] | None, timeout: float, what: str
) -> Completed:
    """Run ``cmd`` to its end with no input, capturing its output.

    ``what`` names the command in errors: "could not run {what}: ...".
    """
    try:
        proc = subprocess.run(
            list(cmd),
            capture_output=True,
            text=True,
            errors="replace",
            env=None if env is None else dict(env),
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProcessError(f"could not run {what}: {exc}") from exc
    return Completed(proc.returncode, proc.stdout, proc.stderr)


def output(cmd: Sequence[str], *, env: Mapping[str, str] | None, timeout: float, what: str) -> str:
    """The stdout of ``cmd``, which must exit 0; otherwise a ``ProcessError``
    carrying the end of its stderr."""
    done = run(cmd, env=env, timeout=timeout, what=what)
    if done.code != 0:
        tail = stderr_tail(done.stderr)
        raise ProcessError(f"{what} failed (exit {done.code}):\n{tail}", done.code, tail)
    return done.stdout


def _pump(stream: IO[str], echo: Echo) -> None:
    with stream:
        for line in stream:
            echo(clean(line.rstrip("\n"), OUTPUT_LINE_LIMIT) + "\n")


def _popen(
    cmd: Sequence[str], env: Mapping[str, str] | None, stdin: bool, pass_fds: Sequence[int]
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        list(cmd),
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=None if env is None else dict(env),
        text=True,
        errors="replace",
        pass_fds=tuple(pass_fds),
    )


@contextmanager
def _ctrl_c_held(hold: bool) -> Iterator[None]:
    """SIGINT blocked in this thread while the block runs (a child started then
    inherits the block; a Ctrl-C meanwhile waits, it is not lost)."""
    if not hold or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class Streaming:
    """A running process whose output is shown, cleaned, as it comes.

    With ``stdin=True`` it reads lines that ``send`` writes; otherwise it gets
    no input. ``pass_fds`` are inherited by it (POSIX only). With
    ``hold_ctrl_c`` it starts with SIGINT blocked, so that a Ctrl-C that comes
    while its interpreter starts waits for the program to say what it does
    with one (the pip worker ends quietly) instead of ending it with Python's
    message.
    """

    def __init__(
        self,
        cmd: Sequence[str],
        env: Mapping[str, str] | None,
        echo: Echo,
        *,
        what: str,
        stdin: bool = False,
        pass_fds: Sequence[int] = (),
        hold_ctrl_c: bool = False,
    ) -> None:
        self.what = what
        try:
            with _ctrl_c_held(hold_ctrl_c):
                self._proc = _popen(cmd, env, stdin, pass_fds)
        except OSError as exc:
            raise ProcessError(f"could not run {what}: {exc}") from exc
        if self._proc.stdout is None:  # pragma: no cover - stdout=PIPE always gives one
            raise ProcessError(f"{what}'s output could not be read")
        self._pump = threading.Thread(target=_pump, args=(self._proc.stdout, echo), daemon=True)
        self._pump.start()

    def send(self, line: str) -> None:
        """Write one line to the process's input; ``OSError`` when it cannot be."""
        if self._proc.stdin is None or self._proc.stdin.closed:
            raise OSError(f"{self.what} takes no (more) input")
        self._proc.stdin.write(line)
        self._proc.stdin.flush()

    def wait(self, timeout: float | None = None) -> int:
        """Its exit code once it ends; killed, and a ``ProcessError``, after ``timeout`` s."""
        try:
            code, killed = self._wait_or_kill(timeout)
        finally:
            self._pump.join(timeout=PUMP_JOIN)
        if killed:
            raise ProcessError(f"{self.what} did not finish within {timeout} s")
        return code

    def _wait_or_kill(self, timeout: float | None) -> tuple[int, bool]:
        """Wait for it to end, killing it after ``timeout`` s: (exit code, killed).

        The wait blocks in the kernel until the process ends, where
        ``Popen.wait(timeout)`` would poll (sleeping up to 50 ms between looks);
        a timer does the kill."""
        if timeout is None:
            return self._proc.wait(), False
        killed = threading.Event()

        def kill() -> None:
            if self._proc.poll() is None:
                killed.set()
                self._proc.kill()

        timer = threading.Timer(max(timeout, 0.0), kill)
        timer.daemon = True
        timer.start()
        try:
            code = self._proc.wait()
        finally:
            timer.cancel()
        if killed.is_set() and self._proc.stdin is not None:
            with suppress(OSError):
                self._proc.stdin.close()
        return code, killed.is_set()

    def kill(self) -> None:
        """End it now."""
        self._proc.kill()
        self._proc.wait()
        if self._proc.stdin is not None:
            with suppress(OSError):
                self._proc.stdin.close()

    def close(self, grace: float) -> None:
        """Close its input (its cue to finish) and give it ``grace`` s before killing it."""
        if self._proc.stdin is not None:
            with suppress(OSError):
                self._proc.stdin.close()
        self._wait_or_kill(grace)
        self._pump.join(timeout=PUMP_JOIN)
