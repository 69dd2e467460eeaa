"""The final install: exactly the vetted files, pinned by sha256.

Index packages are installed with ``--require-hashes --no-deps`` from a private
folder of the files safepip fetched and checked; when nothing needs building,
pip gets ``--no-index`` too, so it cannot reach for any other file. Local
projects and VCS checkouts (which cannot be hashed) follow with ``--no-deps``,
after their dependencies are in.

pip's resolver does work quadratic in the number of top-level requirements
(each round it ranks every requirement not yet pinned), even when each is
pinned and ``--no-deps``. A large set is therefore installed in runs of at most
``BATCH`` files, dependencies first, in the one pip process: the files, hashes
and options are the same, and each run's check of what it installed sees the
dependencies already in. A set whose requirements form a cycle is installed in
one run.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import Version

from guard.models import Candidate, Source
from guard.pip.resolve import local_path
from guard.pip.worker import PipWorker, pip_command, run_pip

BATCH = 100  # pinned files per pip run of the final install


@dataclass(frozen=True)
class Pinned:
    candidate: Candidate
    sha256: str


def requirement_lines(pinned: Sequence[Pinned]) -> list[str]:
    lines = []
    for pin in pinned:
        c = pin.candidate
        if c.source is Source.URL:
            lines.append(f"{c.name} @ {c.url.split('#', 1)[0]} --hash=sha256:{pin.sha256}")
        else:
            lines.append(f"{c.name}=={c.version} --hash=sha256:{pin.sha256}")
    return lines


def dependencies_first(pinned: Sequence[Pinned]) -> list[Pinned] | None:
    """``pinned`` with what each requires before it; None if the requirements
    form a cycle (or a name comes twice)."""
    by_name = {p.candidate.name: p for p in pinned}
    if len(by_name) != len(pinned):
        return None
    graph = {
        # every name it may require (markers and extras not judged: for ordering,
        # more is safe)
        name: {dep for dep, _ in p.candidate.required() if dep in by_name and dep != name}
        for name, p in by_name.items()
    }
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return None
    return [by_name[name] for name in order]


def batches(pinned: Sequence[Pinned], size: int = BATCH) -> list[list[Pinned]]:
    """The runs of the final install: one if ``pinned`` fits in ``size`` or has a
    cycle, else runs of ``size``, dependencies first."""
    ordered = dependencies_first(pinned) if len(pinned) > size else None
    if ordered is None:
        return [list(pinned)]
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def write_constraints(pins: Mapping[NormalizedName, Version], path: Path) -> Path:
    """A pip constraints file pinning each name to its version."""
    path.write_text(
        "".join(f"{name}=={version}\n" for name, version in sorted(pins.items())),
        encoding="utf-8",
    )
    return path


def unhashed_args(candidates: Sequence[Candidate]) -> list[str]:
    """pip arguments for the local and VCS candidates."""
    args: list[str] = []
    for c in candidates:
        if c.source is Source.LOCAL:
            path = str(local_path(c))
            args += ["-e", path] if c.editable else [path]
        elif c.source is Source.VCS:
            url = c.url if not c.vcs_commit else f"{c.url}@{c.vcs_commit}"
            prefix = "" if url.startswith(("git+", "hg+", "svn+", "bzr+")) else "git+"
            args.append(f"{c.name} @ {prefix}{url}")
    return args


def install(
    pip: PipWorker,
    pinned: Sequence[Pinned],
    unhashed: Sequence[Candidate],
    wheelhouse: Path,
    user_install_args: Sequence[str],
    offline: bool,
) -> None:
    """Install the pinned files (the last command of ``pip``), then the local /
    VCS candidates."""
    if pinned:
        commands = []
        for i, run in enumerate(batches(pinned, BATCH)):
            requirements = wheelhouse.parent / f"pinned-requirements-{i + 1}.txt"
            requirements.write_text("\n".join(requirement_lines(run)) + "\n", encoding="utf-8")
            commands.append(
                [
                    "install",
                    "--no-deps",
                    "--require-hashes",
                    "--find-links",
                    str(wheelhouse),
                    "-r",
                    str(requirements),
                    *(["--no-index"] if offline else []),
                    *user_install_args,
                ]
            )
        pip.install_all(commands)
    if unhashed:
        cmd = pip_command(pip.target_python) + ["install", "--no-deps", *unhashed_args(unhashed)]
        run_pip(cmd + list(user_install_args), pip.env, pip.echo)
