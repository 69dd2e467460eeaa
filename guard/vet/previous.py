"""The previous release's artifacts, scanned, for ``new-capability``.

For each candidate of an established project whose own scan found anything at
all (without a capability nothing can be new), the previous release's artifact
of the same kind (``guard.rules.capability.previous_file``) is fetched through
the run's ``Fetch`` (hash-checked against the index's sha256, cached) and
scanned through the run's ``ScanFiles`` (cached by sha256). Nothing runs. A
failed fetch is recorded as a ``Scanned`` with the error: the rule then says
it could not compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from guard.analysis.capabilities import capabilities
from guard.errors import GuardError
from guard.index.analysis_cache import ScanJob
from guard.index.artifacts import Wanted
from guard.models import Candidate, Source
from guard.rules.base import Context, Scanned
from guard.rules.capability import established, previous_file
from guard.rules.scan import scan_settings
from guard.vet.judge import Judge
from guard.vet.model import Fetch, Known


def previous_scans(
    judge: Judge,
    fetch: Fetch,
    known: Known,
    candidates: Sequence[Candidate],
    files: Mapping[str, Path],
    hashes: Mapping[str, str],
) -> dict[str, Scanned]:
    """The scans of the previous artifacts to compare with, by their file names."""
    if judge.scan is None:
        return {}
    ctx = judge.context(known, files=files)
    settings = scan_settings(ctx)
    wanted = _comparable(ctx, known, candidates, hashes)
    jobs = [ScanJob(name, files[name], hashes[name]) for name in wanted if name in files]
    mine = judge.scan(jobs, settings) if jobs else {}
    needed = [want for name, want in wanted.items() if _capable(mine.get(name))]
    if not needed:
        return {}
    try:
        got = fetch(needed)
    except GuardError as exc:
        return {w.filename: Scanned(settings, None, str(exc)) for w in needed}
    later = [ScanJob(w.filename, got[w.filename], w.sha256) for w in needed if w.filename in got]
    scans = dict(judge.scan(later, settings)) if later else {}
    for w in needed:
        scans.setdefault(w.filename, Scanned(settings, None, "the fetch returned no file"))
    return scans


def _comparable(
    ctx: Context, known: Known, candidates: Sequence[Candidate], hashes: Mapping[str, str]
) -> dict[str, Wanted]:
    """Candidate file name -> the previous artifact to compare it with."""
    wanted: dict[str, Wanted] = {}
    for c in candidates:
        project = known.get(c.name)
        if c.source is not Source.INDEX or project is None or not hashes.get(c.filename):
            continue
        found = previous_file(project, c) if established(project, c, ctx) else None
        info = found[1] if found is not None else None
        if info is not None and info.sha256:
            wanted[c.filename] = Wanted(info.url, info.sha256, info.filename)
    return wanted


def _capable(scanned: Scanned | None) -> bool:
    """The candidate's scan shows at least one capability."""
    return scanned is not None and scanned.result is not None and bool(capabilities(scanned.result))
