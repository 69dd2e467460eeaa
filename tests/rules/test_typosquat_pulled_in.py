"""Typosquatting targets people who type a name (issue 15, item 3): a look-alike
the user did not ask for, that only established projects pull in, is a note; one
the user typed, or that a new project pulls in, still warns (or blocks)."""

from __future__ import annotations

from dataclasses import replace

from guard.models import Action, Candidate, Project
from guard.policy import model as policy
from guard.rules.base import Requirers
from guard.vet.judge import Judge
from guard.vet.model import Known
from tests.rules.test_rules_metadata import NOW, candidate, project

# Twelve releases over 400 days: an established project. Three young releases,
# or many releases within half a year: not.
LONG = tuple((f"1.{i}", 400 - 30 * i) for i in range(12))
YOUNG = (("2.0", 120), ("2.1", 60), ("2.2", 20))
BUSY = tuple((f"0.{i}", 180 - 15 * i) for i in range(12))

SDK = project("bigsdk", LONG)
NEWSDK = project("newsdk", YOUNG)
# Weak look-alikes of the popular httpx and httpcore (a digit added), young.
CLIENT = project("httpx2", YOUNG)
CORE = project("httpcore2", YOUNG)


def _cand(proj: Project, *requires: str, requested: bool = False) -> Candidate:
    return replace(candidate(proj), requires_dist=requires, requested=requested)


def _judge(*candidates: Candidate) -> dict[str, tuple[Action, str]]:
    """Each package's action and its typosquat message; the notes, under "notes"."""
    projects = [SDK, NEWSDK, CLIENT, CORE]
    known = Known({p.name: p for p in projects})
    verdict = Judge(policy.builtin(), NOW, {}).verdict(known, candidates, [])
    out = {}
    for package in verdict.packages:
        found = [j.finding.message for j in package.judged if j.finding.rule == "typosquat"]
        out[str(package.candidate.name)] = (package.action, found[0] if found else "")
    out["notes"] = (Action.IGNORE, "\n".join(verdict.notes))
    return out


def test_a_look_alike_only_established_projects_pull_in_is_a_note() -> None:
    got = _judge(
        _cand(SDK, "httpx2>=2", requested=True),
        _cand(CLIENT, "httpcore2==2.2; sys_platform != 'emscripten'"),
        _cand(CORE),
    )
    # httpcore2 is pulled in by httpx2 (young), which only bigsdk pulls in.
    assert got["httpx2"][0] is Action.IGNORE and got["httpcore2"][0] is Action.IGNORE
    notes = got["notes"][1]
    assert "httpx2 looks like the popular project httpx" in notes
    assert "httpcore2 looks like the popular project httpcore" in notes
    assert "you did not ask for it, and only established projects pull it in: bigsdk" in notes
    assert "did you mean" not in notes


def test_a_look_alike_the_user_asked_for_warns() -> None:
    got = _judge(_cand(SDK, "httpx2>=2", requested=True), _cand(CLIENT, requested=True))
    action, message = got["httpx2"]
    assert action is Action.WARN and "did you mean httpx?" in message


def test_a_look_alike_a_new_project_pulls_in_warns_even_beside_an_established_one() -> None:
    got = _judge(
        _cand(SDK, "httpx2", requested=True),
        _cand(NEWSDK, "httpx2", requested=True),
        _cand(CLIENT),
    )
    assert got["httpx2"][0] is Action.WARN
    # ... and through a chain: newsdk -> httpx2 -> httpcore2
    got = _judge(_cand(NEWSDK, "httpx2", requested=True), _cand(CLIENT, "httpcore2"), _cand(CORE))
    assert got["httpcore2"][0] is Action.WARN and got["httpx2"][0] is Action.WARN


def test_a_look_alike_nothing_known_pulls_in_warns() -> None:
    # judged without its whole set (e.g. before resolution), nobody is known to pull it in
    assert _judge(_cand(CLIENT))["httpx2"][0] is Action.WARN


def test_a_cycle_of_young_packages_is_not_established() -> None:
    got = _judge(_cand(CLIENT, "httpcore2"), _cand(CORE, "httpx2"))
    assert got["httpx2"][0] is Action.WARN and got["httpcore2"][0] is Action.WARN


def test_the_requirers_come_from_requires_dist_and_the_requested_flags() -> None:
    found = Requirers.of(
        [
            _cand(SDK, "httpx2[http2]>=2 ; python_version >= '3.8'", "not valid!", "bigsdk"),
            _cand(CLIENT, requested=True),
        ]
    )
    assert found.parents == {"httpx2": ("bigsdk",)}
    assert found.requested == {"httpx2"}


def test_many_releases_in_half_a_year_are_not_a_long_history() -> None:
    busy = project("busysdk", BUSY)
    known = Known({p.name: p for p in (busy, CLIENT)})
    candidates = [_cand(busy, "httpx2", requested=True), _cand(CLIENT)]
    verdict = Judge(policy.builtin(), NOW, {}).verdict(known, candidates, [])
    assert {str(p.candidate.name): p.action for p in verdict.packages}["httpx2"] is Action.WARN
