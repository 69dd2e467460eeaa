"""What a rule is, and the context every rule is given.

A rule is a small object with a stable kebab-case ``id`` (the key the policy uses),
a one-line ``summary``, a ``rationale``, a default action and default thresholds,
and ``check(candidate, project, ctx)``, which yields findings. Rules do no I/O and
read the time only from ``ctx.now``, so tests control both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from packaging.utils import NormalizedName

from guard.models import Action, Candidate, Finding, Project

if TYPE_CHECKING:
    from guard.state.history import Seen

Threshold = int | float | str | bool | tuple[str, ...]


@dataclass(frozen=True)
class Context:
    """Everything a rule may look at besides the candidate and its project."""

    now: datetime  # timezone-aware UTC
    mode: str = "install"  # "install" (also check) or "audit"
    # Per-rule thresholds, already merged from rule defaults and the policy.
    thresholds: Mapping[str, Mapping[str, Threshold]] = field(default_factory=dict)
    # Every project looked up in this run, by canonical name (candidates and
    # any related projects a rule asked for, such as a typosquat's target).
    projects: Mapping[NormalizedName, Project] = field(default_factory=dict)
    # The policy's deny list: name -> ((version specifier or "", reason), ...).
    denied: Mapping[NormalizedName, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # Verified local copies of the candidates' artifacts, by file name: the exact
    # bytes that will be installed. A rule that needs an artifact's contents
    # reads it here; a missing entry means "not fetched" (say so, fail closed).
    artifacts: Mapping[str, Path] = field(default_factory=dict)
    # What safepip recorded of each project on earlier runs (guard.state.history.load()).
    history: Mapping[NormalizedName, Seen] = field(default_factory=dict)

    def threshold(self, rule_id: str, key: str, default: Threshold) -> Threshold:
        return self.thresholds.get(rule_id, {}).get(key, default)

    def flag(self, rule_id: str, key: str, default: bool) -> bool:
        value = self.threshold(rule_id, key, default)
        return value if isinstance(value, bool) else default

    def number(self, rule_id: str, key: str, default: float) -> float:
        value = self.threshold(rule_id, key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return default
        return float(value)


class Rule(Protocol):
    """The shape every rule has; see the module docstring."""

    id: str
    summary: str
    rationale: str
    default_action: Action
    defaults: Mapping[str, Threshold]
    # "install", "audit" or both: where the rule makes sense.
    modes: frozenset[str]

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterable[Finding]: ...


def days(delta: timedelta) -> str:
    """A short human age: '3 hours', '5 days'."""
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{max(hours, 0):.0f} hours"
    return f"{hours / 24:.0f} days"


class DescribedRule:
    """A rule whose findings are made elsewhere (the audit's local checks, the
    artifact scan): it only carries the id, texts, action and thresholds, so the
    policy can configure it and ``safepip rules`` lists it. ``check`` yields
    nothing."""

    id = ""
    summary = ""
    rationale = ""
    default_action = Action.BLOCK
    defaults: Mapping[str, Threshold] = {}
    modes: frozenset[str] = frozenset({"install"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        return iter(())
