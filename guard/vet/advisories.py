"""Asking the advisory database (OSV) about the candidates' releases.

``start`` sends the one query as soon as the releases are known, beside the JSON
API look-ups; ``merge`` hands the answer to the rules (``Known.advisories``, read
by ``known-malicious``) and fills ``known-vulnerability``'s data for releases the
JSON API had none for; ``notes`` says in the report what could not be checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from packaging.utils import NormalizedName

from guard.index.concurrency import Pending
from guard.models import Advisories, Candidate, Project, Source
from guard.vet.model import AdvisoryDB, Known


def _asked(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates the database is asked about: releases from the index."""
    return [c for c in candidates if c.source is Source.INDEX]


def start(
    db: AdvisoryDB | None, candidates: Sequence[Candidate], revalidate: bool = False
) -> Pending[Advisories] | None:
    """Ask ``db`` about the candidates' releases on a thread of its own (None: no
    ``db``); with ``revalidate``, no cached answer is used."""
    if db is None:
        return None
    releases = [(c.name, c.version) for c in _asked(candidates)]
    return Pending(lambda: db.advisories(releases, revalidate), "safepip-advisories")


def merge(known: Known, advisories: Advisories, candidates: Sequence[Candidate]) -> Known:
    """``known`` with the answer attached, and the answer's vulnerabilities (not
    the malicious-package reports, which are ``known-malicious``'s) as the data of
    every release the JSON API had no vulnerability data for."""
    updated: dict[NormalizedName, Project] = {}
    for c in _asked(candidates):
        project = updated.get(c.name) or known.get(c.name)
        answer = advisories.of(c.name, c.version)
        if project is None or answer is None or project.vulnerabilities_for(c.version) is not None:
            continue
        vulns = tuple(v for v in answer if not v.malicious)
        data = {**project.version_vulnerabilities, c.version: vulns}
        updated[c.name] = replace(project, version_vulnerabilities=data)
    return replace(known.adding(updated), advisories=advisories)


def notes(known: Known, candidates: Sequence[Candidate]) -> tuple[str, ...]:
    """What the report must say: releases not checked against malware reports,
    and releases without vulnerability data."""
    advisories = known.advisories
    if advisories is None:
        return ()
    out = []
    unchecked = [c for c in _asked(candidates) if advisories.of(c.name, c.version) is None]
    if unchecked:
        why = advisories.unavailable or "no answer"
        out.append(
            f"known-malicious data unavailable: {len(unchecked)} release(s) were not checked "
            f"against OSV's malware reports ({_releases(unchecked)}): {why}"
        )
    blind = [
        c
        for c in _asked(candidates)
        if (p := known.get(c.name)) is not None and p.vulnerabilities_for(c.version) is None
    ]
    if blind:
        out.append(
            f"vulnerability data unavailable for {_releases(blind)}: the JSON API has none "
            "for these releases and OSV gave no answer"
        )
    return tuple(out)


def _releases(candidates: Sequence[Candidate], shown: int = 5) -> str:
    names = [f"{c.name} {c.version}" for c in candidates[:shown]]
    more = len(candidates) - shown
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")
