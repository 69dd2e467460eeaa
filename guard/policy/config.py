"""What a loaded policy is: frozen values, and the accessors the rest of safepip
reads it through (a rule's action, a threshold, the deny list)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

from guard.models import Action
from guard.rules import by_id
from guard.rules.base import Threshold, param_of

POLICY_VERSION = 1
NETWORK_ERROR_CHOICES = ("block", "warn")


@dataclass(frozen=True)
class ListEntry:
    """One allow- or deny-list entry."""

    name: NormalizedName
    reason: str
    version: str = ""  # a PEP 440 specifier, or "" for every version
    expires: date | None = None
    rules: frozenset[str] = frozenset()  # allow entries: the rules waived ("" = all)

    def matches(self, name: NormalizedName, version: Version) -> bool:
        if name != self.name:
            return False
        return not self.version or SpecifierSet(self.version).contains(version, prereleases=True)

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires


@dataclass(frozen=True)
class RuleConfig:
    action: Action
    thresholds: Mapping[str, Threshold]


@dataclass(frozen=True)
class Policy:
    source: str  # where it came from: a path, or "built-in default"
    rules: Mapping[str, RuleConfig]
    allow: tuple[ListEntry, ...] = ()
    deny: tuple[ListEntry, ...] = ()
    pypi_url: str | None = None
    on_network_error: str = "block"
    osv_url: str | None = None
    thresholds: Mapping[str, Mapping[str, Threshold]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what loading said (a layer skipped, a cached copy used)

    def action(self, rule_id: str) -> Action:
        config = self.rules.get(rule_id)
        return config.action if config else Action.BLOCK

    def threshold(self, rule_id: str, key: str) -> Threshold:
        """A threshold's value: the policy's, else the one its rule declares
        (KeyError for a rule or key nobody declares)."""
        value = self.thresholds.get(rule_id, {}).get(key)
        if value is not None:
            return value
        return param_of(by_id()[rule_id], key).default

    def number(self, rule_id: str, key: str) -> float:
        """A numeric threshold (``threshold``) as a float, e.g.
        ``policy.number("new-release", "min-age-days")``."""
        value = self.threshold(rule_id, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{rule_id}.{key} is not a number: {value!r}")
        return float(value)

    def denied(self) -> dict[NormalizedName, tuple[tuple[str, str], ...]]:
        out: dict[NormalizedName, list[tuple[str, str]]] = {}
        for entry in self.deny:
            out.setdefault(entry.name, []).append((entry.version, entry.reason))
        return {name: tuple(items) for name, items in out.items()}
