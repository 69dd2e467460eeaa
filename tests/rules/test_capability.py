"""``new-capability`` on real scans of built wheels: what a release added over the
previous release's artifact of the same kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.analysis.scan import scan_archive
from guard.models import Action, Candidate, FileInfo, Finding, Project, Release, Source
from guard.policy.model import builtin, judge
from guard.rules import by_id
from guard.rules.base import Context, Scanned
from guard.rules.capability import NEW_CAPABILITY, NewCapability, previous_file
from guard.rules.scan import scan_settings
from tests.fakepypi import build_wheel, sdist_filename, wheel_filename

NOW = datetime(2026, 6, 1, tzinfo=UTC)
NAME = canonicalize_name("capdemo")
PLAIN = '"""A helper."""\n\n\ndef add(a, b):\n    return a + b\n'
# Benign by construction: talks to 127.0.0.1 port 9 only, and never runs.
PHONES_HOME = """\
import urllib.request
urllib.request.urlopen("http://127.0.0.1:9/hello").read()
"""
SPAWNS = "import subprocess\nsubprocess.run(['git', 'status'])\n"


def file_info(filename: str, when: datetime) -> FileInfo:
    kind = "bdist_wheel" if filename.endswith(".whl") else "sdist"
    return FileInfo(filename, f"https://files.invalid/{filename}", "ab" * 32, kind, when)


def project(versions: list[str], first: datetime, sdists: bool = False) -> Project:
    releases = {}
    for i, v in enumerate(versions):
        when = first + timedelta(days=30 * i)
        files: tuple[FileInfo, ...] = (file_info(wheel_filename(NAME, v), when),)
        if sdists:
            files = (*files, file_info(sdist_filename(NAME, v), when))
        releases[Version(v)] = Release(Version(v), files)
    return Project(NAME, "capdemo", releases=releases, latest_version=Version(versions[-1]))


def scans(tmp_path: Path, ctx: Context, code: dict[str, str]) -> dict[str, Scanned]:
    out = {}
    for version, init in code.items():
        filename = wheel_filename(NAME, version)
        path = tmp_path / filename
        path.write_bytes(build_wheel(NAME, version, files={"capdemo/__init__.py": init}))
        out[filename] = Scanned(scan_settings(ctx), scan_archive(path, filename))
    return out


def check(
    tmp_path: Path, versions: list[str], old: str, new: str, age_days: int = 800
) -> list[Finding]:
    ctx = Context(now=NOW)
    proj = project(versions, NOW - timedelta(days=age_days))
    ctx = Context(now=NOW, scans=scans(tmp_path, ctx, {versions[-2]: old, versions[-1]: new}))
    last = versions[-1]
    cand = Candidate(NAME, Version(last), Source.INDEX, "", wheel_filename(NAME, last), None)
    return list(NewCapability().check(cand, proj, ctx))


def action(finding: Finding) -> Action:
    cand = Candidate(NAME, Version("1"), Source.INDEX, "", "x.whl", None)
    [judged] = judge(builtin(), cand, [finding], NOW.date())[0]
    return judged.action


def test_new_network_call_in_a_patch_release_blocks(tmp_path: Path) -> None:
    [finding] = check(tmp_path, ["1.0.0", "1.0.1", "1.0.2", "1.0.3"], PLAIN, PHONES_HOME)
    assert finding.rule == NEW_CAPABILITY
    assert "network at import" in finding.message
    assert "1.0.2" in finding.message
    assert any("urlopen" in what for _, what in finding.evidence)
    assert action(finding) is Action.BLOCK


def test_same_capabilities_are_clean(tmp_path: Path) -> None:
    assert check(tmp_path, ["1.0.0", "1.0.1", "1.0.2", "1.0.3"], PHONES_HOME, PHONES_HOME) == []


def test_plain_release_is_clean(tmp_path: Path) -> None:
    assert check(tmp_path, ["1.0.0", "1.0.1", "1.0.2", "1.0.3"], SPAWNS, PLAIN) == []


def test_major_release_warns(tmp_path: Path) -> None:
    [finding] = check(tmp_path, ["1.0", "1.1", "1.2", "2.0"], PLAIN, PHONES_HOME)
    assert finding.weak
    assert "major release" in finding.message
    assert action(finding) is Action.WARN


@pytest.mark.parametrize(
    ("versions", "age_days"),
    [(["1.0", "1.0.1", "1.0.2"], 800), (["1.0", "1.0.1", "1.0.2", "1.0.3"], 60)],
    ids=["two-earlier-releases", "sixty-days-old"],
)
def test_young_project_is_not_applicable(
    tmp_path: Path, versions: list[str], age_days: int
) -> None:
    assert check(tmp_path, versions, PLAIN, PHONES_HOME, age_days) == []


def test_missing_previous_scan_says_it_could_not_compare(tmp_path: Path) -> None:
    versions = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    ctx = Context(now=NOW)
    only_new = scans(tmp_path, ctx, {"1.0.3": PHONES_HOME})
    failed = Scanned(scan_settings(ctx), None, "HTTP 404")
    ctx = Context(now=NOW, scans={**only_new, wheel_filename(NAME, "1.0.2"): failed})
    cand = Candidate(NAME, Version("1.0.3"), Source.INDEX, "", wheel_filename(NAME, "1.0.3"), None)
    [finding] = NewCapability().check(cand, project(versions, NOW - timedelta(800)), ctx)
    assert finding.weak and "could not be compared" in finding.message
    assert "HTTP 404" in finding.message


def test_previous_file_is_of_the_same_kind() -> None:
    proj = project(["1.0", "1.1", "1.2"], NOW - timedelta(800), sdists=True)
    wheel = Candidate(NAME, Version("1.2"), Source.INDEX, "", wheel_filename(NAME, "1.2"), None)
    sdist = Candidate(NAME, Version("1.2"), Source.INDEX, "", sdist_filename(NAME, "1.2"), None)
    found_wheel = previous_file(proj, wheel)
    found_sdist = previous_file(proj, sdist)
    assert found_wheel is not None and found_wheel[1].filename == wheel_filename(NAME, "1.1")
    assert found_sdist is not None and found_sdist[1].filename == sdist_filename(NAME, "1.1")
    linux = Candidate(
        NAME,
        Version("1.2"),
        Source.INDEX,
        "",
        "capdemo-1.2-cp312-cp312-manylinux_2_17_x86_64.whl",
        None,
    )
    assert previous_file(proj, linux) is None  # no wheel with a shared tag


def test_registered() -> None:
    assert isinstance(by_id()[NEW_CAPABILITY], NewCapability)


def test_a_truncated_previous_scan_compares_only_what_runs_unasked(tmp_path: Path) -> None:
    from dataclasses import replace

    deep = "import subprocess\n\n\ndef go(url):\n    return subprocess.run(['curl', url])\n"
    versions = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    ctx = Context(now=NOW)
    made = scans(tmp_path, ctx, {"1.0.2": PLAIN, "1.0.3": deep + PHONES_HOME})
    old_name = wheel_filename(NAME, "1.0.2")
    old = made[old_name]
    assert old.result is not None
    made[old_name] = replace(old, result=replace(old.result, truncated=True))
    cand = Candidate(NAME, Version("1.0.3"), Source.INDEX, "", wheel_filename(NAME, "1.0.3"), None)
    proj = project(versions, NOW - timedelta(800))
    [finding] = NewCapability().check(cand, proj, Context(now=NOW, scans=made))
    assert "network at import" in finding.message
    assert "when its functions are called" not in finding.message
