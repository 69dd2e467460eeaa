"""The ``safepip`` entry point: start pip first, then load the rest.

For a command that vets (``install``, ``check``: see guard.cli.commands),
safepip's pip process (guard.pip.worker) is started before safepip imports its
rules, HTTP client and data, so that pip's start-up overlaps safepip's own; the
CLI (guard.cli.main) then hands that process its dry runs and, if vetting
allows, the install. Every other command goes straight to the CLI. Only light
modules are imported before pip is started.
"""

from __future__ import annotations

import sys
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
            pip.cancel()


def run() -> NoReturn:
    """``python -m guard``: run the command and exit with its code."""
    sys.exit(main())
