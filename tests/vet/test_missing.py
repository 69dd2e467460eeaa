"""Why pip found no wheel: only an sdist, only releases newer than the cut-off, or
no such project; and what is judged instead."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.errors import IndexError_, ResolveError
from guard.policy import model as policy
from guard.vet.missing import Why, explain, explain_release
from guard.vet.model import Ledger
from tests.vet.fakes import (
    NOW,
    OLD,
    FakeFetch,
    FakeIndex,
    FakePip,
    make_tools,
    project,
    sdist_info,
    wheel,
)

DEMO = canonicalize_name("demo")
CUTOFF = NOW - timedelta(days=7)


def test_an_sdist_before_the_cut_off_is_to_be_built() -> None:
    demo = project("demo", {"1.0": [sdist_info("demo", "1.0")]})
    explained = explain_release(DEMO, demo, Requirement("demo"), False, CUTOFF)
    assert explained.why is Why.SOURCE
    assert explained.candidate.filename == "demo-1.0.tar.gz"
    assert not explained.candidate.requested


def test_only_newer_releases_match_so_the_newest_wheel_is_judged() -> None:
    new = wheel("demo", "2.0", NOW - timedelta(days=1))
    demo = project("demo", {"1.0": [wheel("demo", "1.0", OLD).info], "2.0": [new.info]})
    explained = explain_release(DEMO, demo, Requirement("demo>=2"), False, CUTOFF)
    assert explained.why is Why.CUTOFF
    assert explained.candidate.filename == new.filename


def test_nothing_matches() -> None:
    demo = project("demo", {"1.0": [wheel("demo", "1.0").info]})
    with pytest.raises(ResolveError, match="no release of demo matches demo>=2"):
        explain_release(DEMO, demo, Requirement("demo>=2"), False, CUTOFF)


def test_old_wheels_only_cannot_be_had() -> None:
    demo = project("demo", {"1.0": [wheel("demo", "1.0").info]})
    with pytest.raises(ResolveError, match="no compatible wheel, and no sdist"):
        explain_release(DEMO, demo, Requirement("demo"), False, CUTOFF)


def test_a_project_not_on_the_index_is_judged_as_missing(tmp_path: Path) -> None:
    tools = make_tools(tmp_path, FakeIndex([]), FakePip([]), FakeFetch(tmp_path), ["ghost"])
    ledger, explained = explain(tools, Ledger(), Requirement("Ghost"), CUTOFF)
    assert explained.why is Why.MISSING
    assert explained.candidate.version == Version("0") and explained.candidate.requested
    assert canonicalize_name("ghost") in ledger.known.projects


def test_a_failed_look_up_is_an_error_even_when_the_policy_lets_it_through(
    tmp_path: Path,
) -> None:
    warn = replace(policy.builtin(), on_network_error="warn")
    index = FakeIndex([], failing=["ghost"])
    tools = make_tools(tmp_path, index, FakePip([]), FakeFetch(tmp_path), ["ghost"], warn)
    with pytest.raises(IndexError_, match="could not look up ghost"):
        explain(tools, Ledger(), Requirement("ghost"), CUTOFF)
