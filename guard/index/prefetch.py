"""Look projects up while pip resolves, so that the look-ups after it are
mostly done already.

The names asked for (on the command line and in requirement files) are looked
up at once and then, breadth first, the dependencies their latest releases
declare (``requires_dist``; markers judged for this interpreter, extras
skipped). It is a guess, and nothing is judged from it: the pipeline takes from
it only the projects pip's resolution chose, and looks the rest up itself, with
its own error handling. It stops when told (pip has answered). Every name
asked for is looked up, however many there are; the guesses beyond them stop
after ``MAX_GUESSES`` projects, a bound on a runaway guess that real sets stay
well below.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from guard.errors import GuardError
from guard.index.concurrency import Background
from guard.index.pypi import PyPIClient
from guard.models import Project
from guard.pip.args import PipArgs

MAX_GUESSES = 2000
WORKERS = 8


def _name(text: str) -> NormalizedName | None:
    """The project a requirement line names, if it is a plain requirement."""
    try:
        return canonicalize_name(Requirement(text.split(" #", 1)[0].strip()).name)
    except InvalidRequirement:
        return None


def requested_names(args: PipArgs) -> list[NormalizedName]:
    """Names the user asked for: positional requirements and the plain lines of
    requirement files (paths, URLs and options are left out)."""
    lines = list(args.positionals)
    for path in args.values("--requirement"):
        try:
            lines += Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue  # pip reports it
    names = (_name(line) for line in lines if line.strip() and not line.startswith(("-", "#")))
    return list(dict.fromkeys(n for n in names if n is not None))


def dependencies(project: Project) -> list[NormalizedName]:
    """What the project's latest release requires here, without extras."""
    out: list[NormalizedName] = []
    for text in project.requires_dist:
        try:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
        except (InvalidRequirement, ValueError):
            continue
        out.append(canonicalize_name(req.name))
    return out


class Prefetch:
    """Background look-ups of ``seeds`` and what they depend on."""

    def __init__(self, client: PyPIClient, seeds: Iterable[str]) -> None:
        self.client = client
        self._found: dict[NormalizedName, Project] = {}
        self._asked: set[NormalizedName] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._pool = Background(WORKERS, "prefetch")
        asked = list(dict.fromkeys(canonicalize_name(name) for name in seeds))
        self._limit = len(asked) + MAX_GUESSES
        for name in asked:
            self._ask(name)

    def _ask(self, name: NormalizedName) -> None:
        with self._lock:
            if self._stopped.is_set() or name in self._asked or len(self._asked) >= self._limit:
                return
            self._asked.add(name)
            self._pool.submit(self._look_up, name)

    def _look_up(self, name: NormalizedName) -> None:
        if self._stopped.is_set():
            return
        try:
            project = self.client.project(name)
        except GuardError:
            return  # the pipeline's own look-up reports it
        if project is None:
            return
        with self._lock:
            self._found[name] = project
        for dep in dependencies(project):
            self._ask(dep)

    def stop(self) -> dict[NormalizedName, Project]:
        """Stop asking; what was found so far."""
        with self._lock:
            self._stopped.set()
            found = dict(self._found)
        self._pool.stop()
        return found
