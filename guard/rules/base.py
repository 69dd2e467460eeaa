"""What a rule is, what a finding kind is, and the context every rule is given.

Each rule and each finding kind declares everything about itself in one place:
a stable kebab-case ``id`` (the key the policy uses), a one-line ``summary``, a
``rationale``, a default action, and each threshold as a ``Param`` (type,
default, which direction is stricter). Policy validation, layering,
``safepip rules`` and ``safepip explain`` all read these declarations.

A *rule* also has ``check(candidate, project, ctx)``, which yields findings.
Rules do no I/O and read the time only from ``ctx.now``, so tests control both.
A *finding kind* (``FindingKind``) describes findings an analysis makes
elsewhere (the artifact scan, the audit's local checks): the policy configures
it like a rule, but the rule engine has nothing to run for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, Protocol

from packaging.utils import NormalizedName

from guard.models import Action, Advisories, Candidate, Finding, Project, Provenances

if TYPE_CHECKING:
    from guard.analysis.scan import ScanResult
    from guard.state.history import Seen

Threshold = int | float | str | bool | tuple[str, ...]
# What a threshold holds: a number, a flag, a string, a list of strings, or a
# list of project names (each must be a valid one).
ParamKind = Literal["int", "float", "bool", "str", "strings", "names"]
# Which way a later policy layer tightens a threshold: a higher or lower number
# (for a flag, "higher" means true is stricter and "lower" false), more or fewer
# list items. None: no known direction, so a later layer may not change it
# unless the team allows loosening (fail closed).
Stricter = Literal["higher", "lower", "more", "fewer"]

# The upper bounds rules declare on their numbers (``Param.maximum``): a policy
# may be strict, but not absurd (no project is a century old, and far larger day
# counts overflow date arithmetic).
MAX_DAYS = 36_500
MAX_SCORE = 1_000
MAX_COUNT = 1_000_000
MAX_SECONDS = 3_600


@dataclass(frozen=True)
class Param:
    """One threshold a rule or finding kind declares.

    A number ("int" or "float") must be finite and within ``minimum`` and
    ``maximum``: a policy's ``nan``, ``inf`` or ``1e15`` is an error, never a
    threshold that silently disarms a rule or crashes it. Every rule declares its
    numbers' maximum (days at most 36500, scores at most 1000, counts at most
    1e6; ``tests/policy/test_hostile_policies.py`` keeps it so).
    """

    key: str
    default: Threshold
    kind: ParamKind
    stricter: Stricter | None = None
    doc: str = ""
    minimum: float = 0  # numbers only
    maximum: float | None = None  # numbers only; None: any finite number


def defaults_of(params: Iterable[Param]) -> Mapping[str, Threshold]:
    """The declared defaults, by key, in declaration order."""
    return MappingProxyType({param.key: param.default for param in params})


class Declaration(Protocol):
    """What the policy can configure: a rule or a finding kind."""

    @property
    def id(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def rationale(self) -> str: ...
    @property
    def default_action(self) -> Action: ...
    @property
    def params(self) -> tuple[Param, ...]: ...
    @property
    def defaults(self) -> Mapping[str, Threshold]: ...
    # "install", "audit" or both: where it makes sense.
    @property
    def modes(self) -> frozenset[str]: ...
    # False: an allow-list entry waives it only when it names it in its "rules"
    # (a tampered file or a denied name is never excused by trusting a name).
    @property
    def waived_by_name(self) -> bool: ...


class Declares(Protocol):
    """Enough of a declaration to read its thresholds (a rule, its class, a kind)."""

    @property
    def id(self) -> str: ...
    @property
    def params(self) -> tuple[Param, ...]: ...


def param_of(declaration: Declares, key: str) -> Param:
    """The declared ``Param`` named ``key``; KeyError if there is none."""
    for param in declaration.params:
        if param.key == key:
            return param
    raise KeyError(f"{declaration.id} declares no threshold {key!r}")


class Rule(Declaration, Protocol):
    """A declaration the rule engine runs; see the module docstring."""

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterable[Finding]: ...


class RuleBase:
    """The declaration defaults rule classes inherit: no thresholds, install only,
    block, waived by a name's allow-list entry. ``defaults`` derives from ``params``."""

    id = ""
    summary = ""
    rationale = ""
    default_action = Action.BLOCK
    params: tuple[Param, ...] = ()
    modes: frozenset[str] = frozenset({"install"})
    waived_by_name = True

    @property
    def defaults(self) -> Mapping[str, Threshold]:
        return defaults_of(self.params)


@dataclass(frozen=True)
class FindingKind:
    """Findings an analysis makes outside the rule engine (the artifact scan, the
    audit's local checks), declared like a rule so the policy can configure them
    and ``safepip rules`` lists them."""

    id: str
    summary: str
    rationale: str
    default_action: Action = Action.BLOCK
    params: tuple[Param, ...] = ()
    modes: frozenset[str] = frozenset({"install"})
    waived_by_name: bool = True
    explain: str = ""

    @property
    def defaults(self) -> Mapping[str, Threshold]:
        return defaults_of(self.params)


