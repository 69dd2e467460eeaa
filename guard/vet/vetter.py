"""``Vetter``: check, install and audit, from collaborators the CLI builds.

1. Direct references (URLs, VCS) are ruled on before pip may build them
   (``guard.vet.direct``).
2. pip resolves wheels only, before a cut-off; what it finds no wheel for is
   judged first, sdists and their build requirements are vetted before pip may
   build them (``guard.vet.resolve``).
3. Every candidate is looked up on the JSON API (concurrently, cached; what
   was asked for and its likely dependencies already while pip resolves, see
   guard.index.prefetch) and judged by the rules and the policy; unless that
   already blocks, its file is fetched and hash-checked and the rules that read
   artifacts judge those bytes.
4. ``install`` has pip install exactly the fetched files, pinned by hash
   (``guard.vet.install``).

Nothing here reaches for a global: the index, the fetcher, pip, the history store,
the clock and the scanner of fetched files (cached by sha256) are given. What a
run saw is recorded in the history store, also when the run stops with an error.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace

from packaging.utils import NormalizedName

from guard import rules
from guard.errors import GuardError
from guard.files import temporary_directory
from guard.index.prefetch import requested_names
from guard.models import Candidate, Decision, Project, Source
from guard.pip.environment import Environment
from guard.policy.model import Policy
from guard.state import store
from guard.state.store import HistoryStore
from guard.vet import advisories
from guard.vet import audit as audit_step
from guard.vet import provenance as provenance_step
from guard.vet.direct import direct_verdict
from guard.vet.install import install_vetted
from guard.vet.judge import Judge
from guard.vet.lookup import Lookup, Sightings
from guard.vet.model import (
    AdvisoryDB,
    Clock,
    Fetch,
    Index,
    Known,
    Ledger,
    Outcome,
    Pip,
    Progress,
    ProvenanceSource,
    Request,
    ScanFiles,
    StartAhead,
)
from guard.vet.pins import wanted_files
from guard.vet.previous import previous_scans
from guard.vet.resolve import Resolved, newer_skipped, resolve
from guard.vet.tools import Tools


def _prepare_rules() -> None:
    """Load the rules' data ahead of time (``guard.rules.prepare``).

    A file that cannot be read or parsed is left to the rule that needs it: it
    reads it again when it runs, and its failure blocks (rule-error)."""
    try:
        rules.prepare()
    except (OSError, ValueError):
        return


def _warm_up_rules() -> None:
    # Load the rules' data while pip resolves (pip runs in another process).
    threading.Thread(target=_prepare_rules, daemon=True).start()


class Vetter:
    """Vets what pip would install (``check``), installs it (``install``), or
    judges an environment (``audit``)."""

    def __init__(
        self,
        index: Index,
        fetch: Fetch,
        pip: Pip | None,
        history: HistoryStore,
        clock: Clock,
        *,
        prefetch: StartAhead | None = None,
        progress: Progress | None = None,
        advisories: AdvisoryDB | None = None,
        scan: ScanFiles | None = None,
        provenance: ProvenanceSource | None = None,
    ) -> None:
        self.index = index
        self.fetch = fetch
        self.pip = pip
        self.history = history
        self.clock = clock
        self.prefetch = prefetch
        self.progress = progress
        self.advisories = advisories
        self.scan = scan
        self.provenance = provenance

    def _lookup(self, policy: Policy, sightings: Sightings) -> Lookup:
        return Lookup(
            self.index, policy, sightings, self.progress, self.advisories, self.provenance
        )

    def _pip(self) -> Pip:
        if self.pip is None:
            raise GuardError("this vetter has no pip to resolve or install with")
        return self.pip

    def check(self, request: Request) -> Outcome:
        """Work out what pip would install, fetch and check its files, judge all of it.

        Installs nothing; no package code runs except sdists the policy allowed to
        be built while pip resolves.
        """
        pip = self._pip()
        now = self.clock()
        sightings = Sightings()
        with temporary_directory("safepip-vet-") as workdir:
            tools = Tools(
                request,
                self._lookup(request.policy, sightings),
                Judge(request.policy, now, self.history.load(), self.scan),
                pip,
                self.fetch,
                workdir,
                self.progress,
            )
            try:
                return self._check(tools)
            finally:
                store.record(self.history, sightings.projects(), now, sightings.publishers())

    def _check(self, tools: Tools) -> Outcome:
        _warm_up_rules()
        ledger = Ledger(notes=(*tools.request.policy.notes, *tools.request.notes))
        seeds = requested_names(tools.request.pip_args)
        ahead = self.prefetch(seeds) if self.prefetch is not None else None
        try:
            early = direct_verdict(tools.judge, ledger, tools.request.pip_args)
            if early is not None:
                return Outcome(early, (), partial=True)
            resolved = resolve(tools, ledger)
        finally:
            prefetched = ahead.stop() if ahead is not None else {}
        if resolved.blocked is not None:
            return Outcome(resolved.blocked, (), partial=True, failed=resolved.failed)
        return _judge_chosen(tools, resolved, prefetched)

    def install(self, request: Request, outcome: Outcome) -> None:
        """Install exactly the fetched, checked files of an allowed ``outcome``."""
        install_vetted(self._pip(), request.pip_args, outcome)

    def audit(self, environment: Environment, policy: Policy) -> audit_step.AuditResult:
        """Judge what ``environment`` holds (listed by ``guard.pip.environment``)."""
        now = self.clock()
        sightings = Sightings()
        lookup = self._lookup(policy, sightings)
        judge = Judge(policy, now, self.history.load())
        result = audit_step.audit(lookup, judge, environment, self.progress)
        store.record(self.history, sightings.projects(), now)
        return result


def _with_provenance(tools: Tools, known: Known, candidates: Sequence[Candidate]) -> Known:
    """``known`` with the index's provenance of the candidates' files (unchanged
    when the run has no provenance source); their publishers go to the history."""
    source = tools.lookup.provenance
    if source is None:
        return known
    found = provenance_step.collect(source, known, candidates, tools.judge.history)
    tools.lookup.sightings.add_publishers(provenance_step.publishers(found, candidates))
    return replace(known, provenance=found)


def _judge_chosen(
    tools: Tools, resolved: Resolved, prefetched: Mapping[NormalizedName, Project]
) -> Outcome:
    """Look up and judge what pip chose; unless that blocks, fetch its files and
    judge them too."""
    candidates = resolved.candidates
    lookup = tools.lookup
    # OSV is asked beside the JSON API look-ups: it needs only names and versions.
    asked = advisories.start(lookup.advisories, candidates)
    names = [c.name for c in candidates if c.source is not Source.LOCAL]
    known = lookup.with_targets(resolved.ledger.known, names, prefetched)
    known = lookup.refresh_stale(known, candidates)
    known = lookup.vulnerabilities(known, candidates)
    if asked is not None:
        known = advisories.merge(known, asked.result(), candidates)
    known = _with_provenance(tools, known, candidates)
    notes = (
        *resolved.ledger.notes,
        *newer_skipped(known, resolved),
        *advisories.notes(known, candidates),
        *provenance_step.notes(known.provenance, candidates),
    )
    verdict = tools.judge.verdict(known, candidates, notes)
    if verdict.decision is Decision.BLOCK:
        # Already blocked on metadata: no need to download anything.
        return Outcome(verdict, candidates)
    pins = wanted_files(known, candidates)
    tools.show("fetching", 0, len(pins))
    files = tools.fetch(list(pins.values()))
    hashes = {name: want.sha256 for name, want in pins.items()}
    earlier = previous_scans(tools.judge, tools.fetch, known, candidates, files, hashes)
    verdict = tools.judge.verdict(
        known, candidates, notes, files=files, hashes=hashes, previous=earlier
    )
    return Outcome(
        verdict,
        candidates,
        files=files,
        pins=hashes,
        build_pins=dict(resolved.ledger.build_pins),
    )
