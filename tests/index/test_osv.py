"""The OSV client against the loopback OSV, and its pure parsers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.errors import IndexError_
from guard.index import osv
from guard.index.cache import Cache
from guard.index.http import make_session
from guard.models import ReleaseKey
from tests.conftest import UNREACHABLE_OSV
from tests.fakeosv import FakeOSV


def key(name: str, version: str) -> ReleaseKey:
    return canonicalize_name(name), Version(version)


def client(url: str, tmp_path: Path, timeout: float = 5.0) -> osv.OSVClient:
    return osv.OSVClient(url, make_session(), Cache(tmp_path / "cache"), timeout)


def test_batch_request_is_the_documented_payload() -> None:
    body = osv.batch_request([osv.Query(key("Foo", "1.0")), osv.Query(key("bar", "2"), "tok")])
    assert json.loads(body) == {
        "queries": [
            {"package": {"name": "foo", "ecosystem": "PyPI"}, "version": "1.0"},
            {"package": {"name": "bar", "ecosystem": "PyPI"}, "version": "2", "page_token": "tok"},
        ]
    }


def test_parse_batch_reads_ids_and_page_tokens_in_order() -> None:
    body = json.dumps(
        {
            "results": [
                {"vulns": [{"id": "MAL-2025-1", "modified": "m"}], "next_page_token": "t"},
                {},
            ]
        }
    ).encode()
    first, second = osv.parse_batch(body, 2)
    assert first == osv.Page((("MAL-2025-1", "m"),), "t")
    assert second == osv.Page(())


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"results": [{}]}', b'{"results": [1, 2]}', b"{}"]
)
def test_parse_batch_refuses_what_is_not_an_answer_to_two_queries(body: bytes) -> None:
    with pytest.raises(IndexError_):
        osv.parse_batch(body, 2)


def test_parse_vulnerability_reads_a_record_and_drops_a_withdrawn_one() -> None:
    record = {
        "id": "PYSEC-1",
        "aliases": ["CVE-1"],
        "details": "x" * 500,
        "affected": [{"ranges": [{"events": [{"introduced": "0"}, {"fixed": "1.2"}]}]}],
    }
    vuln = osv.parse_vulnerability(json.dumps(record).encode(), "PYSEC-1")
    assert vuln is not None
    assert (vuln.aliases, vuln.fixed_in, len(vuln.summary)) == (("CVE-1",), ("1.2",), 200)
    assert vuln.link == "https://osv.dev/vulnerability/PYSEC-1"
    assert not vuln.malicious
    withdrawn = {**record, "withdrawn": "2026-01-01T00:00:00Z"}
    assert osv.parse_vulnerability(json.dumps(withdrawn).encode(), "PYSEC-1") is None


def test_one_batch_for_every_release_and_the_malicious_one_is_told_apart(
    fake_osv: FakeOSV, tmp_path: Path
) -> None:
    fake_osv.add("MAL-2025-7", "evil", ["1.0"], summary="steals tokens")
    fake_osv.add("PYSEC-2020-1", "old", ["1.0"], summary="a bug", fixed="1.1")

    found = client(fake_osv.url, tmp_path).advisories(
        [key("evil", "1.0"), key("old", "1.0"), key("clean", "3.0"), key("evil", "1.0")]
    )

    assert found.unavailable == ""
    [mal] = found.of(canonicalize_name("evil"), Version("1.0")) or ()
    assert (mal.id, mal.summary, mal.malicious) == ("MAL-2025-7", "steals tokens", True)
    [bug] = found.of(canonicalize_name("old"), Version("1.0")) or ()
    assert (bug.malicious, bug.fixed_in) == (False, ("1.1",))
    assert found.of(canonicalize_name("clean"), Version("3.0")) == ()
    assert found.of(canonicalize_name("clean"), Version("4.0")) is None  # not asked
    [batch] = fake_osv.batches
    assert sorted(batch.queries) == [("clean", "3.0", ""), ("evil", "1.0", ""), ("old", "1.0", "")]


def test_more_than_a_thousand_releases_are_asked_in_chunks(
    fake_osv: FakeOSV, tmp_path: Path
) -> None:
    releases = [key(f"p{i}", "1.0") for i in range(1001)]
    fake_osv.add("MAL-2025-9", "p1000", ["1.0"])

    uncached = osv.OSVClient(fake_osv.url, make_session(), None, 5.0)
    found = uncached.advisories(releases)

    assert [len(b.queries) for b in fake_osv.batches] == [1000, 1]
    assert len(found.found) == 1001
    assert [v.id for v in found.of(NormalizedName("p1000"), Version("1.0")) or ()] == ["MAL-2025-9"]


def test_every_page_of_a_release_is_followed(fake_osv: FakeOSV, tmp_path: Path) -> None:
    fake_osv.set_page_size(2)
    for i in range(5):
        fake_osv.add(f"PYSEC-2020-{i}", "many", ["1.0"])
    fake_osv.add("MAL-2025-1", "many", ["1.0"])

    found = client(fake_osv.url, tmp_path).advisories([key("many", "1.0"), key("few", "1.0")])

    ids = {v.id for v in found.of(NormalizedName("many"), Version("1.0")) or ()}
    assert ids == {f"PYSEC-2020-{i}" for i in range(5)} | {"MAL-2025-1"}
    assert [len(b.queries) for b in fake_osv.batches] == [2, 1, 1]  # only "many" pages on
    assert [q[2] for b in fake_osv.batches[1:] for q in b.queries] == ["2", "4"]


def test_answers_are_cached(fake_osv: FakeOSV, tmp_path: Path) -> None:
    fake_osv.add("MAL-2025-7", "evil", ["1.0"])
    first = client(fake_osv.url, tmp_path).advisories([key("evil", "1.0")])
    again = client(fake_osv.url, tmp_path).advisories([key("evil", "1.0"), key("new", "1.0")])

    assert again.of(NormalizedName("evil"), Version("1.0")) == first.of(
        NormalizedName("evil"), Version("1.0")
    )
    assert [b.queries for b in fake_osv.batches] == [(("evil", "1.0", ""),), (("new", "1.0", ""),)]
    assert fake_osv.detail_requests == ["MAL-2025-7"]


def test_an_unreachable_osv_is_reported_quickly_not_raised(tmp_path: Path) -> None:
    started = time.monotonic()
    found = client(UNREACHABLE_OSV, tmp_path, timeout=30).advisories([key("a", "1.0")])
    assert time.monotonic() - started < 5
    assert found.found == {}
    assert "v1/querybatch" in found.unavailable and "could not connect" in found.unavailable


def test_an_unreachable_osv_is_not_asked_again_for_a_while(
    fake_osv: FakeOSV, tmp_path: Path
) -> None:
    first = client(UNREACHABLE_OSV, tmp_path).advisories([key("a", "1.0")])
    assert first.unavailable.endswith("could not connect")
    again = client(UNREACHABLE_OSV, tmp_path).advisories([key("b", "2.0")])
    assert "could not connect (tried less than a minute ago)" in again.unavailable
    # another service, or an answer that is an error, is not remembered so
    fake_osv.fail(503)
    client(fake_osv.url, tmp_path).advisories([key("a", "1.0")])
    assert (
        client(fake_osv.url, tmp_path)
        .advisories([key("a", "1.0")])
        .unavailable.endswith("HTTP 503")
    )


def test_an_error_answer_leaves_those_releases_without_data(
    fake_osv: FakeOSV, tmp_path: Path
) -> None:
    fake_osv.fail(503)
    found = client(fake_osv.url, tmp_path).advisories([key("a", "1.0")])
    assert found.of(NormalizedName("a"), Version("1.0")) is None
    assert found.unavailable.endswith("HTTP 503")


def test_a_record_that_cannot_be_had_still_counts_by_its_id(
    fake_osv: FakeOSV, tmp_path: Path
) -> None:
    fake_osv.add("MAL-2025-7", "evil", ["1.0"], summary="steals tokens")
    fake_osv.add("PYSEC-9", "evil", ["1.0"], withdrawn=True)
    with_details = client(fake_osv.url, tmp_path / "a").advisories([key("evil", "1.0")])
    assert [v.id for v in with_details.of(NormalizedName("evil"), Version("1.0")) or ()] == [
        "MAL-2025-7"
    ]  # the withdrawn one is dropped

    fake_osv.fail_details(500)
    bare = client(fake_osv.url, tmp_path / "b").advisories([key("evil", "1.0")])
    found = bare.of(NormalizedName("evil"), Version("1.0")) or ()
    assert ("MAL-2025-7", "", True) in [(v.id, v.summary, v.malicious) for v in found]
    assert bare.unavailable == ""
