"""Asking the index who published the candidates' files (PEP 740 provenance).

``collect`` asks the provenance of each candidate's file from the index and,
for a project whose file has no attestation or one from another publisher than
the history recorded, the provenance of one file of the previous release (one
request more per such project). ``publishers`` is what the history records;
``notes`` says in the report what could not be checked. The rule
``provenance-changed`` reads the answers in ``Context.provenance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from packaging.utils import NormalizedName

from guard.index.concurrency import map_concurrently
from guard.models import Candidate, FileInfo, Provenance, Provenances, Publisher, Source
from guard.state.history import Seen
from guard.vet.model import Known, ProvenanceSource

INDEX_WIDE = "provenance data unavailable from this index"


def _asked(candidates: Sequence[Candidate]) -> list[Candidate]:
    return [c for c in candidates if c.source is Source.INDEX and c.filename]


def _previous_file(known: Known, candidate: Candidate) -> FileInfo | None:
    """A file of the newest release before the candidate's (a wheel if any)."""
    project = known.get(candidate.name)
    if project is None:
        return None
    older = [
        r for v, r in project.releases.items() if v < candidate.version and r.files and not r.yanked
    ]
    if not older:
        return None
    files = max(older, key=lambda r: r.version).files
    return next((f for f in files if f.filename.endswith(".whl")), files[0])


def _wants_previous(chosen: Provenance, seen: Seen | None) -> bool:
    """The previous release is asked about only when the chosen file has no
    attestation, or one from another publisher than the history recorded."""
    if not chosen.available:
        return False
    if not chosen.attested:
        return True
    recorded = seen.publisher if seen is not None else None
    return recorded is not None and not any(p.same_source(recorded) for p in chosen.publishers)


def collect(
    source: ProvenanceSource,
    known: Known,
    candidates: Sequence[Candidate],
    history: Mapping[NormalizedName, Seen],
) -> Provenances:
    """The provenance of the candidates' files and, where needed, of the previous
    release of their projects."""
    asked = _asked(candidates)
    found = map_concurrently(lambda c: source.provenance(c.name, c.filename), asked)
    files = {c.filename: p for c, p in zip(asked, found, strict=True)}
    todo = [
        (c.name, info)
        for c in asked
        if _wants_previous(files[c.filename], history.get(c.name))
        and (info := _previous_file(known, c)) is not None
    ]
    earlier = map_concurrently(lambda item: source.provenance(item[0], item[1].filename), todo)
    previous = {name: p for (name, _), p in zip(todo, earlier, strict=True) if p.available}
    return Provenances(files, previous)


def publishers(
    provenances: Provenances, candidates: Sequence[Candidate]
) -> dict[NormalizedName, Publisher]:
    """The publisher to record for each project: its candidate's, else its
    previous release's (the first of each file's publishers)."""
    out = {name: p.publishers[0] for name, p in provenances.previous.items() if p.attested}
    for c in _asked(candidates):
        chosen = provenances.files.get(c.filename)
        if chosen is not None and chosen.attested:
            out[c.name] = chosen.publishers[0]
    return out


def notes(provenances: Provenances | None, candidates: Sequence[Candidate]) -> tuple[str, ...]:
    """What the report must say: files whose provenance could not be had."""
    if provenances is None:
        return ()
    missing = [
        (c, p)
        for c in _asked(candidates)
        if (p := provenances.files.get(c.filename)) is not None and not p.available
    ]
    if not missing:
        return ()
    reasons = sorted({p.unavailable for _, p in missing})
    index_wide = [r for r in reasons if r.startswith(INDEX_WIDE)]
    if index_wide:
        return (f"{index_wide[0]}: provenance-changed did not check {len(missing)} file(s)",)
    names = ", ".join(f"{c.name} {c.version}" for c, _ in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return (
        f"provenance data unavailable for {names}{more}: {reasons[0]}"
        + (f" (and {len(reasons) - 1} other reason(s))" if len(reasons) > 1 else ""),
    )
