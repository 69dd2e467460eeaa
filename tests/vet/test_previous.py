"""``guard.vet.previous``: the previous release's artifact is fetched (through the
run's fetcher) and scanned (through the run's scanner) only when there is
something to compare, and ``new-capability`` judges the pair."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.errors import ArtifactError
from guard.index.analysis_cache import ScanJob, scan_file
from guard.index.artifacts import Wanted
from guard.models import Action, Candidate, Source
from guard.policy import model as policy
from guard.rules.base import Scanned, ScanSettings
from guard.rules.capability import NEW_CAPABILITY
from guard.vet.judge import Judge
from guard.vet.model import Known
from guard.vet.previous import previous_scans
from tests.fakepypi.builders import build_wheel, sha256_hex, wheel_filename
from tests.vet.fakes import NOW, OLD, Dist, project

NAME = "capdemo"
PLAIN = '"""A helper."""\n'
# Benign by construction: 127.0.0.1 port 9, and never run.
PHONES_HOME = 'import urllib.request\nurllib.request.urlopen("http://127.0.0.1:9/x").read()\n'


def dist(version: str, init: str = PLAIN) -> Dist:
    data = build_wheel(NAME, version, files={f"{NAME}/__init__.py": init})
    return Dist(NAME, version, OLD, data, wheel_filename(NAME, version))


class Harness:
    def __init__(self, tmp_path: Path, new_init: str, fail_fetch: bool = False) -> None:
        self.dists = [dist("1.0"), dist("1.1"), dist("1.2"), dist("1.3", new_init)]
        self.tmp = tmp_path
        self.fail_fetch = fail_fetch
        self.fetched: list[list[Wanted]] = []
        self.scanned: list[str] = []
        self.judge = Judge(policy.builtin(), NOW, {}, self.scan)
        self.project = project(NAME, {d.version: [d.info] for d in self.dists})
        last = self.dists[-1]
        self.candidate = Candidate(
            canonicalize_name(NAME), Version("1.3"), Source.INDEX, last.url, last.filename, None
        )
        self.path = self.write(last)

    def write(self, d: Dist) -> Path:
        path = self.tmp / d.filename
        path.write_bytes(d.bytes)
        return path

    def fetch(self, wanted: Sequence[Wanted]) -> dict[str, Path]:
        self.fetched.append(list(wanted))
        if self.fail_fetch:
            raise ArtifactError("capdemo-1.2-py3-none-any.whl: HTTP 503 from the index")
        by_name = {d.filename: d for d in self.dists}
        return {w.filename: self.write(by_name[w.filename]) for w in wanted}

    def scan(self, jobs: Sequence[ScanJob], settings: ScanSettings) -> dict[str, Scanned]:
        self.scanned.extend(j.filename for j in jobs)
        return {
            j.filename: Scanned(settings, scan_file(j.path, j.filename, settings)) for j in jobs
        }

    def run(self) -> tuple[dict[str, Scanned], list[tuple[str, Action, bool]]]:
        known = Known({self.candidate.name: self.project})
        files = {self.candidate.filename: self.path}
        hashes = {self.candidate.filename: sha256_hex(self.dists[-1].bytes)}
        earlier = previous_scans(self.judge, self.fetch, known, [self.candidate], files, hashes)
        verdict = self.judge.verdict(
            known, [self.candidate], [], files=files, hashes=hashes, previous=earlier
        )
        [package] = verdict.packages
        found = [
            (j.finding.message, j.action, j.finding.weak)
            for j in package.judged
            if j.finding.rule == NEW_CAPABILITY
        ]
        return earlier, found


def test_nothing_is_fetched_when_the_candidate_shows_no_capability(tmp_path: Path) -> None:
    harness = Harness(tmp_path, PLAIN)
    earlier, found = harness.run()
    assert earlier == {}
    assert harness.fetched == []
    assert found == []


def test_the_previous_wheel_is_fetched_hash_checked_and_compared(tmp_path: Path) -> None:
    harness = Harness(tmp_path, PHONES_HOME)
    earlier, found = harness.run()
    previous = harness.dists[2]
    assert harness.fetched == [
        [Wanted(previous.url, previous.info.sha256 or "", previous.filename)]
    ]
    assert previous.filename in harness.scanned
    assert set(earlier) == {previous.filename}
    [(message, action, weak)] = found
    assert action is Action.BLOCK and not weak
    assert "network at import" in message and previous.filename in message


def test_a_failed_fetch_says_the_release_could_not_be_compared(tmp_path: Path) -> None:
    harness = Harness(tmp_path, PHONES_HOME, fail_fetch=True)
    earlier, found = harness.run()
    [scanned] = earlier.values()
    assert scanned.result is None and "HTTP 503" in scanned.error
    [(message, action, weak)] = found
    assert weak and action is Action.WARN
    assert "could not be compared" in message and "HTTP 503" in message
