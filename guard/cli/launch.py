"""The ``safepip`` entry point: start pip first, then load the rest.

For ``install`` and ``check``, safepip's pip process (guard.pip.worker) is
started before safepip imports its rules, HTTP client and data, so that pip's
start-up overlaps safepip's own; the CLI (guard.cli.main) then hands that process
its dry runs and, if vetting allows, the install. Every other command goes
straight to the CLI. Only light modules are imported before pip is started.
This module is the first half of the CLI: ``echo_pip`` is where pip's cleaned
output is printed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from guard.errors import UsageError
from guard.pip.worker import PipWorker, target_python

VET_COMMANDS = frozenset({"install", "check"})


def echo_pip(text: str) -> None:
    """Where pip's (already cleaned) output goes: stderr, as stdout is the report's."""
    sys.stderr.write(text)
    sys.stderr.flush()


def split_command(args: Sequence[str]) -> tuple[list[str], str, list[str]]:
    """safepip's options before the sub-command, the sub-command, and the rest."""
    own_before: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("--"):
        own_before.append(args[i])
        if "=" not in args[i] and args[i] != "--no-progress":
            own_before.append(args[i + 1] if i + 1 < len(args) else "")
            i += 1
        i += 1
    if i >= len(args):
        raise UsageError("no sub-command given (see safepip --help)")
    return own_before, args[i], list(args[i + 1 :])


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
        own_before, command, rest = split_command(args)
        if command not in VET_COMMANDS:
            return None
        python = target_python(_python_option(own_before + rest))
    except UsageError:
        return None  # the CLI reports it
    return PipWorker(python, echo_pip)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    pip = early_pip(args)
    try:
        from guard.cli import main as cli

        return cli.main(args, pip)
    finally:
        if pip is not None:
            pip.cancel()
