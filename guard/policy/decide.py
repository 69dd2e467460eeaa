"""Judging: the policy gives each finding its action (``judge``).

An allow-list entry that matches the candidate waives its findings, except
those of rules declared ``waived_by_name = False`` (a tampered file, a denied
name) and rule errors, which it waives only when it names them in its "rules".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from guard.models import Action, Candidate, Finding, Judged
from guard.policy.config import ListEntry, Policy
from guard.rules import RULE_ERROR, RULES
from guard.rules.base import Declaration


def not_waived_by_name(rules: Sequence[Declaration] = RULES) -> frozenset[str]:
    """The ids an allow entry waives only by naming them: a broken rule, and
    every rule declared ``waived_by_name = False``."""
    return frozenset({RULE_ERROR, *(rule.id for rule in rules if not rule.waived_by_name)})


NOT_WAIVED_BY_NAME = not_waived_by_name()


def _live_entries(
    policy: Policy, candidate: Candidate, today: date
) -> tuple[list[ListEntry], list[str]]:
    """The allow entries that match the candidate and have not expired, and a
    note for each that matched but expired."""
    live: list[ListEntry] = []
    notes: list[str] = []
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
    return live, notes


def _waiver(finding: Finding, live: Sequence[ListEntry]) -> str:
    """The reason of the first live entry that waives ``finding``, or ''."""
    for entry in live:
        if finding.rule in entry.rules:
            return entry.reason
        if not entry.rules and finding.rule not in NOT_WAIVED_BY_NAME:
            return entry.reason
    return ""


def _judge_one(policy: Policy, finding: Finding, live: Sequence[ListEntry]) -> Judged:
    action = finding.forced if finding.forced is not None else policy.action(finding.rule)
    if finding.weak:
        action = min(action, Action.WARN)
    waiver = _waiver(finding, live) if action is not Action.IGNORE else ""
    return Judged(finding, Action.IGNORE if waiver else action, waiver)


def _as_notes(judged: list[Judged]) -> tuple[list[Judged], list[str]]:
    """Note findings the policy warns on become notes, unless another finding of
    the package acts (then something else is off, and they warn as declared)."""
    if any(j.action is not Action.IGNORE for j in judged if not j.finding.note):
        return judged, []
    kept: list[Judged] = []
    notes: list[str] = []
    for j in judged:
        if j.finding.note and j.action is Action.WARN:
            kept.append(Judged(j.finding, Action.IGNORE))
            notes.append(j.finding.message)
        else:
            kept.append(j)
    return kept, notes


def judge(
    policy: Policy, candidate: Candidate, findings: Iterable[Finding], today: date
) -> tuple[list[Judged], list[str]]:
    """Give each finding its action; return them and notes (expired exceptions,
    and note findings that nothing else about the package joins)."""
    live, notes = _live_entries(policy, candidate, today)
    judged, more = _as_notes([_judge_one(policy, finding, live) for finding in findings])
    return judged, notes + more
