"""Tests of guard.state.history and its stores (guard.state.store): observing owners,
the file's round trip, atomic and bounded writes, that a broken file is an empty
history, never a crash, and the in-memory store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from packaging.utils import NormalizedName, canonicalize_name

from guard.models import Ownership, Project
from guard.state import history
from guard.state.history import Seen
from guard.state.store import FileHistoryStore, MemoryHistoryStore, record

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def proj(name: str, users: tuple[str, ...] = ("alice",), org: str | None = None) -> Project:
    return Project(name=canonicalize_name(name), display_name=name, ownership=Ownership(org, users))


def test_default_path_honours_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert history.default_path() == tmp_path / "data" / "safepip" / "history.json"


def test_record_then_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    store = FileHistoryStore(history.default_path())
    assert store.load() == {}
    assert record(store, {canonicalize_name("Demo"): proj("Demo", ("bob", "alice"))}, NOW)
    loaded = store.load()
    assert loaded == {"demo": Seen(("alice", "bob"), None, NOW, None)}
    assert history.load(tmp_path / "safepip" / "history.json") == loaded


def test_the_memory_store_keeps_what_is_recorded_and_counts_saves() -> None:
    store = MemoryHistoryStore()
    name = canonicalize_name("demo")
    assert record(store, {name: proj("demo", ("alice",))}, NOW)
    assert record(store, {name: proj("demo", ("mallory",))}, NOW + timedelta(days=1))
    assert store.saves == 2
    entry = store.load()[name]
    assert entry.owners == ("mallory",) and entry.previous_owners == ("alice",)


def test_record_keeps_entries_it_did_not_see() -> None:
    other = canonicalize_name("other")
    store = MemoryHistoryStore({other: Seen(("bob",), None, NOW, None)})
    record(store, {canonicalize_name("demo"): proj("demo")}, NOW)
    assert sorted(store.load()) == ["demo", "other"]


def test_a_change_is_kept_with_its_window(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    name = canonicalize_name("demo")
    record(FileHistoryStore(path), {name: proj("demo", ("alice",))}, NOW - timedelta(days=10))
    record(FileHistoryStore(path), {name: proj("demo", ("mallory",))}, NOW)
    entry = history.load(path)[name]
    assert entry.owners == ("mallory",) and entry.previous_owners == ("alice",)
    assert entry.changed_after == NOW - timedelta(days=10) and entry.changed_by == NOW
    # seen again unchanged: the change is still remembered
    record(FileHistoryStore(path), {name: proj("demo", ("mallory",))}, NOW + timedelta(days=1))
    again = history.load(path)[name]
    assert again.changed_by == NOW and again.seen_at == NOW + timedelta(days=1)
    # ... until CHANGE_MEMORY has passed
    later = NOW + history.CHANGE_MEMORY + timedelta(days=1)
    record(FileHistoryStore(path), {name: proj("demo", ("mallory",))}, later)
    assert history.load(path)[name].changed_by is None


def test_projects_without_ownership_are_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    name = canonicalize_name("demo")
    record(FileHistoryStore(path), {name: proj("demo", ("alice",))}, NOW)
    record(FileHistoryStore(path), {name: proj("demo", ())}, NOW + timedelta(days=1))
    assert history.load(path)[name].owners == ("alice",)


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not json",
        "[]",
        '{"format": 99, "projects": {}}',
        '{"format": 1, "projects": []}',
        "{" * 100_000,
    ],
)
def test_a_corrupt_file_is_an_empty_history(tmp_path: Path, content: str) -> None:
    path = tmp_path / "h.json"
    path.write_text(content, encoding="utf-8")
    assert history.load(path) == {}
    assert record(FileHistoryStore(path), {canonicalize_name("x"): proj("x")}, NOW)
    assert list(history.load(path)) == ["x"]


def test_bad_entries_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    good = {"owners": ["alice"], "organization": None, "seen_at": NOW.isoformat()}
    data = {
        "format": 1,
        "projects": {"good": good, "bad": {"owners": "alice"}, "worse": 3, "Mixed_Case": good},
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    assert sorted(history.load(path)) == ["good", "mixed-case"]


def test_size_is_bounded_keeping_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "MAX_ENTRIES", 3)
    path = tmp_path / "h.json"
    entries: dict[NormalizedName, Seen] = {
        canonicalize_name(f"p{i}"): Seen(("a",), None, NOW + timedelta(hours=i), None)
        for i in range(5)
    }
    assert history.save(entries, path)
    assert sorted(history.load(path)) == ["p2", "p3", "p4"]


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "h.json"
    assert record(FileHistoryStore(path), {canonicalize_name("x"): proj("x")}, NOW)
    assert [p.name for p in path.parent.iterdir()] == ["h.json"]


def test_an_unwritable_place_returns_false(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert (
        record(FileHistoryStore(blocker / "h.json"), {canonicalize_name("x"): proj("x")}, NOW)
        is False
    )
