"""The team's policy: TOML loading, validation (every problem at once, each with
its file and key), discovery, and ``judge``, which turns findings into actions.

A policy file holds only what it changes: a rule it does not mention keeps the
rule's built-in action and thresholds (``policies/default.toml`` spells all of
them out). An invalid policy is an error, never a silent fallback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import platformdirs
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.analysis.typosquat import is_project_name
from guard.errors import PolicyError
from guard.models import Action, Candidate, Finding, Judged
from guard.rules import RULE_ERROR, RULES, by_id
from guard.rules.base import Rule, Threshold

POLICY_VERSION = 1
NETWORK_ERROR_CHOICES = ("block", "warn")
# Rules an allow-list entry waives only when it names them in its "rules":
# a tampered file or a broken rule is never excused by trusting a name.
NOT_WAIVED_BY_NAME = frozenset({"artifact-mismatch", RULE_ERROR, "denied"})
# Thresholds that list project names: each must be a valid one.
NAME_LISTS = frozenset({("typosquat", "protect")})


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
    thresholds: Mapping[str, Mapping[str, Threshold]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what loading said (a layer skipped, a cached copy used)

    def action(self, rule_id: str) -> Action:
        config = self.rules.get(rule_id)
        return config.action if config else Action.BLOCK

    def denied(self) -> dict[NormalizedName, tuple[tuple[str, str], ...]]:
        out: dict[NormalizedName, list[tuple[str, str]]] = {}
        for entry in self.deny:
            out.setdefault(entry.name, []).append((entry.version, entry.reason))
        return {name: tuple(items) for name, items in out.items()}


# --- loading and validation ---------------------------------------------------


def _check_threshold(
    where: str, key: str, value: object, default: Threshold, problems: list[str]
) -> Threshold | None:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        problems.append(f"{where}.{key}: must be true or false, not {value!r}")
        return None
    if isinstance(default, int | float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value < 0:
                problems.append(f"{where}.{key}: must not be negative")
                return None
            return value
        problems.append(f"{where}.{key}: must be a number, not {value!r}")
        return None
    if isinstance(default, tuple):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        problems.append(f"{where}.{key}: must be a list of strings")
        return None
    if isinstance(value, str):
        return value
    problems.append(f"{where}.{key}: must be a string")
    return None


def _entries(
    file: str, key: str, raw: object, problems: list[str], allow: bool, known_rules: set[str]
) -> list[ListEntry]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{file}: {key}: must be a list of tables ([[{key}]])")
        return []
    entries = []
    allowed_keys = {"name", "reason", "version", "expires"} | ({"rules"} if allow else set())
    for index, item in enumerate(raw):
        where = f"{file}: {key}[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a table with name and reason")
            continue
        for unknown in sorted(set(item) - allowed_keys):
            problems.append(
                f"{where}.{unknown}: unknown key (known: {', '.join(sorted(allowed_keys))})"
            )
        name = item.get("name")
        reason = item.get("reason")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}.name: required, a project name")
            continue
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{where}.reason: required: say why ({name})")
            continue
        version = item.get("version", "")
        if not isinstance(version, str):
            problems.append(f"{where}.version: must be a version specifier string")
            version = ""
        elif version:
            try:
                SpecifierSet(version)
            except InvalidSpecifier:
                problems.append(f"{where}.version: {version!r} is not a version specifier")
                continue
        expires_raw = item.get("expires")
        expires: date | None = None
        if isinstance(expires_raw, datetime):
            expires = expires_raw.date()
        elif isinstance(expires_raw, date):
            expires = expires_raw
        elif isinstance(expires_raw, str):
            try:
                expires = date.fromisoformat(expires_raw)
            except ValueError:
                problems.append(f"{where}.expires: {expires_raw!r} is not a date (YYYY-MM-DD)")
                continue
        elif expires_raw is not None:
            problems.append(f"{where}.expires: must be a date (YYYY-MM-DD)")
            continue
        rules_raw = item.get("rules", [])
        rules: frozenset[str] = frozenset()
        if not isinstance(rules_raw, list) or not all(isinstance(r, str) for r in rules_raw):
            problems.append(f"{where}.rules: must be a list of rule ids")
        else:
            for rule_id in rules_raw:
                if rule_id not in known_rules:
                    problems.append(f"{where}.rules: unknown rule {rule_id!r}")
            rules = frozenset(rules_raw)
        entries.append(ListEntry(canonicalize_name(name), reason.strip(), version, expires, rules))
    return entries


def from_mapping(data: Mapping[str, object], file: str, rules: Sequence[Rule] = RULES) -> Policy:
    """Validate a parsed policy; raise PolicyError listing every problem."""
    problems: list[str] = []
    registry = by_id(rules)
    known_top = {"version", "settings", "rules", "allow", "deny"}
    for key in sorted(set(data) - known_top):
        problems.append(f"{file}: {key}: unknown key (known: {', '.join(sorted(known_top))})")
    version = data.get("version", POLICY_VERSION)
    if version != POLICY_VERSION:
        problems.append(f"{file}: version: {version!r} is not supported (use {POLICY_VERSION})")

    settings = data.get("settings", {})
    pypi_url: str | None = None
    on_network_error = "block"
    if not isinstance(settings, dict):
        problems.append(f"{file}: settings: must be a table")
        settings = {}
    for key in sorted(set(settings) - {"pypi-url", "on-network-error"}):
        problems.append(f"{file}: settings.{key}: unknown key (known: on-network-error, pypi-url)")
    if "pypi-url" in settings:
        value = settings["pypi-url"]
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            pypi_url = value
        else:
            problems.append(f"{file}: settings.pypi-url: must be an http(s) URL")
    if "on-network-error" in settings:
        value = settings["on-network-error"]
        if value in NETWORK_ERROR_CHOICES:
            on_network_error = str(value)
        else:
            problems.append(
                f"{file}: settings.on-network-error: must be " + " or ".join(NETWORK_ERROR_CHOICES)
            )

    configs: dict[str, RuleConfig] = {
        rule.id: RuleConfig(rule.default_action, dict(rule.defaults)) for rule in rules
    }
    raw_rules = data.get("rules", {})
    if not isinstance(raw_rules, dict):
        problems.append(f"{file}: rules: must be a table of [rules.RULE-ID] tables")
        raw_rules = {}
    for rule_id, raw in raw_rules.items():
        where = f"{file}: rules.{rule_id}"
        if rule_id not in registry:
            problems.append(f"{where}: unknown rule (see `safepip rules`)")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a table")
            continue
        rule = registry[rule_id]
        action = configs[rule_id].action
        thresholds = dict(configs[rule_id].thresholds)
        for key, value in raw.items():
            if key == "action":
                try:
                    action = Action.parse(str(value))
                except KeyError:
                    problems.append(f"{where}.action: must be block, warn or ignore, not {value!r}")
            elif key in rule.defaults:
                checked = _check_threshold(where, key, value, rule.defaults[key], problems)
                if isinstance(checked, tuple) and (rule_id, key) in NAME_LISTS:
                    for bad in [n for n in checked if not is_project_name(n)]:
                        problems.append(f"{where}.{key}: {bad!r} is not a project name")
                if checked is not None:
                    thresholds[key] = checked
            else:
                known = ", ".join(["action", *sorted(rule.defaults)])
                problems.append(f"{where}.{key}: unknown key (known: {known})")
        configs[rule_id] = RuleConfig(action, thresholds)

    known_rules = set(registry) | {RULE_ERROR}
    allow = _entries(file, "allow", data.get("allow"), problems, True, known_rules)
    deny = _entries(file, "deny", data.get("deny"), problems, False, known_rules)
    if problems:
        raise PolicyError(problems)
    return Policy(
        source=file,
        rules=configs,
        allow=tuple(allow),
        deny=tuple(deny),
        pypi_url=pypi_url,
        on_network_error=on_network_error,
        thresholds={rule_id: config.thresholds for rule_id, config in configs.items()},
    )


def parse_toml(text: str, file: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"{file}: not valid TOML: {exc}"]) from exc


def builtin() -> Policy:
    """The built-in default: every rule's own action and thresholds.

    ``policies/default.toml`` spells the same policy out for people to read and
    copy; a test keeps the two equal.
    """
    return from_mapping({}, "built-in default")


def _has_tool_section(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "safepip" in tool


def discover(explicit: str | None, cwd: Path, env: Mapping[str, str] | None = None) -> Path | None:
    """The policy file that applies, or None for the built-in default.

    Order: --policy FILE, $SAFEPIP_POLICY, ./safepip.toml, [tool.safepip] in
    ./pyproject.toml, the user config dir, then the built-in default.
    """
    environ = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if environ.get("SAFEPIP_POLICY"):
        return Path(environ["SAFEPIP_POLICY"])
    local = cwd / "safepip.toml"
    if local.is_file():
        return local
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file() and _has_tool_section(pyproject):
        return pyproject
    user = Path(platformdirs.user_config_dir("safepip")) / "policy.toml"
    if user.is_file():
        return user
    return None


def load(explicit: str | None, cwd: Path, env: Mapping[str, str] | None = None) -> Policy:
    """The policy that applies, with every layer it extends (see guard.policy.layers)."""
    from guard.policy import layers  # noqa: PLC0415 - layers builds on this module

    path = discover(explicit, cwd, env)
    if path is None:
        return builtin()
    loaded, layered = layers.load(path)
    return replace(loaded, notes=layered.notes)


# --- judging -------------------------------------------------------------------


def judge(
    policy: Policy, candidate: Candidate, findings: Iterable[Finding], today: date
) -> tuple[list[Judged], list[str]]:
    """Give each finding its action; return them and notes (expired exceptions)."""
    notes: list[str] = []
    live: list[ListEntry] = []
    for entry in policy.allow:
        if not entry.matches(candidate.name, candidate.version):
            continue
        if entry.expired(today):
            notes.append(
                f"the allow-list exception for {entry.name} expired on {entry.expires} "
                "and no longer applies"
            )
        else:
            live.append(entry)
    judged: list[Judged] = []
    for finding in findings:
        action = finding.forced if finding.forced is not None else policy.action(finding.rule)
        if finding.weak:
            action = min(action, Action.WARN)
        waiver = ""
        if action is not Action.IGNORE:
            for entry in live:
                named = finding.rule in entry.rules
                if named or (not entry.rules and finding.rule not in NOT_WAIVED_BY_NAME):
                    waiver = entry.reason
                    break
        if waiver:
            action = Action.IGNORE
        judged.append(Judged(finding, action, waiver))
    return judged, notes
