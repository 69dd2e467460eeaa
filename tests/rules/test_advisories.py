"""known-malicious, release-removed, known-vulnerability's OSV data, and the
advisory step of the vetter (merge and notes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.models import (
    Action,
    Advisories,
    Candidate,
    FileInfo,
    Project,
    Release,
    Source,
    Vulnerability,
)
from guard.policy.config import ListEntry
from guard.policy.model import builtin, judge
from guard.rules.advisories import KnownMalicious
from guard.rules.base import Context
from guard.rules.listed import ReleaseRemoved
from guard.rules.release import KnownVulnerability
from guard.vet import advisories as step
from guard.vet.model import Known

NOW = datetime(2026, 6, 1, tzinfo=UTC)
NAME = canonicalize_name("evil")
MAL = Vulnerability("MAL-2025-7", summary="steals tokens", link="https://osv.dev/x")
BUG = Vulnerability("PYSEC-2020-1", summary="a bug", fixed_in=("1.1",))


def candidate(version: str = "1.0", source: Source = Source.INDEX) -> Candidate:
    return Candidate(NAME, Version(version), source, "", "", None)


def project(*versions: str, files: bool = True) -> Project:
    upload = FileInfo("f.whl", "u", "ab" * 32, "bdist_wheel", NOW) if files else None
    releases = {Version(v): Release(Version(v), (upload,) if upload else ()) for v in versions}
    return Project(NAME, "evil", latest_version=max(releases), releases=releases)


def answered(vulns: tuple[Vulnerability, ...] = (MAL,), unavailable: str = "") -> Advisories:
    return Advisories({(NAME, Version("1.0")): vulns}, unavailable)


def ctx(advisories: Advisories | None, mode: str = "install", strict: bool = False) -> Context:
    thresholds = {"known-malicious": {"block-when-unavailable": True}} if strict else {}
    return Context(now=NOW, mode=mode, advisories=advisories, thresholds=thresholds)


def test_a_mal_advisory_blocks_and_says_which() -> None:
    [finding] = KnownMalicious().check(candidate(), project("1.0"), ctx(answered((MAL, BUG))))
    assert finding.rule == "known-malicious"
    assert "evil 1.0 is reported as malware: MAL-2025-7: steals tokens" in finding.message
    assert ("id", "MAL-2025-7") in finding.evidence
    [audited] = KnownMalicious().check(candidate(), project("1.0"), ctx(answered(), "audit"))
    assert "compromised" in audited.remedy


def test_only_the_asked_release_and_only_index_candidates() -> None:
    rule = KnownMalicious()
    assert list(rule.check(candidate("1.0"), None, ctx(answered((BUG,))))) == []
    assert list(rule.check(candidate("2.0"), None, ctx(answered()))) == []
    assert list(rule.check(candidate("1.0", Source.URL), None, ctx(answered()))) == []


def test_a_mal_id_among_the_json_apis_advisories_counts_once() -> None:
    listed = Project(
        NAME, "evil", latest_version=Version("1.0"), vulnerabilities=(MAL,), releases={}
    )
    assert len(list(KnownMalicious().check(candidate(), listed, ctx(None)))) == 1
    assert len(list(KnownMalicious().check(candidate(), listed, ctx(answered())))) == 1


def test_unavailable_data_blocks_only_when_the_policy_says_so() -> None:
    down = Advisories({}, "querybatch: ConnectionError")
    assert list(KnownMalicious().check(candidate(), None, ctx(down))) == []
    [finding] = KnownMalicious().check(candidate(), None, ctx(down, strict=True))
    assert "could not ask OSV" in finding.message and "ConnectionError" in finding.message
    # Not asked at all (no advisory database): nothing to say.
    assert list(KnownMalicious().check(candidate(), None, ctx(None, strict=True))) == []


def test_an_allow_entry_by_name_does_not_waive_it_one_naming_the_rule_does() -> None:
    [finding] = KnownMalicious().check(candidate(), None, ctx(answered()))
    today = date(2026, 6, 1)
    by_name = replace(builtin(), allow=(ListEntry(NAME, "we trust it"),))
    [judged], _ = judge(by_name, candidate(), [finding], today)
    assert judged.action is Action.BLOCK
    naming = ListEntry(NAME, "false report, see ticket 12", rules=frozenset({"known-malicious"}))
    explicit = replace(builtin(), allow=(naming,))
    [judged], _ = judge(explicit, candidate(), [finding], today)
    assert judged.action is Action.IGNORE


def test_known_vulnerability_leaves_mal_advisories_to_known_malicious() -> None:
    proj = Project(NAME, "evil", latest_version=Version("1.0"), vulnerabilities=(MAL, BUG))
    findings = list(KnownVulnerability().check(candidate(), proj, ctx(None)))
    assert [f.evidence[0][1] for f in findings] == ["PYSEC-2020-1"]


def test_release_removed_in_audit() -> None:
    rule = ReleaseRemoved()
    assert list(rule.check(candidate("1.0"), project("1.0"), ctx(None, "audit"))) == []
    [gone] = rule.check(candidate("0.5"), project("1.0"), ctx(None, "audit"))
    assert "no longer lists" in gone.message
    [empty] = rule.check(candidate("1.0"), project("1.0", files=False), ctx(None, "audit"))
    assert "lists no files" in empty.message
    assert list(rule.check(candidate("0.5"), None, ctx(None, "audit"))) == []  # not-on-pypi's
    assert rule.modes == frozenset({"audit"})


def test_merge_fills_vulnerability_data_the_json_api_lacks() -> None:
    old = candidate("0.9")
    proj = project("0.9", "1.0")  # the JSON API's data covers 1.0 only
    answer = Advisories({(NAME, Version("0.9")): (MAL, BUG)})
    known = step.merge(Known({NAME: proj}), answer, [old])
    merged = known.get(NAME)
    assert merged is not None
    assert merged.vulnerabilities_for(Version("0.9")) == (BUG,)
    assert known.advisories is answer
    findings = list(KnownVulnerability().check(old, merged, ctx(answer)))
    assert [f.evidence[0][1] for f in findings] == ["PYSEC-2020-1"]
    assert step.notes(known, [old]) == ()


def test_notes_say_what_could_not_be_checked() -> None:
    old = candidate("0.9")
    known = step.merge(Known({NAME: project("0.9", "1.0")}), Advisories({}, "HTTP 503"), [old])
    malware, vulns = step.notes(known, [old])
    assert malware == (
        "known-malicious data unavailable: 1 release(s) were not checked against OSV's "
        "malware reports (evil 0.9): HTTP 503"
    )
    assert vulns.startswith("vulnerability data unavailable for evil 0.9")
    assert step.notes(Known({NAME: project("0.9")}), [old]) == ()  # OSV not asked
