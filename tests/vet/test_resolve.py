"""Resolution with pre-vetting, over a scripted pip: the cut-off, what a missing
requirement leads to, and the notes it leaves."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from guard.errors import ResolveError
from guard.models import Action
from guard.pip.worker import Captured
from guard.policy import model as policy
from guard.vet.model import Ledger
from guard.vet.resolve import NO_UPLOAD_TIMES, cutoff_for, resolve
from guard.vet.tools import Tools
from tests.vet.fakes import (
    NOW,
    Dist,
    FakeFetch,
    FakeIndex,
    FakePip,
    established,
    make_tools,
    not_found,
    report,
    sdist,
    wheel,
)

NO_UPLOAD_TIME = (1, "", "ERROR: the index does not provide upload-time metadata\n")


def test_the_cut_off_follows_new_release() -> None:
    pol = policy.builtin()
    assert cutoff_for(pol, NOW) == NOW - timedelta(days=7)
    ignored = replace(pol.rules["new-release"], action=Action.IGNORE)
    assert cutoff_for(replace(pol, rules={**pol.rules, "new-release": ignored}), NOW) is None


def test_without_upload_times_the_cut_off_is_dropped_with_a_note(tmp_path: Path) -> None:
    demo = wheel("demo", "1.0")
    pip = FakePip([NO_UPLOAD_TIME, report(demo)])
    tools = make_tools(tmp_path, FakeIndex([]), pip, FakeFetch(tmp_path), ["demo"])
    resolved = resolve(tools, Ledger(notes=("from the policy",)))
    assert [c.name for c in resolved.candidates] == ["demo"] and resolved.blocked is None
    assert resolved.ledger.notes == ("from the policy", NO_UPLOAD_TIMES)
    assert "--uploaded-prior-to" in pip.calls[0]
    assert "--uploaded-prior-to" not in pip.calls[1]


def with_action(rule: str, action: Action) -> policy.Policy:
    pol = policy.builtin()
    return replace(pol, rules={**pol.rules, rule: replace(pol.rules[rule], action=action)})


def test_a_release_newer_than_the_cut_off_is_judged_before_pip_may_take_it(
    tmp_path: Path,
) -> None:
    new = wheel("demo", "2.0", NOW - timedelta(days=1))
    pip = FakePip([not_found("demo>=2")])
    tools = make_tools(
        tmp_path, FakeIndex([established(new)]), pip, FakeFetch(tmp_path), ["demo>=2"]
    )
    resolved = resolve(tools, Ledger())
    assert resolved.blocked is not None and resolved.candidates == ()
    [package] = resolved.blocked.packages
    assert str(package.candidate.version) == "2.0"
    assert any(j.finding.rule == "new-release" and j.action is Action.BLOCK for j in package.judged)


def test_when_new_release_lets_it_through_pip_may_take_the_newer_release(
    tmp_path: Path,
) -> None:
    new = wheel("demo", "2.0", NOW - timedelta(days=1))
    pip = FakePip([not_found("demo>=2"), report(new)])
    pol = with_action("new-release", Action.WARN)
    tools = make_tools(
        tmp_path, FakeIndex([established(new)]), pip, FakeFetch(tmp_path), ["demo>=2"], pol
    )
    resolved = resolve(tools, Ledger())
    assert [str(c.version) for c in resolved.candidates] == ["2.0"]
    assert resolved.ledger.notes == (
        "demo has no release older than the new-release cut-off that fits the "
        "requirements, so pip may take a newer one",
    )
    assert "--uploaded-prior-to" not in pip.calls[1]


def sdist_only(tmp_path: Path, *replies: Captured) -> tuple[Dist, FakePip, FakeFetch, Tools]:
    """demo is on the index as an sdist only; pip answers ``replies``."""
    sd = sdist("demo", "1.0")
    pip = FakePip(list(replies))
    fetch = FakeFetch(tmp_path / "files", sd)
    index = FakeIndex([established(sd)])
    return sd, pip, fetch, make_tools(tmp_path, index, pip, fetch, ["demo"])


def test_an_sdist_is_fetched_and_judged_before_pip_may_build_it(tmp_path: Path) -> None:
    sd, pip, fetch, tools = sdist_only(tmp_path, not_found("demo"), report(sdist("demo", "1.0")))
    resolved = resolve(tools, Ledger())
    assert resolved.blocked is None, resolved.blocked
    assert [c.filename for c in resolved.candidates] == [sd.filename]
    assert fetch.asked == [sd.filename]
    dry_runs = [call for call in pip.calls if call[0] == "install"]
    assert "--no-binary" not in dry_runs[0]
    assert dry_runs[1][dry_runs[1].index("--no-binary") + 1] == "demo"


def test_the_same_failure_twice_is_an_error(tmp_path: Path) -> None:
    # pip keeps finding nothing for demo although it may build it now: give up.
    _, _, _, tools = sdist_only(tmp_path, *[not_found("demo")] * 3)
    with pytest.raises(ResolveError, match="pip could not resolve the requirements"):
        resolve(tools, Ledger())


def test_a_local_project_only_a_build_can_read_is_resolved_only_with_what_else_is_asked(
    tmp_path: Path,
) -> None:
    # check of a dynamic project: its build requirement is vetted, and pip is asked
    # for the rest (here a dependency group) — never for nothing, never skipped.
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text('[build-system]\nrequires = ["tool"]\n')
    tool, demo = wheel("tool", "1.0"), wheel("demo", "1.0")
    for args, replies, wanted in (
        ([], [report(tool)], []),
        (["--group", "dev"], [report(tool), report(demo)], ["demo"]),
    ):
        dry_runs = len(replies)
        pip = FakePip(replies)
        tools = make_tools(tmp_path, FakeIndex([established(tool)]), pip, FakeFetch(tmp_path), args)
        tools = replace(
            tools, request=replace(tools.request, build=False, local_projects=(project,))
        )
        resolved = resolve(tools, Ledger())
        assert [c.name for c in resolved.candidates] == wanted
        assert any("build requirements of the local project" in n for n in resolved.ledger.notes)
        assert len(pip.calls) == dry_runs
