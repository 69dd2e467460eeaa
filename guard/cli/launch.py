"""The ``safepip`` entry point: start pip first, then load the rest.

For a command that vets (``install``, ``check``: see guard.cli.commands),
safepip's pip process (guard.pip.worker) is started before safepip imports its
rules, HTTP client and data, so that pip's start-up overlaps safepip's own; the
CLI (guard.cli.main) then hands that process its dry runs and, if vetting
allows, the install. Every other command goes straight to the CLI. Only light
modules are imported before pip is started.

``run`` (the ``safepip`` command and ``python -m guard``) ends the process with
``os._exit`` once what the interpreter would finish is finished (threads still
writing, ``atexit`` handlers, stdout and stderr flushed): tearing down
safepip's rule and popular-project data object by object only costs time.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from guard.cli.commands import COMMANDS, split_command
from guard.cli.echo import echo_pip
from guard.errors import UsageError
from guard.pip.worker import PipWorker, target_python

__all__ = ["early_pip", "echo_pip", "main", "split_command"]


def _python_option(words: Sequence[str]) -> str | None:
    """A first reading of ``--python``; the CLI checks it against its own."""
    for i, word in enumerate(words):
        if word == "--":
            break
        if word == "--python":
            return words[i + 1] if i + 1 < len(words) else None
        if word.startswith("--python="):
            return word.split("=", 1)[1]
    return None


def early_pip(args: Sequence[str]) -> PipWorker | None:
    """pip's process for a vetting command, started now; None for other commands."""
    try:
        own_before, name, rest = split_command(args)
        command = COMMANDS.get(name)
        if command is None or not command.vets:
            return None
        python = target_python(_python_option(own_before + rest))
    except UsageError:
        return None  # the CLI reports it
    return PipWorker(python, echo_pip)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    pip = early_pip(args)
    try:
        from guard.cli import main as cli  # the heavy part, once pip is on its way

        return cli.main(args, pip)
    finally:
        if pip is not None:
            with contextlib.suppress(KeyboardInterrupt):  # the outcome stands as reported
                pip.cancel()


def run() -> NoReturn:
    """``safepip`` and ``python -m guard``: run the command and exit with its code."""
    try:
        code = main()
    except KeyboardInterrupt:  # between the CLI's own handler and here
        from guard.cli import main as cli

        code = cli.interrupted(cli.requested_format(sys.argv[1:]))
    if getattr(threading, "_shutdown", None) is None:  # no way to finish as it would
        sys.exit(code)
    os._exit(finish(code))


def finish(code: int) -> int:
    """What the interpreter does before it exits, short of freeing every object:
    wait for the threads still running (a background look-up writing the cache),
    run the ``atexit`` handlers, flush stdout and stderr. The exit code to use:
    ``code``, or 120 when stdout could not be flushed after a success (as Python
    does)."""
    # A Ctrl-C now leaves the run's outcome as it is; what a thread had not
    # written yet is written atomically or not at all.
    with contextlib.suppress(KeyboardInterrupt):
        threading._shutdown()  # type: ignore[attr-defined]  # joins threads, ends pools
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout and code == 0:
                code = 120
    return code
