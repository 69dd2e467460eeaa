"""``SAFEPIP_PHASES=PATH``: when each phase of a run began, written to PATH as JSON.

For ``benchmarks/install_speed.py --profile``. With the variable set, the CLI
marks the phases of ``install`` / ``check`` with the wall-clock time
(``time.time()``, comparable with the caller's): the command taken up, pip's
resolve, the look-ups (started, all done), fetching, scanning, pip's install,
the end of the command; and writes ``{"marks": [[name, seconds], ...]}`` once,
when the command ends. Without the variable nothing is recorded or written.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from guard.files import atomic_write

ENV = "SAFEPIP_PHASES"

P = ParamSpec("P")
R = TypeVar("R")


class Phases:
    """The marks of one run; inert when ``path`` is None."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.marks: list[tuple[str, float]] = []
        self._seen: set[str] = set()

    @classmethod
    def from_env(cls) -> Phases:
        value = os.environ.get(ENV)
        return cls(Path(value) if value else None)

    def mark(self, name: str) -> None:
        if self.path is not None:
            self.marks.append((name, time.time()))

    def progress(self, what: str, done: int, total: int) -> None:
        """A progress event: its first one marks ``what``, its last ``what done``."""
        for name, now in ((what, True), (f"{what} done", bool(total) and done >= total)):
            if now and name not in self._seen:
                self._seen.add(name)
                self.mark(name)

    def around(self, name: str, call: Callable[P, R]) -> Callable[P, R]:
        """``call``, marking ``name`` when it starts and ``name done`` when it returns."""
        if self.path is None:
            return call

        def marked(*args: P.args, **kwargs: P.kwargs) -> R:
            self.mark(name)
            try:
                return call(*args, **kwargs)
            finally:
                self.mark(f"{name} done")

        return marked

    def write(self) -> None:
        """Write the marks (an unwritable path is left alone: timing is no reason to fail)."""
        if self.path is None:
            return
        document = {"marks": [[name, when] for name, when in self.marks]}
        try:
            atomic_write(self.path, json.dumps(document).encode("utf-8"))
        except OSError:
            return
