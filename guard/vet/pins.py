"""The files to fetch for the chosen candidates, each with the sha256 it must have."""

from __future__ import annotations

from collections.abc import Sequence

from guard.index.artifacts import Wanted
from guard.models import Candidate, Source
from guard.vet.model import Known

_FETCHED = frozenset({Source.INDEX, Source.URL})


def wanted_files(known: Known, candidates: Sequence[Candidate]) -> dict[str, Wanted]:
    """The file to fetch for each candidate, by file name, with the hash it must have.

    The JSON API's sha256 is the vetted one; a file whose index hash disagrees
    is not fetched (artifact-mismatch blocks it), nor one with no hash at all.
    """
    pins: dict[str, Wanted] = {}
    for c in candidates:
        if c.source not in _FETCHED or not c.filename:
            continue
        sha = _vetted_sha256(known, c)
        if not sha or (c.sha256 and sha != c.sha256):
            continue
        pins[c.filename] = Wanted(c.url, sha, c.filename)
    return pins


def _vetted_sha256(known: Known, c: Candidate) -> str | None:
    """The index's sha256 of the candidate's file, else the one pip reported."""
    project = known.get(c.name)
    info = project.file(c.filename) if project and c.source is Source.INDEX else None
    return info.sha256 if info else c.sha256
