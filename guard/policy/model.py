"""The team's policy in one import (``from guard.policy import model as policy``):
loading the policy that applies, validation, discovery and ``judge``.

The work is done in small modules: ``config`` (the values), ``validate``
(``from_mapping``: every problem at once, each with its file and key),
``entries`` (allow and deny lists), ``load`` (TOML text, one layer, the built-in
default), ``discover`` (which file applies), ``layers`` (``extends`` chains and
their merge) and ``decide`` (``judge``: findings to actions).

A policy file holds only what it changes: a rule it does not mention keeps the
rule's built-in action and thresholds (``policies/default.toml`` spells all of
them out). An invalid policy is an error, never a silent fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from guard.deadline import Deadline
from guard.policy import layers
from guard.policy.config import NETWORK_ERROR_CHOICES, POLICY_VERSION, ListEntry, Policy, RuleConfig
from guard.policy.decide import NOT_WAIVED_BY_NAME, judge
from guard.policy.discover import discover
from guard.policy.load import builtin, parse_toml
from guard.policy.validate import from_mapping

__all__ = [
    "NETWORK_ERROR_CHOICES",
    "NOT_WAIVED_BY_NAME",
    "POLICY_VERSION",
    "ListEntry",
    "Policy",
    "RuleConfig",
    "builtin",
    "discover",
    "from_mapping",
    "judge",
    "load",
    "parse_toml",
]


def load(
    explicit: str | None,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    deadline: Deadline | None = None,
) -> Policy:
    """The policy that applies, with every layer it extends (see guard.policy.layers);
    fetching a layer by URL stops when ``deadline`` passes."""
    path = discover(explicit, cwd, env)
    if path is None:
        return builtin()
    loaded, layered = layers.load(path, deadline=deadline)
    return replace(loaded, notes=layered.notes)
