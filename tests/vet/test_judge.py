"""Judging: a failed look-up is a network-error finding, not a rule run; the notes
start with the run's and gain the policy's; findings made elsewhere are added."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.models import Action, Candidate, Finding, Source
from guard.policy import model as policy
from guard.vet.judge import NETWORK_ERROR, Judge, blocks
from guard.vet.model import Known
from tests.vet.fakes import NOW, established, wheel

DEMO = canonicalize_name("demo")


def candidate(version: str = "1.0") -> Candidate:
    w = wheel("demo", version)
    return Candidate(DEMO, Version(version), Source.INDEX, w.url, w.filename, w.info.sha256)


def test_a_failed_look_up_is_a_warning_not_a_rule_run() -> None:
    verdict = Judge(policy.builtin(), NOW, {}).verdict(
        Known({DEMO: None}, {DEMO: "HTTP 503"}), [candidate()], ["run note"]
    )
    [package] = verdict.packages
    assert [(j.finding.rule, j.action) for j in package.judged] == [(NETWORK_ERROR, Action.WARN)]
    assert "HTTP 503" in package.judged[0].finding.message
    assert verdict.notes == ("run note",)


def test_extra_findings_are_judged_with_the_rules_and_the_policy_adds_notes() -> None:
    expired = policy.ListEntry(DEMO, reason="ok", expires=NOW.date() - timedelta(days=1))
    pol = replace(policy.builtin(), allow=(expired,))
    known = Known({DEMO: established(wheel("demo", "1.0"))})
    extra = Finding("pth-code", "runs code at start-up")
    verdict = Judge(pol, NOW, {}).verdict(known, [candidate()], ["run note"], extra=[[extra]])
    [package] = verdict.packages
    assert package.judged[-1].finding == extra and package.judged[-1].action is Action.BLOCK
    assert blocks(verdict)
    assert verdict.notes[0] == "run note"
    assert "expired" in verdict.notes[1] and len(verdict.notes) == 2
