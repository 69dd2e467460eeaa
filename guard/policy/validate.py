"""Validating a parsed policy: ``from_mapping`` turns the TOML tables into a
``Policy`` or raises PolicyError listing every problem at once, each with its
file and key.

A policy holds only what it changes: a rule it does not mention keeps the rule's
declared action and thresholds. Each threshold is checked against its rule's
declaration (``guard.rules.base.Param``): its kind (a bool is not a number, nor
a number a bool), its bounds (numbers are finite: ``nan`` and ``inf`` are
errors), and for lists of project names, each name (kept canonical). ``version``
is the integer 1, never ``true`` or ``1.0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name

from guard.analysis.typosquat import is_project_name
from guard.errors import PolicyError
from guard.models import Action
from guard.policy.config import NETWORK_ERROR_CHOICES, POLICY_VERSION, Policy, RuleConfig
from guard.policy.entries import NOT_A_NAME, read_entries
from guard.rules import RULE_ERROR, RULES
from guard.rules.base import Declaration, Param, Threshold

TOP_LEVEL_KEYS = frozenset({"version", "settings", "rules", "allow", "deny"})
SETTINGS_KEYS = frozenset({"pypi-url", "on-network-error", "osv-url"})


class BadValue(ValueError):
    """A threshold's value does not fit its declaration; each of ``problems``
    says how (a list of names may have several bad ones)."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _flag(param: Param, value: object) -> Threshold:
    if isinstance(value, bool):
        return value
    raise BadValue(f"must be true or false, not {value!r}")


