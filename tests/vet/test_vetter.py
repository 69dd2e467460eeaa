"""The Vetter with fake collaborators: what it judges, fetches and installs, and that
it records what it saw in the history store it was given, and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from packaging.utils import NormalizedName, canonicalize_name

from guard.errors import GuardError
from guard.models import Decision, Project
from guard.pip.args import parse_pip_args
from guard.policy import model as policy
from guard.state import history
from guard.state.store import MemoryHistoryStore
from guard.vet.model import Request
from guard.vet.vetter import Vetter
from tests.vet.fakes import (
    NOW,
    FakeFetch,
    FakeIndex,
    FakePip,
    established,
    not_found,
    report,
    wheel,
)


def request(*args: str) -> Request:
    return Request("/venv/bin/python", parse_pip_args(list(args)), policy.builtin())


def test_check_judges_fetches_and_records_in_the_given_store_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # a fresh default path
    demo = wheel("demo", "1.0")
    store = MemoryHistoryStore()
    fetch = FakeFetch(tmp_path / "files", demo)
    pip = FakePip([report(demo, requested=["demo"])])
    vetter = Vetter(FakeIndex([established(demo)]), fetch, pip, store, lambda: NOW)

    outcome = vetter.check(request("demo"))

    assert [p.candidate.name for p in outcome.verdict.packages] == ["demo"]
    assert outcome.verdict.decision is not Decision.BLOCK, outcome.verdict
    assert fetch.asked == [demo.filename]
    assert outcome.pins == {demo.filename: demo.info.sha256}
    assert "--uploaded-prior-to" in pip.calls[0]  # the new-release cut-off
    assert store.saves == 1 and store.entries[canonicalize_name("demo")].owners == ("alice",)
    assert not history.default_path().exists()


def test_check_then_install_pins_exactly_the_fetched_files(tmp_path: Path) -> None:
    demo = wheel("demo", "1.0")
    pip = FakePip([report(demo, requested=["demo"])])
    vetter = Vetter(
        FakeIndex([established(demo)]),
        FakeFetch(tmp_path / "files", demo),
        pip,
        MemoryHistoryStore(),
        lambda: NOW,
    )
    req = request("demo")
    outcome = vetter.check(req)
    vetter.install(req, outcome)
    [done] = pip.installs
    assert done.files == [demo.filename]
    assert [p.sha256 for p in done.pinned] == [demo.info.sha256]
    assert done.offline and done.unhashed == []


def test_a_blocked_outcome_is_not_installed(tmp_path: Path) -> None:
    demo = wheel("demo", "1.0")
    denied = replace(
        policy.builtin(),
        deny=(policy.ListEntry(canonicalize_name("demo"), reason="no"),),
    )
    pip = FakePip([report(demo, requested=["demo"])])
    store = MemoryHistoryStore()
    fetch = FakeFetch(tmp_path / "files", demo)
    vetter = Vetter(FakeIndex([established(demo)]), fetch, pip, store, lambda: NOW)
    req = replace(request("demo"), policy=denied)
    outcome = vetter.check(req)
    assert outcome.verdict.decision is Decision.BLOCK
    assert fetch.asked == []  # blocked on metadata: nothing downloaded
    with pytest.raises(GuardError, match="not allowed"):
        vetter.install(req, outcome)
    assert pip.installs == []


def test_what_was_seen_is_recorded_even_when_resolution_fails(tmp_path: Path) -> None:
    # pip finds nothing for demo>=2, and no release of demo matches it.
    demo = wheel("demo", "1.0")
    store = MemoryHistoryStore()
    pip = FakePip([not_found("demo>=2")])
    vetter = Vetter(
        FakeIndex([established(demo)]), FakeFetch(tmp_path, demo), pip, store, lambda: NOW
    )
    outcome = vetter.check(request("demo>=2"))
    # a verdict on the project, and why resolution could not go on (exit 2)
    assert outcome.partial and "no release of demo matches demo>=2" in outcome.failed
    assert [p.candidate.name for p in outcome.verdict.packages] == ["demo"]
    assert list(store.entries) == ["demo"]


def test_a_vetter_without_pip_cannot_check(tmp_path: Path) -> None:
    store = MemoryHistoryStore()
    vetter = Vetter(FakeIndex([]), FakeFetch(tmp_path), None, store, lambda: NOW)
    with pytest.raises(GuardError, match="no pip"):
        vetter.check(request("demo"))
    assert store.saves == 0


def test_the_prefetched_projects_are_taken_instead_of_asked(tmp_path: Path) -> None:
    demo = wheel("demo", "1.0")
    index = FakeIndex([established(demo)])
    started: list[list[NormalizedName]] = []

    class Ahead:
        def stop(self) -> dict[NormalizedName, Project]:
            return {canonicalize_name("demo"): established(demo)}

    def ahead(names: Sequence[NormalizedName]) -> Ahead:
        started.append(list(names))
        return Ahead()

    vetter = Vetter(
        index,
        FakeFetch(tmp_path, demo),
        FakePip([report(demo, requested=["demo"])]),
        MemoryHistoryStore(),
        lambda: NOW,
        prefetch=ahead,
    )
    vetter.check(request("demo"))
    assert started == [["demo"]]
    assert ("demo", False) not in index.asked


def test_the_rules_warm_up_leaves_unreadable_data_to_the_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from guard import rules
    from guard.vet import vetter

    def unreadable() -> None:
        raise OSError("no such file")

    monkeypatch.setattr(rules, "prepare", unreadable)
    vetter._prepare_rules()  # the rule that needs the file fails closed when it runs

    def bug() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(rules, "prepare", bug)
    with pytest.raises(RuntimeError):
        vetter._prepare_rules()
