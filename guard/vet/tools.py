"""``Tools``: what the steps of one run work with, read-only: the request, the
look-ups, the judge and the collaborators that run pip and fetch files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from guard.vet.judge import Judge
from guard.vet.lookup import Lookup
from guard.vet.model import Fetch, Pip, Progress, Request


@dataclass(frozen=True)
class Tools:
    request: Request
    lookup: Lookup
    judge: Judge
    pip: Pip
    fetch: Fetch
    workdir: Path  # private scratch space of this run
    progress: Progress | None = None

    @property
    def now(self) -> datetime:
        return self.judge.now

    def show(self, what: str, done: int = 0, total: int = 0) -> None:
        if self.progress:
            self.progress(what, done, total)
