"""``safepip rules`` and ``safepip explain RULE``: what each rule does, from its own texts."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from guard.cli.exits import EXIT_OK
from guard.pip.args import UsageParser
from guard.policy.tools import toml_literal
from guard.rules import RULES, by_id
from guard.rules.base import Declaration


def rules_command() -> int:
    for rule in RULES:
        thresholds = ", ".join(f"{k}={v}" for k, v in rule.defaults.items())
        sys.stdout.write(f"{rule.id}  [{rule.default_action.label}]  {rule.summary}\n")
        if thresholds:
            sys.stdout.write(f"    thresholds: {thresholds}\n")
        sys.stdout.write(f"    why: {rule.rationale}\n")
    return EXIT_OK


def explain_command(argv: Sequence[str]) -> int:
    registry = by_id()
    known = ", ".join(sorted(registry))
    parser = UsageParser(f"usage: safepip explain RULE (one of: {known})")
    parser.add_argument("rule", choices=sorted(registry))
    sys.stdout.write(_explanation(registry[parser.parse(argv).rule]))
    return EXIT_OK


def _explanation(rule: Declaration) -> str:
    """A rule in full: summary, default action, thresholds, rationale, and how to waive it."""
    text = f"{rule.id}: {rule.summary}\n\nDefault action: {rule.default_action.label}\n"
    if rule.defaults:
        text += "Thresholds (set them under [rules." + rule.id + "]):\n"
        text += "".join(
            f"  {key} = {toml_literal(value)}\n" for key, value in rule.defaults.items()
        )
    text += f"\nWhy: {rule.rationale}\n"
    long_help = getattr(rule, "explain", "")
    if isinstance(long_help, str) and long_help.strip():
        text += "\n" + long_help.strip() + "\n"
    return text + (
        "\nTo waive it for one project, allow-list it with a reason:\n"
        f'  [[allow]]\n  name = "PROJECT"\n  reason = "why"\n  rules = ["{rule.id}"]\n'
    )
