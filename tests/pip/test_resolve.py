"""Parsing pip's installation report and its stderr, on a recorded real answer
(tests/fixtures, recorded 2026-11-22) and hostile variations of it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from guard.errors import ResolveError
from guard.models import Source
from guard.pip.resolve import failed_requirements, parse_report

FIXTURES = Path(__file__).parents[1] / "fixtures"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_parse_recorded_pip_report() -> None:
    candidates = parse_report(load("pip-report-requests-2026-11-22.json"))
    first = candidates[0]
    assert first.name == "requests"
    assert first.source is Source.INDEX
    assert first.is_wheel and not first.needs_build
    assert first.sha256 is not None and len(first.sha256) == 64
    assert first.requested
    assert not candidates[1].requested


def test_parse_report_direct_and_local_entries() -> None:
    report = load("pip-report-requests-2026-11-22.json")
    local = copy.deepcopy(report["install"][0])
    local["is_direct"] = True
    local["download_info"] = {"url": "file:///src/proj", "dir_info": {"editable": True}}
    vcs = copy.deepcopy(report["install"][0])
    vcs["is_direct"] = True
    vcs["download_info"] = {
        "url": "https://example.invalid/r.git",
        "vcs_info": {"vcs": "git", "commit_id": "abc"},
    }
    report["install"] = [local, vcs]
    parsed = parse_report(report)
    assert parsed[0].source is Source.LOCAL and parsed[0].editable
    assert parsed[1].source is Source.VCS and parsed[1].vcs_commit == "abc"


@pytest.mark.parametrize(
    "bad",
    [None, [], {"version": "1"}, {"version": "2", "install": []}, {"version": "1", "install": [1]}],
)
def test_malformed_reports_are_errors(bad: object) -> None:
    with pytest.raises(ResolveError):
        parse_report(bad)


def test_failed_requirements_from_pip_stderr() -> None:
    stderr = (
        "ERROR: Could not find a version that satisfies the requirement foo<2,>=1 (from bar)\n"
        "ERROR: No matching distribution found for foo<2,>=1\n"
    )
    [req] = failed_requirements(stderr)
    assert req.name == "foo" and str(req.specifier) == "<2,>=1"
