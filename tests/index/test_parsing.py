"""Parsing at the edges: pip's report and the JSON API, on recorded real answers
(tests/fixtures, recorded 2026-11-22) and hostile variations of them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from guard.errors import IndexError_, ResolveError
from guard.index.pypi import parse_project
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


def test_parse_recorded_json_api_answer() -> None:
    project = parse_project(load("pypi-six-2026-11-22.json"), "https://pypi.org/pypi/six/json")
    assert project.name == "six"
    assert project.latest_version == Version("1.17.0")
    info = project.file("six-1.17.0-py2.py3-none-any.whl")
    assert info is not None and info.sha256 and info.upload_time is not None
    assert info.url.startswith("https://")
    assert project.first_upload is not None and project.first_upload.year < 2015
    assert project.ownership.users


def test_relative_file_urls_resolve_against_the_document() -> None:
    data = load("pypi-six-2026-11-22.json")
    for files in data["releases"].values():
        for f in files:
            f["url"] = "../../packages/" + f["filename"]
    project = parse_project(data, "https://mirror.example/pypi/six/json")
    info = project.file("six-1.17.0.tar.gz")
    assert info is not None
    assert info.url == "https://mirror.example/packages/six-1.17.0.tar.gz"


def test_wrong_types_are_survived() -> None:
    data = load("pypi-six-2026-11-22.json")
    data["info"]["summary"] = 42
    data["info"]["project_urls"] = ["not", "a", "dict"]
    data["releases"]["1.17.0"][0]["digests"] = "nope"
    data["releases"]["1.17.0"][1]["upload_time_iso_8601"] = "yesterday"
    data["releases"]["not a version"] = []
    data["vulnerabilities"] = [{"id": 5}, "x", {"id": "PYSEC-1", "fixed_in": "1.0"}]
    data["ownership"] = {"roles": "none"}
    data["info"]["requires_dist"] = ["ok>=1", 7, None]
    project = parse_project(data, "https://pypi.org/pypi/six/json")
    assert project.summary == ""
    assert project.requires_dist == ("ok>=1",)
    assert project.project_urls == ()
    assert "not a version" in project.invalid_versions
    assert [v.id for v in project.vulnerabilities] == ["PYSEC-1"]
    assert not project.ownership.known


@pytest.mark.parametrize("bad", [None, [], {"info": "x"}, {"info": {}}])
def test_not_a_json_api_document(bad: object) -> None:
    with pytest.raises(IndexError_):
        parse_project(bad, "https://pypi.org/pypi/x/json")
