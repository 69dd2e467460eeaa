"""``safepip check-names NAME... | -``: judge project names alone, offline."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from guard.analysis import typosquat
from guard.cli.common import load_policy, report_format, run_deadline
from guard.cli.exits import EXIT_BLOCKED, EXIT_ERROR, EXIT_OK
from guard.errors import UsageError
from guard.pip.args import UsageParser, add_own_options, own_options
from guard.report.sanitize import clean
from guard.rules.base import Context
from guard.rules.typosquat import RULE as TYPOSQUAT
from guard.rules.typosquat import protected

USAGE = "usage: safepip check-names NAME... | - [--format json] [--policy FILE] [--verbose]"

_PARSER = add_own_options(UsageParser(USAGE))
_PARSER.add_argument("-v", "--verbose", action="store_true")


def check_names_command(argv: Sequence[str], stdin: TextIO) -> int:
    namespace, names = _PARSER.parse_known(argv)
    own = own_options(namespace)
    fmt = report_format(own)
    names = _names(names, stdin)
    # The policy's thresholds and protected names, as install and audit use them.
    thresholds = load_policy(own, run_deadline(own)).thresholds
    detector = typosquat.detector_for(protected(thresholds))
    config = TYPOSQUAT.config(Context(now=datetime.now(UTC), thresholds=thresholds))
    results = typosquat.check_names(names, detector, config, near=3 if namespace.verbose else 0)
    if fmt == "json":
        sys.stdout.write(json.dumps([r.to_json() for r in results], indent=2) + "\n")
    else:
        sys.stdout.write("".join(_text(r, config, namespace.verbose) for r in results))
    return _exit_code(results)


def _names(words: list[str], stdin: TextIO) -> list[str]:
    """The names to judge: the words, or the lines of stdin for ``-``."""
    names = [line.strip() for line in stdin if line.strip()] if words == ["-"] else words
    if not names or any(n.startswith("-") for n in names):
        raise UsageError(USAGE)
    return names


def _exit_code(results: Sequence[typosquat.NameResult]) -> int:
    if not all(r.valid for r in results):
        return EXIT_ERROR  # a name it could not judge: the answer is incomplete
    return EXIT_BLOCKED if any(r.strong for r in results) else EXIT_OK


def _text(r: typosquat.NameResult, config: typosquat.Config, verbose: bool) -> str:
    """The lines for one name: its judgement, and with ``verbose`` every match's score."""
    name = clean(r.name, 200)
    if not r.valid:
        return f"{name}: not a valid project name (letters, digits, . _ -)\n"
    if not r.matches:
        line = f"{name}: ok\n"
    else:
        best = r.matches[0]
        level = "LOOK-ALIKE" if r.strong else "similar"
        line = (
            f"{name}: {level} of {best.describe()}, {best.transformation}: "
            f"did you mean {best.target}?\n"
        )
    if not verbose:
        return line
    line += _match_lines(r.matches, config)
    if r.near:
        line += f"  below the warn line ({config.weak_score:.1f}):\n"
        line += _match_lines(r.near, config)
    return line


def _match_lines(matches: Sequence[typosquat.Match], config: typosquat.Config) -> str:
    """One indented line per match, with its score (``check-names --verbose``)."""
    lines = []
    for m in matches:
        how = " + ".join(m.transformations)
        level = "blocks" if m.strong else "warns" if m.score >= config.weak_score else "no flag"
        line = f"{m.target} (rank {m.target_rank}, {m.origin}): {how}, {m.detail}"
        lines.append(f"  - {clean(line, 400)}; score {m.score:.2f}: {level}\n")
    return "".join(lines)
