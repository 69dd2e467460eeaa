"""PEP 740 provenance: the pure parsers on real shapes, and the client against the
loopback index (simple API 1.3 with provenance, 1.1 without)."""

from __future__ import annotations

import json

import pytest
import requests

from guard.errors import IndexError_
from guard.index.provenance import ProvenanceClient, parse_provenance, parse_simple
from guard.models import Publisher
from tests.fakepypi import FakePyPI

GITHUB = {
    "kind": "GitHub",
    "repository": "owner/repo",
    "workflow": "release.yml",
    "environment": "pypi",
}

# The shape PyPI's Integrity API answers (attestations shortened).
REAL_OBJECT = {
    "version": 1,
    "attestation_bundles": [
        {
            "publisher": {
                "kind": "GitHub",
                "claims": None,
                "repository": "pypa/sampleproject",
                "workflow": "release.yml",
                "environment": "pypi",
            },
            "attestations": [
                {
                    "version": 1,
                    "verification_material": {"certificate": "MII", "transparency_entries": []},
                    "envelope": {"statement": "eyJ", "signature": "MEU"},
                }
            ],
        }
    ],
}


def test_parse_provenance_reads_the_publisher() -> None:
    [publisher] = parse_provenance(json.dumps(REAL_OBJECT).encode(), "u")
    assert publisher == Publisher("GitHub", "pypa/sampleproject", "release.yml", "pypi")


def test_parse_provenance_gitlab_names_project_and_workflow_filepath() -> None:
    gitlab = {"kind": "GitLab", "project": "grp/proj", "workflow_filepath": ".gitlab-ci.yml"}
    document = {"version": 1, "attestation_bundles": [{"publisher": gitlab, "attestations": []}]}
    [publisher] = parse_provenance(json.dumps(document).encode(), "u")
    assert (publisher.repository, publisher.workflow) == ("grp/proj", ".gitlab-ci.yml")


@pytest.mark.parametrize(
    "document",
    [
        {"version": 2, "attestation_bundles": []},
        {"version": 1, "attestation_bundles": []},
        {"version": 1, "attestation_bundles": [{"attestations": []}]},
        [],
    ],
)
def test_parse_provenance_refuses_malformed(document: object) -> None:
    with pytest.raises(IndexError_):
        parse_provenance(json.dumps(document).encode(), "u")


def test_parse_simple_reads_version_and_resolves_provenance_urls() -> None:
    page = {
        "meta": {"api-version": "1.3"},
        "name": "demo",
        "files": [
            {"filename": "demo-1.0.tar.gz", "url": "x", "hashes": {}, "provenance": None},
            {"filename": "demo-1.0-py3-none-any.whl", "url": "x", "provenance": "/i/p"},
            {"filename": "demo-0.9.tar.gz", "url": "x"},
        ],
    }
    parsed = parse_simple(json.dumps(page).encode(), "https://pypi.example/simple/demo/")
    assert parsed.has_provenance
    assert parsed.provenance == {
        "demo-1.0.tar.gz": None,
        "demo-1.0-py3-none-any.whl": "https://pypi.example/i/p",
        "demo-0.9.tar.gz": None,
    }
    old = dict(page, meta={"api-version": "1.1"})
    assert not parse_simple(json.dumps(old).encode(), "u").has_provenance


def _client(fake: FakePyPI) -> ProvenanceClient:
    return ProvenanceClient(fake.url, requests.Session(), None, 5.0)


def test_client_reads_attested_and_unattested_files() -> None:
    with FakePyPI(simple_api_version="1.3") as fake:
        [signed] = fake.add_release("demo", "1.0")
        [plain] = fake.add_release("demo", "0.9")
        fake.attest(signed.filename, GITHUB)
        client = _client(fake)
        attested = client.provenance("demo", signed.filename)
        unattested = client.provenance("Demo", plain.filename)
    assert attested.available and attested.publishers == (
        Publisher("GitHub", "owner/repo", "release.yml", "pypi"),
    )
    assert unattested.available and not unattested.attested


def test_an_old_simple_api_is_unavailable_and_asked_once() -> None:
    with FakePyPI() as fake:  # api-version 1.1, like the mirror here
        [one] = fake.add_release("one", "1.0")
        [two] = fake.add_release("two", "1.0")
        client = _client(fake)
        first = client.provenance("one", one.filename)
        second = client.provenance("two", two.filename)
        asked = [path for _, path in fake.requests_log if path.startswith("/simple/")]
    assert first.unavailable.startswith("provenance data unavailable from this index")
    assert "1.1" in first.unavailable
    assert second.unavailable == first.unavailable
    assert asked == ["/simple/one/"]


def test_a_provenance_url_that_fails_is_unavailable_not_unattested() -> None:
    with FakePyPI(simple_api_version="1.3") as fake:
        [signed] = fake.add_release("demo", "1.0")
        fake.attest(signed.filename, GITHUB, broken=True)
        found = _client(fake).provenance("demo", signed.filename)
    assert not found.available and "HTTP 500" in found.unavailable