@dataclass(frozen=True)
class ScanSettings:
    """The thresholds a scan ran with (``install-time-code``'s): its result depends on them."""

    block_score: float
    warn_score: float
    budget: float  # seconds


@dataclass(frozen=True)
class Scanned:
    """An artifact's scan made before the rules ran (``guard.vet.judge``): its
    result, or why there is none (the scan failed; the rule then fails, which blocks)."""

    settings: ScanSettings
    result: ScanResult | None
    error: str = ""


@dataclass(frozen=True)
class Requirers:
    """Who pulls each package of a run in: the other candidates whose declared
    requirements (``requires_dist``, any marker) name it, and which packages the
    user asked for. Empty when the run judges packages without their whole set."""

    parents: Mapping[NormalizedName, tuple[NormalizedName, ...]] = field(default_factory=dict)
    requested: frozenset[NormalizedName] = frozenset()

    @classmethod
    def of(cls, candidates: Sequence[Candidate]) -> Requirers:
        present = {c.name for c in candidates}
        parents: dict[NormalizedName, list[NormalizedName]] = {}
        for c in candidates:
            for child, _ in c.required():
                known = parents.setdefault(child, [])
                if child in present and child != c.name and c.name not in known:
                    known.append(c.name)
        return cls(
            {name: tuple(found) for name, found in parents.items() if found},
            frozenset(c.name for c in candidates if c.requested),
        )


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
    # Scans of those artifacts already made (by file name), with the settings they
    # ran with; a rule uses one only when its own settings are the same.
    scans: Mapping[str, Scanned] = field(default_factory=dict)
    # What safepip recorded of each project on earlier runs (guard.state.history.load()).
    history: Mapping[NormalizedName, Seen] = field(default_factory=dict)
    # What the advisory database (OSV) said of the candidates' releases; None
    # when the run did not ask it.
    advisories: Advisories | None = None
    # What the index said of who published the candidates' files (PEP 740); None
    # when the run did not ask it.
    provenance: Provenances | None = None
    # Who pulls each candidate in, and what the user asked for (the whole set's).
    requirers: Requirers = field(default_factory=Requirers)

    def threshold(
        self, rule: Declares | str, key: str, default: Threshold | None = None
    ) -> Threshold:
        """The policy's value of a threshold, else its declared default.

        ``rule`` is the declaring rule (or its class); the older form, a rule id
        and an explicit ``default``, still works.
        """
        fallback = _fallback(rule, key, default)
        rule_id = rule if isinstance(rule, str) else rule.id
        return self.thresholds.get(rule_id, {}).get(key, fallback)

    def flag(self, rule: Declares | str, key: str, default: bool | None = None) -> bool:
        fallback = _fallback(rule, key, default)
        value = self.threshold(rule, key, fallback)
        return value if isinstance(value, bool) else bool(fallback)

    def number(self, rule: Declares | str, key: str, default: float | None = None) -> float:
        """A numeric threshold as a float; a malformed or non-finite value (which
        policy validation rejects) reads as the default, never as nan or inf."""
        fallback = _fallback(rule, key, default)
        value = self.threshold(rule, key, fallback)
        for number in (value, fallback):  # a malformed value: the default
            finite = _finite(number)
            if finite is not None:
                return finite
        raise TypeError(f"{key} is declared, but not as a finite number")


def _finite(value: object) -> float | None:
    """``value`` as a finite float; None for a bool, a non-number, nan or inf."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def _fallback(rule: Declares | str, key: str, default: Threshold | None) -> Threshold:
    if default is not None:
        return default
    if isinstance(rule, str):
        raise TypeError(f"a default is needed for {rule}.{key} without its declaration")
    return param_of(rule, key).default


def days(delta: timedelta) -> str:
    """A short human age, never rounded up: '3 hours' under two days, else days
    with one decimal under ten ('6.5 days') and whole days from there ('800 days')."""
    hours = max(delta.total_seconds() / 3600, 0)
    if hours < 48:
        return f"{math.floor(hours)} hours"
    if hours < 240:
        return f"{math.floor(hours / 2.4) / 10:.1f} days"
    return f"{math.floor(hours / 24)} days"


def long_history(project: Project, ctx: Context, rule: Declares) -> str:
    """ "N releases since YEAR" when the project has at least the
    ``established-releases`` releases and ``established-days`` of history that
    ``rule`` declares, else ""."""
    first = project.first_upload
    count = len(project.releases)
    if first is None or count < ctx.number(rule, "established-releases"):
        return ""
    if ctx.now - first < timedelta(days=ctx.number(rule, "established-days")):
        return ""
    return f"{count} releases since {first:%Y}"
