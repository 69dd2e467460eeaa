"""Parsing the JSON API's answers (guard.index.parse), on a recorded real answer
(tests/fixtures, recorded 2026-11-22) and hostile variations of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from guard.errors import IndexError_
from guard.index.parse import parse_project, project_from_body, vulnerabilities_from_body

FIXTURES = Path(__file__).parents[1] / "fixtures"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


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


def test_a_body_is_parsed_into_a_project() -> None:
    body = (FIXTURES / "pypi-six-2026-11-22.json").read_bytes()
    project = project_from_body(body, "https://pypi.org/pypi/six/json")
    assert project == parse_project(
        load("pypi-six-2026-11-22.json"), "https://pypi.org/pypi/six/json"
    )


def test_a_body_that_is_not_json_is_an_index_error() -> None:
    with pytest.raises(IndexError_, match=r"^https://x.test/pypi/a/json: the answer is not JSON$"):
        project_from_body(b"<html>", "https://x.test/pypi/a/json")


def test_withdrawn_advisories_are_skipped_and_details_stand_in_for_a_summary() -> None:
    body = json.dumps(
        {
            "vulnerabilities": [
                {"id": "GHSA-1", "withdrawn": "2026-01-01", "summary": "gone"},
                {"id": "PYSEC-2", "details": "d" * 300, "aliases": ["CVE-1", 3]},
            ]
        }
    ).encode()
    [vuln] = vulnerabilities_from_body(body) or ()
    assert vuln.id == "PYSEC-2" and vuln.aliases == ("CVE-1",)
    assert vuln.summary == "d" * 200


@pytest.mark.parametrize("body", [b"not json", b"[]", b"\xff"])
def test_a_version_body_that_is_not_a_document_has_no_vulnerabilities(body: bytes) -> None:
    assert vulnerabilities_from_body(body) is None
