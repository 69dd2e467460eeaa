"""provenance-changed, the provenance step of the vetter (collect, publishers,
notes) and the publishers the history records."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.models import (
    Candidate,
    FileInfo,
    Project,
    Provenance,
    Provenances,
    Publisher,
    Release,
    Source,
)
from guard.rules.base import Context
from guard.rules.provenance import ProvenanceChanged
from guard.state import history
from guard.state.history import Seen
from guard.vet import provenance as step
from guard.vet.model import Known

NOW = datetime(2026, 6, 1, tzinfo=UTC)
NAME = canonicalize_name("demo")
FILE = "demo-2.0-py3-none-any.whl"
OLD_FILE = "demo-1.0-py3-none-any.whl"
REPO = Publisher("GitHub", "owner/repo", "release.yml", "pypi")
FORK = Publisher("GitHub", "attacker/repo", "release.yml", "pypi")
OTHER_WORKFLOW = Publisher("GitHub", "owner/repo", "sneaky.yml", "pypi")
UNAVAILABLE = Provenance(unavailable="provenance data unavailable from this index (1.1)")


def candidate() -> Candidate:
    return Candidate(NAME, Version("2.0"), Source.INDEX, "", FILE, None)


def seen(publisher: Publisher | None) -> dict[NormalizedName, Seen]:
    return {NAME: Seen(("alice",), None, NOW, None, publisher=publisher)}


def check(
    chosen: Provenance,
    recorded: Publisher | None = None,
    previous: Provenance | None = None,
) -> list[str]:
    provenances = Provenances({FILE: chosen}, {NAME: previous} if previous else {})
    ctx = Context(now=NOW, history=seen(recorded), provenance=provenances)
    return [f.message for f in ProvenanceChanged().check(candidate(), None, ctx)]


def test_same_publisher_is_clean() -> None:
    assert check(Provenance((REPO,)), recorded=REPO) == []
    assert check(Provenance((REPO,)), previous=Provenance((REPO,))) == []


def test_another_environment_is_the_same_publisher() -> None:
    moved = Publisher("GitHub", "Owner/Repo", "release.yml", "")
    assert check(Provenance((moved,)), recorded=REPO) == []


def test_no_attestation_after_attested_history_blocks() -> None:
    [message] = check(Provenance(), recorded=REPO)
    assert "has no attestation" in message and "owner/repo" in message
    assert ProvenanceChanged.default_action.label == "block"


def test_no_attestation_after_an_attested_previous_release_blocks() -> None:
    [message] = check(Provenance(), previous=Provenance((REPO,)))
    assert "the previous release" in message


def test_another_repository_or_workflow_blocks() -> None:
    [fork] = check(Provenance((FORK,)), recorded=REPO)
    assert "attacker/repo" in fork and "owner/repo" in fork
    [workflow] = check(Provenance((OTHER_WORKFLOW,)), previous=Provenance((REPO,)))
    assert "sneaky.yml" in workflow


def test_never_attested_projects_are_not_judged() -> None:
    assert check(Provenance()) == []
    assert check(Provenance(), previous=Provenance()) == []
    assert check(Provenance((FORK,))) == []


def test_no_provenance_from_the_index_is_never_a_finding() -> None:
    assert check(UNAVAILABLE, recorded=REPO) == []
    ctx = Context(now=NOW, history=seen(REPO), provenance=None)
    assert list(ProvenanceChanged().check(candidate(), None, ctx)) == []


def test_notes_say_the_index_gives_no_provenance_once() -> None:
    provenances = Provenances({FILE: UNAVAILABLE})
    [note] = step.notes(provenances, [candidate()])
    assert note.startswith("provenance data unavailable from this index")
    assert step.notes(Provenances({FILE: Provenance((REPO,))}), [candidate()]) == ()


class Source_:
    """An index answering from a table; records what it was asked."""

    def __init__(self, answers: dict[str, Provenance]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def provenance(self, name: str, filename: str) -> Provenance:
        self.asked.append(filename)
        return self.answers[filename]


def project() -> Project:
    def release(version: str, filename: str) -> Release:
        info = FileInfo(filename, "u", "ab" * 32, "bdist_wheel", NOW)
        return Release(Version(version), (info,))

    releases = {Version("1.0"): release("1.0", OLD_FILE), Version("2.0"): release("2.0", FILE)}
    return Project(NAME, "demo", latest_version=Version("2.0"), releases=releases)


def test_collect_asks_the_previous_release_only_when_needed() -> None:
    known = Known({NAME: project()})
    same = Source_({FILE: Provenance((REPO,)), OLD_FILE: Provenance((REPO,))})
    found = step.collect(same, known, [candidate()], {})
    assert same.asked == [FILE] and found.previous == {}
    assert step.publishers(found, [candidate()]) == {NAME: REPO}

    bare = Source_({FILE: Provenance(), OLD_FILE: Provenance((REPO,))})
    found = step.collect(bare, known, [candidate()], {})
    assert bare.asked == [FILE, OLD_FILE]
    assert found.previous == {NAME: Provenance((REPO,))}

    changed = Source_({FILE: Provenance((FORK,)), OLD_FILE: Provenance((REPO,))})
    step.collect(changed, known, [candidate()], seen(REPO))
    assert changed.asked == [FILE, OLD_FILE]


def test_history_keeps_the_first_publisher_and_round_trips(tmp_path: Path) -> None:
    entries = history.merge({}, {}, NOW, {NAME: REPO})
    assert entries[NAME].publisher == REPO
    entries = history.merge(entries, {}, NOW, {NAME: FORK})
    assert entries[NAME].publisher == REPO  # a change does not overwrite it
    refreshed = Publisher("GitHub", "owner/repo", "release.yml", "prod")
    assert history.merge(entries, {}, NOW, {NAME: refreshed})[NAME].publisher == refreshed
    path = tmp_path / "history.json"
    assert history.save(entries, path)
    assert history.load(path)[NAME].publisher == REPO
