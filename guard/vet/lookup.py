"""Looking projects up on the index, concurrently, into a new ``Known``.

A failed look-up follows the policy's ``on-network-error``: "block" raises, else the
name is kept as failed (judged later as not vetted). ``Sightings`` collects every
project the run saw, for the history, even when the run stops half-way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from packaging.utils import NormalizedName, canonicalize_name

from guard.analysis import typosquat
from guard.index.concurrency import map_concurrently
from guard.models import Candidate, Project, Publisher, Source
from guard.policy.model import Policy
from guard.rules.typosquat import protected
from guard.vet.model import AdvisoryDB, Index, Known, Progress, ProvenanceSource

_NOTHING: Mapping[NormalizedName, Project] = {}


class Sightings:
    """The projects a run saw, by name, the last answer winning (None: gone), and
    the trusted publishers of the attested files it saw.

    The one mutable piece of a run: the history records what it holds, even when
    a step raised. Added to from the run's own thread only.
    """

    def __init__(self) -> None:
        self._projects: dict[NormalizedName, Project | None] = {}
        self._publishers: dict[NormalizedName, Publisher] = {}

    def add_publishers(self, publishers: Mapping[NormalizedName, Publisher]) -> None:
        self._publishers.update(publishers)

    def publishers(self) -> dict[NormalizedName, Publisher]:
        return dict(self._publishers)

    def add(self, projects: Mapping[NormalizedName, Project | None]) -> None:
        self._projects.update(projects)

    def projects(self) -> dict[NormalizedName, Project]:
        return {name: p for name, p in self._projects.items() if p is not None}


@dataclass(frozen=True)
class Lookup:
    """The run's look-ups: the index, the policy's ``on-network-error``, progress,
    the advisory database (``guard.vet.advisories``; None: not asked) and the
    index's provenance (``guard.vet.provenance``; None: not asked)."""

    index: Index
    policy: Policy
    sightings: Sightings
    progress: Progress | None = None
    advisories: AdvisoryDB | None = None
    provenance: ProvenanceSource | None = None

    def names(
        self,
        known: Known,
        names: Iterable[str],
        prefetched: Mapping[NormalizedName, Project] = _NOTHING,
        revalidate: bool = False,
    ) -> Known:
        """``known`` with the named projects looked up (taken from ``prefetched``
        where there); with ``revalidate``, asked again even when already known."""
        wanted = sorted({canonicalize_name(n) for n in names})
        if not revalidate:
            wanted = [n for n in wanted if n not in known.projects]
            taken = {n: prefetched[n] for n in wanted if n in prefetched}
            self.sightings.add(taken)
            known = known.adding(taken)
            wanted = [n for n in wanted if n not in taken]
        if not wanted:
            return known
        return self._ask(known, wanted, revalidate)

    def _ask(self, known: Known, wanted: Sequence[NormalizedName], revalidate: bool) -> Known:
        found = self.index.look_up(
            wanted,
            block_on_error=self.policy.on_network_error == "block",
            revalidate=revalidate,
            progress=self._progress,
        )
        self.sightings.add(found.projects)
        return known.adding(found.projects, found.failed or None)

    def _progress(self, done: int, total: int) -> None:
        if self.progress:
            self.progress("looking up", done, total)

    def with_targets(
        self,
        known: Known,
        names: Iterable[str],
        prefetched: Mapping[NormalizedName, Project] = _NOTHING,
    ) -> Known:
        """Look the projects up, then the popular projects their names resemble, so
        the typosquat rule can tell a look-alike from a sibling of the same owners."""
        wanted = sorted(set(names))
        known = self.names(known, wanted, prefetched)
        detector = typosquat.detector_for(protected(self.policy.thresholds))
        related = {target for name in wanted for target in detector.related_targets(name)}
        return self.names(known, related, prefetched)

    def refresh_stale(self, known: Known, candidates: Sequence[Candidate]) -> Known:
        """Re-fetch projects whose cached answer does not list the file pip chose."""
        stale = [
            c.name
            for c in candidates
            if c.source is Source.INDEX
            and (p := known.get(c.name)) is not None
            and p.file(c.filename) is None
        ]
        return self.names(known, stale, revalidate=True) if stale else known

    def vulnerabilities(self, known: Known, candidates: Sequence[Candidate]) -> Known:
        """Add each candidate's own version's vulnerabilities where the project
        document has none for it."""
        todo = []
        for c in candidates:
            project = known.get(c.name)
            if project is not None and project.vulnerabilities_for(c.version) is None:
                todo.append((c, project))
        if not todo:
            return known

        def one(item: tuple[Candidate, Project]) -> tuple[NormalizedName, Project]:
            c, project = item
            vulns = self.index.version_vulnerabilities(c.name, c.version)
            if vulns is None:
                return c.name, project
            merged = {**project.version_vulnerabilities, c.version: vulns}
            return c.name, replace(project, version_vulnerabilities=merged)

        updated = dict(map_concurrently(one, todo))
        self.sightings.add(updated)
        return known.adding(updated)
