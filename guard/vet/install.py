"""The pinned install: exactly the fetched, checked files, pinned by their hashes.

``WorkerPip`` is the ``Pip`` the CLI gives the ``Vetter``: a running ``PipWorker``
runs the dry runs and then, if vetting allows, this install.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guard.errors import GuardError
from guard.files import temporary_directory
from guard.index import artifacts
from guard.models import Candidate, Source
from guard.pip import install
from guard.pip.args import PipArgs
from guard.pip.worker import Captured, PipWorker
from guard.vet.model import Outcome, Pip

_UNHASHED = frozenset({Source.LOCAL, Source.VCS})


@dataclass(frozen=True)
class WorkerPip:
    """A ``Pip`` backed by one ``PipWorker`` (``guard.pip.worker``)."""

    worker: PipWorker

    def capture(self, args: Sequence[str]) -> Captured:
        return self.worker.capture(args)

    def install(
        self,
        pinned: Sequence[install.Pinned],
        unhashed: Sequence[Candidate],
        wheelhouse: Path,
        options: Sequence[str],
        offline: bool,
    ) -> None:
        install.install(self.worker, pinned, unhashed, wheelhouse, options, offline)


def split(outcome: Outcome) -> tuple[list[install.Pinned], list[Candidate]]:
    """The candidates pinned by their vetted hash, and the ones that cannot be
    hashed (local projects, VCS checkouts)."""
    pinned: list[install.Pinned] = []
    unhashed: list[Candidate] = []
    for c in outcome.candidates:
        if c.source in _UNHASHED:
            unhashed.append(c)
            continue
        sha = outcome.pins.get(c.filename)
        if not sha or c.filename not in outcome.files:
            raise GuardError(f"{c.name}: {c.filename} was not fetched and checked; cannot pin it")
        pinned.append(install.Pinned(c, sha))
    return pinned, unhashed


def install_vetted(pip: Pip, pip_args: PipArgs, outcome: Outcome) -> None:
    """Install exactly the fetched, checked files of an allowed ``outcome``, with
    ``pip`` (the one that resolved them)."""
    if outcome.partial or outcome.verdict.decision.exit_code != 0:
        raise GuardError("refusing to install a set that was not allowed")
    pinned, unhashed = split(outcome)
    any_build = any(p.candidate.needs_build for p in pinned)
    with temporary_directory("safepip-") as tmp:
        house = tmp / "vetted"
        artifacts.place(
            {p.candidate.filename: outcome.files[p.candidate.filename] for p in pinned}, house
        )
        options = pip_args.install_args(keep_index=any_build or bool(unhashed))
        if outcome.build_pins:
            constraint = install.write_constraints(
                outcome.build_pins, tmp / "build-constraints.txt"
            )
            options = [*options, "--build-constraint", str(constraint)]
        pip.install(pinned, unhashed, house, options, offline=not any_build)
