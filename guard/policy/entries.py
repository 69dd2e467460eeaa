"""Validating the ``[[allow]]`` and ``[[deny]]`` lists of a policy: each entry's
name, reason, version specifier, expiry date and (allow only) waived rules.
Every problem is reported, each with its file and key.

A name must be a valid project name (PEP 508) as written: ``"requests "`` is an
error, not silently stripped, and no entry can hold a name that never matches.
Names are kept canonical (``Foo_Bar`` is ``foo-bar``), as candidates' names are."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date, datetime

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from guard.analysis.typosquat import is_project_name
from guard.policy.config import ListEntry

NOT_A_NAME = (
    "is not a project name (ASCII letters and digits, with '.', '_' or '-' "
    "only inside; no spaces around it)"
)


class _Skip(Exception):
    """The entry is unusable; its problem is already recorded."""


@dataclass(frozen=True)
class _Reader:
    """Reads the entries of one list; problems go to ``problems``."""

    file: str
    key: str
    allow: bool
    known_rules: Set[str]
    problems: list[str]

    def entries(self, raw: object) -> list[ListEntry]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problems.append(
                f"{self.file}: {self.key}: must be a list of tables ([[{self.key}]])"
            )
            return []
        entries = []
        for index, item in enumerate(raw):
            try:
                entries.append(self.entry(f"{self.file}: {self.key}[{index}]", item))
            except _Skip:
                continue
        return entries

    def entry(self, where: str, item: object) -> ListEntry:
        if not isinstance(item, dict):
            raise self._skip(f"{where}: must be a table with name and reason")
        allowed = {"name", "reason", "version", "expires"} | ({"rules"} if self.allow else set())
        for unknown in sorted(set(item) - allowed):
            self.problems.append(
                f"{where}.{unknown}: unknown key (known: {', '.join(sorted(allowed))})"
            )
        name, reason = item.get("name"), item.get("reason")
        if not isinstance(name, str) or not name.strip():
            raise self._skip(f"{where}.name: required, a project name")
        if not is_project_name(name):
            raise self._skip(f"{where}.name: {name!r} {NOT_A_NAME}")
        if not isinstance(reason, str) or not reason.strip():
            raise self._skip(f"{where}.reason: required: say why ({name})")
        version = self._version(where, item.get("version", ""))
        expires = self._expires(where, item.get("expires"))
        rules = self._rules(where, item.get("rules", []))
        return ListEntry(canonicalize_name(name), reason.strip(), version, expires, rules)

    def _skip(self, problem: str) -> _Skip:
        self.problems.append(problem)
        return _Skip(problem)

    def _version(self, where: str, version: object) -> str:
        if not isinstance(version, str):
            self.problems.append(f"{where}.version: must be a version specifier string")
            return ""
        if version:
            try:
                SpecifierSet(version)
            except InvalidSpecifier as exc:
                problem = f"{where}.version: {version!r} is not a version specifier"
                raise self._skip(problem) from exc
        return version

    def _expires(self, where: str, raw: object) -> date | None:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError as exc:
                problem = f"{where}.expires: {raw!r} is not a date (YYYY-MM-DD)"
                raise self._skip(problem) from exc
        if raw is not None:
            raise self._skip(f"{where}.expires: must be a date (YYYY-MM-DD)")
        return None

    def _rules(self, where: str, raw: object) -> frozenset[str]:
        if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
            self.problems.append(f"{where}.rules: must be a list of rule ids")
            return frozenset()
        for rule_id in raw:
            if rule_id not in self.known_rules:
                self.problems.append(f"{where}.rules: unknown rule {rule_id!r}")
        return frozenset(raw)


def read_entries(
    file: str, key: str, raw: object, problems: list[str], allow: bool, known_rules: Set[str]
) -> list[ListEntry]:
    """The valid entries of the ``key`` list ("allow" or "deny"); every problem
    of the others (and of the valid ones) is appended to ``problems``."""
    return _Reader(file, key, allow, known_rules, problems).entries(raw)
