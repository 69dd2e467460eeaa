"""``safepip policy validate | show | init``: check, show and start policy files."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from guard.cli.exits import EXIT_ERROR, EXIT_OK
from guard.errors import UsageError
from guard.pip.args import UsageParser, add_own_options, own_options
from guard.policy import layers
from guard.policy import model as policy
from guard.policy import tools as policy_tools
from guard.report.sanitize import clean

USAGE = "usage: safepip policy validate [FILE...] | show [--policy FILE] | init [FILE] [--force]"


def _validate_parser() -> UsageParser:
    parser = UsageParser(USAGE)
    parser.add_argument("files", nargs="*")
    return parser


def _init_parser() -> UsageParser:
    parser = UsageParser(USAGE)
    parser.add_argument("file", nargs="?", default="safepip.toml")
    parser.add_argument("--force", action="store_true")
    return parser


def _validate(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files] or [_discovered_policy_file()]
    problems = policy_tools.validate_files(files)
    for problem in problems:
        sys.stdout.write(f"{clean(problem, 2000)}\n")
    if problems:
        return EXIT_ERROR
    sys.stdout.write(f"valid: {', '.join(str(f) for f in files)}\n")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    explicit = own_options(args).get("policy")
    path = policy.discover(explicit if isinstance(explicit, str) else None, Path.cwd())
    layered = layers.merge([]) if path is None else layers.resolve_layers(path)
    sys.stdout.write(policy_tools.show(layered))
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    target = Path(args.file)
    policy_tools.init_file(target, force=args.force)
    sys.stdout.write(
        f"wrote {target}: a starter policy; edit it, then run safepip policy validate\n"
    )
    return EXIT_OK


_Action = Callable[[argparse.Namespace], int]
ACTIONS: dict[str, tuple[UsageParser, _Action]] = {
    "validate": (_validate_parser(), _validate),
    "show": (add_own_options(UsageParser(USAGE)), _show),
    "init": (_init_parser(), _init),
}


def policy_command(argv: Sequence[str]) -> int:
    if not argv or argv[0] not in ACTIONS:
        raise UsageError(USAGE)
    parser, action = ACTIONS[argv[0]]
    return action(parser.parse(argv[1:]))


def _discovered_policy_file() -> Path:
    path = policy.discover(None, Path.cwd())
    if path is None:
        raise UsageError("no policy file found here; name one: safepip policy validate FILE")
    return path
