"""The table of sub-commands: name, help text, handler, and whether it vets.

One table serves dispatch (guard.cli.main), help, and the early start of pip
(guard.cli.launch: a command that vets wants pip started before the heavy
imports). This module stays light: each handler imports its command's module
only when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, TextIO

from guard.cli import helptext
from guard.errors import UsageError

if TYPE_CHECKING:
    from guard.pip.worker import PipWorker


# NamedTuple rather than a frozen dataclass: ``dataclasses`` imports ``inspect``,
# which this module, on the path that starts pip early, cannot afford.
class Invocation(NamedTuple):
    """One run of a sub-command: safepip's options before it, the words after it."""

    own_before: tuple[str, ...]
    rest: tuple[str, ...]
    pip: PipWorker | None  # started early for a command that vets, else None
    stdin: TextIO

    @property
    def words(self) -> list[str]:
        """The options before the sub-command, then the words after it."""
        return [*self.own_before, *self.rest]


Handler = Callable[[Invocation], int]


class Command(NamedTuple):
    """A sub-command: its name, its ``--help`` text, what runs it, and whether it vets."""

    name: str
    help: str
    run: Handler
    vets: bool = False  # install / check: pip is started early for it


def _install(run: Invocation) -> int:
    from guard.cli import vetting

    return vetting.vet_command(run.words, True, run.pip)


def _check(run: Invocation) -> int:
    from guard.cli import vetting

    return vetting.vet_command(run.words, False, run.pip)


def _audit(run: Invocation) -> int:
    from guard.cli import vetting

    return vetting.audit_command(run.words)


def _check_names(run: Invocation) -> int:
    from guard.cli import check_names

    return check_names.check_names_command(run.words, run.stdin)


def _scan(run: Invocation) -> int:
    from guard.cli import scan_files

    return scan_files.scan_command(run.words)


def _popular(run: Invocation) -> int:
    from guard.cli import popular_update

    return popular_update.popular_command(run.rest)


def _rules(run: Invocation) -> int:
    from guard.cli import rule_help

    return rule_help.rules_command()


def _explain(run: Invocation) -> int:
    from guard.cli import rule_help

    return rule_help.explain_command(run.rest)


def _policy(run: Invocation) -> int:
    from guard.cli import policy_files

    return policy_files.policy_command(run.words)


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("install", helptext.INSTALL, _install, vets=True),
        Command("check", helptext.CHECK, _check, vets=True),
        Command("audit", helptext.AUDIT, _audit),
        Command("check-names", helptext.CHECK_NAMES, _check_names),
        Command("scan", helptext.SCAN, _scan),
        Command("popular", helptext.POPULAR, _popular),
        Command("rules", helptext.RULES, _rules),
        Command("explain", helptext.EXPLAIN, _explain),
        Command("policy", helptext.POLICY, _policy),
    )
}


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
