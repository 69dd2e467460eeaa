"""Where the history is kept, behind a small interface: ``HistoryStore``.

``FileHistoryStore`` keeps it in a file (the CLI gives it ``history.default_path()``;
nothing else names that path); ``MemoryHistoryStore`` keeps it in memory, for tests
and for runs that must leave no trace. ``record`` merges what a run saw into a store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from packaging.utils import NormalizedName

from guard.models import Project, Publisher
from guard.state import history
from guard.state.history import Seen


class HistoryStore(Protocol):
    """Loads and saves the history; neither raises for storage problems."""

    def load(self) -> dict[NormalizedName, Seen]: ...

    def save(self, entries: Mapping[NormalizedName, Seen]) -> bool: ...


@dataclass(frozen=True)
class FileHistoryStore:
    """The history in one JSON file (see ``guard.state.history``)."""

    path: Path

    def load(self) -> dict[NormalizedName, Seen]:
        return history.load(self.path)

    def save(self, entries: Mapping[NormalizedName, Seen]) -> bool:
        return history.save(entries, self.path)


class MemoryHistoryStore:
    """The history in memory; ``saves`` counts the writes."""

    def __init__(self, entries: Mapping[NormalizedName, Seen] | None = None) -> None:
        self.entries: dict[NormalizedName, Seen] = dict(entries or {})
        self.saves = 0

    def load(self) -> dict[NormalizedName, Seen]:
        return dict(self.entries)

    def save(self, entries: Mapping[NormalizedName, Seen]) -> bool:
        self.entries = dict(entries)
        self.saves += 1
        return True


def record(
    store: HistoryStore,
    projects: Mapping[NormalizedName, Project],
    now: datetime,
    publishers: Mapping[NormalizedName, Publisher] | None = None,
) -> bool:
    """Merge what this run saw into the stored history and write it back.

    Call it after judging, with every project looked up (and the trusted
    publishers of the attested files the run saw). The store is re-read
    first, so entries another run wrote meanwhile are kept. False when the store
    could not be written (the run goes on).
    """
    return store.save(history.merge(store.load(), projects, now, publishers))