def _number(param: Param, value: object) -> Threshold:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise BadValue(f"must be a number, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadValue(f"must be a finite number, not {value!r}")
    if value < param.minimum:
        raise BadValue(
            "must not be negative" if param.minimum == 0 else f"must be at least {param.minimum}"
        )
    if param.maximum is not None and value > param.maximum:
        raise BadValue(f"must be at most {param.maximum}")
    return value


def _strings(param: Param, value: object) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise BadValue("must be a list of strings")


def _names(param: Param, value: object) -> tuple[str, ...]:
    """A list of project names, each canonical (``Foo_Bar`` is ``foo-bar``)."""
    names = _strings(param, value)
    bad = [name for name in names if not is_project_name(name)]
    if bad:
        raise BadValue(*(f"{name!r} {NOT_A_NAME}" for name in bad))
    return tuple(canonicalize_name(name) for name in names)


def _string(param: Param, value: object) -> Threshold:
    if isinstance(value, str):
        return value
    raise BadValue("must be a string")


_CHECKS: Mapping[str, Callable[[Param, object], Threshold]] = {
    "bool": _flag,
    "int": _number,
    "float": _number,
    "strings": _strings,
    "names": _names,
    "str": _string,
}


def check_threshold(param: Param, value: object) -> Threshold:
    """``value`` as the threshold ``param`` declares; BadValue if it does not fit."""
    return _CHECKS[param.kind](param, value)


def _threshold(where: str, param: Param, value: object, problems: list[str]) -> Threshold | None:
    try:
        return check_threshold(param, value)
    except BadValue as exc:
        problems.extend(f"{where}.{param.key}: {problem}" for problem in exc.problems)
        return None


def _action(where: str, value: object, problems: list[str]) -> Action | None:
    if isinstance(value, str):
        try:
            return Action.parse(value)
        except KeyError:
            pass
    problems.append(f"{where}: must be block, warn or ignore, not {value!r}")
    return None


def _rule_config(
    where: str, rule: Declaration, raw: Mapping[str, object], problems: list[str]
) -> RuleConfig:
    """One ``[rules.ID]`` table over the rule's declared action and thresholds."""
    action = rule.default_action
    thresholds = dict(rule.defaults)
    params = {param.key: param for param in rule.params}
    for key, value in raw.items():
        if key == "action":
            parsed = _action(f"{where}.action", value, problems)
            action = action if parsed is None else parsed  # IGNORE is falsy
        elif key in params:
            checked = _threshold(where, params[key], value, problems)
            if checked is not None:
                thresholds[key] = checked
        else:
            known = ", ".join(["action", *sorted(params)])
            problems.append(f"{where}.{key}: unknown key (known: {known})")
    return RuleConfig(action, thresholds)


def _rule_configs(
    file: str, raw_rules: object, rules: Sequence[Declaration], problems: list[str]
) -> dict[str, RuleConfig]:
    registry = {rule.id: rule for rule in rules}
    configs = {rule.id: RuleConfig(rule.default_action, dict(rule.defaults)) for rule in rules}
    if not isinstance(raw_rules, dict):
        problems.append(f"{file}: rules: must be a table of [rules.RULE-ID] tables")
        return configs
    for rule_id, raw in raw_rules.items():
        where = f"{file}: rules.{rule_id}"
        if rule_id not in registry:
            problems.append(f"{where}: unknown rule (see `safepip rules`)")
        elif not isinstance(raw, dict):
            problems.append(f"{where}: must be a table")
        else:
            configs[rule_id] = _rule_config(where, registry[rule_id], raw, problems)
    return configs


def _is_http_url(value: str) -> bool:
    """An http(s) URL with a host, and no space or control character in it."""
    if not value.isprintable() or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket, a bad port
        return False


def _url_setting(
    file: str, settings: dict[str, object], key: str, problems: list[str]
) -> str | None:
    """A ``[settings]`` URL (``pypi-url``, ``osv-url``): absent, or an http(s) URL
    with a host."""
    if key not in settings:
        return None
    value = settings[key]
    if isinstance(value, str) and _is_http_url(value):
        return value
    problems.append(f"{file}: settings.{key}: must be an http(s) URL with a host, not {value!r}")
    return None


def _settings(
    file: str, settings: object, problems: list[str]
) -> tuple[str | None, str, str | None]:
    """``pypi-url``, ``on-network-error`` and ``osv-url`` of the ``[settings]`` table."""
    if not isinstance(settings, dict):
        problems.append(f"{file}: settings: must be a table")
        return None, "block", None
    for key in sorted(set(settings) - SETTINGS_KEYS):
        known = ", ".join(sorted(SETTINGS_KEYS))
        problems.append(f"{file}: settings.{key}: unknown key (known: {known})")
    pypi_url = _url_setting(file, settings, "pypi-url", problems)
    on_network_error = "block"
    if "on-network-error" in settings:
        value = settings["on-network-error"]
        if value in NETWORK_ERROR_CHOICES:
            on_network_error = str(value)
        else:
            choices = " or ".join(NETWORK_ERROR_CHOICES)
            problems.append(f"{file}: settings.on-network-error: must be {choices}")
    return pypi_url, on_network_error, _url_setting(file, settings, "osv-url", problems)


def _top_level(data: Mapping[str, object], file: str, problems: list[str]) -> None:
    for key in sorted(set(data) - TOP_LEVEL_KEYS):
        known = ", ".join(sorted(TOP_LEVEL_KEYS))
        problems.append(f"{file}: {key}: unknown key (known: {known})")
    version = data.get("version", POLICY_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        problems.append(f"{file}: version: must be the integer {POLICY_VERSION}, not {version!r}")
    elif version != POLICY_VERSION:
        problems.append(f"{file}: version: {version!r} is not supported (use {POLICY_VERSION})")


def from_mapping(
    data: Mapping[str, object], file: str, rules: Sequence[Declaration] = RULES
) -> Policy:
    """Validate a parsed policy; raise PolicyError listing every problem."""
    problems: list[str] = []
    _top_level(data, file, problems)
    pypi_url, on_network_error, osv_url = _settings(file, data.get("settings", {}), problems)
    configs = _rule_configs(file, data.get("rules", {}), rules, problems)
    known_rules = {rule.id for rule in rules} | {RULE_ERROR}
    allow = read_entries(file, "allow", data.get("allow"), problems, True, known_rules)
    deny = read_entries(file, "deny", data.get("deny"), problems, False, known_rules)
    if problems:
        raise PolicyError(problems)
    return Policy(
        source=file,
        rules=configs,
        allow=tuple(allow),
        deny=tuple(deny),
        pypi_url=pypi_url,
        on_network_error=on_network_error,
        osv_url=osv_url,
        thresholds={rule_id: config.thresholds for rule_id, config in configs.items()},
    )
