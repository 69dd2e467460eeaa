"""Audit over a hand-built environment: the local checks and the index rules are
judged together, a check that raises blocks (fail closed), and what was seen goes
to the injected history store."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.analysis import integrity
from guard.errors import AuditError
from guard.models import Action, Decision
from guard.pip.environment import Environment, Installed, Paths
from guard.policy import model as policy
from guard.rules import RULE_ERROR
from guard.state import history
from guard.state.store import MemoryHistoryStore
from guard.vet.audit import local_findings
from guard.vet.vetter import Vetter
from tests.vet.fakes import NOW, FakeFetch, FakeIndex, established, wheel

DEMO = canonicalize_name("demo")


def environment(tmp_path: Path, *names: str) -> Environment:
    site = tmp_path / "site-packages"
    site.mkdir()
    installed = []
    for name in names:
        dist_info = site / f"{name}-1.0.dist-info"
        dist_info.mkdir()
        installed.append(Installed(canonicalize_name(name), name, Version("1.0"), site, dist_info))
    paths = Paths(tmp_path, True, (site,), tmp_path / "bin", "3.11")
    return Environment(str(tmp_path / "bin" / "python"), paths, tuple(installed))


def vetter(tmp_path: Path, store: MemoryHistoryStore) -> Vetter:
    index = FakeIndex([established(wheel("demo", "1.0"))])
    return Vetter(index, FakeFetch(tmp_path / "files"), None, store, lambda: NOW)


def crash(*_: object) -> integrity.EnvironmentFindings:
    raise RuntimeError("a bug")


def test_audit_judges_local_and_index_findings_and_records_in_the_given_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # a fresh default path
    store = MemoryHistoryStore()
    result = vetter(tmp_path, store).audit(environment(tmp_path, "demo"), policy.builtin())
    [package] = result.verdict.packages
    assert package.candidate.name == DEMO and package.project is not None
    assert "record-missing" in {j.finding.rule for j in package.judged}  # no RECORD
    assert store.saves == 1 and list(store.entries) == [DEMO]
    assert not history.default_path().exists()


def test_a_check_that_raises_blocks_each_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(integrity, "check_environment", crash)
    env = environment(tmp_path, "demo", "other")
    local = local_findings(env, integrity.IntegrityOptions())
    for installed, (finding,) in local.per_distribution:
        assert finding.rule == RULE_ERROR and finding.forced is Action.BLOCK
        assert f"on {installed.name}: RuntimeError: a bug" in finding.message
    result = vetter(tmp_path, MemoryHistoryStore()).audit(env, policy.builtin())
    assert result.verdict.decision is Decision.BLOCK


def test_an_unreadable_environment_is_still_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(*_: object) -> integrity.EnvironmentFindings:
        raise AuditError("cannot list site-packages")

    monkeypatch.setattr(integrity, "check_environment", unreadable)
    with pytest.raises(AuditError, match="cannot list"):
        local_findings(environment(tmp_path, "demo"), integrity.IntegrityOptions())


def test_a_check_that_raises_on_an_empty_environment_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(integrity, "check_environment", crash)
    with pytest.raises(AuditError, match="the local checks failed: RuntimeError: a bug"):
        local_findings(environment(tmp_path), integrity.IntegrityOptions())
