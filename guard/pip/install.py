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

A build pip runs during this install (an sdist vetting allowed, a local
project) can still fail. pip's output is shown as it comes and its last lines
kept: a failed build is then told as at vetting time (the package, the step,
what the build said; ``guard.pip.diagnose.build_failure``), with what the
environment holds now: the runs before the failing one are installed, the
failing run installs nothing (pip builds every wheel of a run before it
installs any).
"""

from __future__ import annotations

import graphlib
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.errors import BuildFailed, InstallBuildFailed, InstallError, Interrupted
from guard.models import Candidate, Source
from guard.pip import diagnose
from guard.pip.resolve import local_path
from guard.pip.worker import Echo, PipWorker, pip_command, run_pip

BATCH = 100  # pinned files per pip run of the final install
KEPT_LINES = 500  # lines of the install's output kept to tell a failed build
NAMED = 10  # installed packages a message names (then "and N more")


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


class _Tail:
    """pip's output passed on to ``echo`` as it comes, its last lines kept."""

    def __init__(self, echo: Echo) -> None:
        self.echo = echo
        self.lines: deque[str] = deque(maxlen=KEPT_LINES)

    def __call__(self, text: str) -> None:
        self.lines.append(text)
        self.echo(text)

    def text(self) -> str:
        return "".join(self.lines)


def _commands(
    runs: Sequence[Sequence[Pinned]], wheelhouse: Path, args: Sequence[str], offline: bool
) -> list[list[str]]:
    commands = []
    for i, run in enumerate(runs):
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
                *args,
            ]
        )
    return commands


def _listed(candidates: Sequence[Candidate]) -> str:
    named = ", ".join(f"{c.name} {c.version}" for c in candidates[:NAMED])
    more = len(candidates) - NAMED
    return named + (f" and {more} more" if more > 0 else "")


def state_after_build_failure(
    failed: str, runs: Sequence[Sequence[Pinned]], unhashed: Sequence[Candidate]
) -> str:
    """What the environment holds after the build of ``failed`` stopped the
    install: every run before the one that holds it (the local and VCS
    candidates come last, in one run of their own)."""
    done = installed_before(failed, runs)
    total = sum(len(run) for run in runs) + len(unhashed)
    if not done:
        return "nothing was installed"
    return (
        f"installed before the failure (dependencies first): {len(done)} of the {total} "
        f"packages of this install ({_listed(done)}); the other {total - len(done)}, "
        f"{failed} among them, are not installed: once the build can succeed, run the same "
        "safepip install again to complete the environment"
    )


def installed_before(failed: str, runs: Sequence[Sequence[Pinned]]) -> list[Candidate]:
    """The candidates of every run before the one that holds ``failed``."""
    name = canonicalize_name(failed)
    at = next(
        (i for i, run in enumerate(runs) if any(p.candidate.name == name for p in run)),
        len(runs),
    )
    return [p.candidate for run in runs[:at] for p in run]


def _failure(
    exc: InstallError,
    output: str,
    runs: Sequence[Sequence[Pinned]],
    unhashed: Sequence[Candidate],
    after: str = "",
) -> InstallError:
    """What to raise for ``exc``: the build failure pip's ``output`` shows, with
    what the environment holds; else ``exc``, with ``after`` said."""
    built = diagnose.build_failure(output)
    if built is not None:
        said = str(BuildFailed(built.name, built.step, built.said))
        state = state_after_build_failure(built.name, runs, unhashed)
        done = tuple(f"{c.name} {c.version}" for c in installed_before(built.name, runs))
        return InstallBuildFailed(said, state, done)
    if not after:
        return exc
    return InstallError(f"{exc}; {after}; {_listed(unhashed)} not installed")


def _install_unhashed(
    pip: PipWorker, unhashed: Sequence[Candidate], args: Sequence[str], echo: Echo, done: str
) -> None:
    """The local and VCS candidates, in a pip process of their own (a Ctrl-C
    reaches it too, and it stops where it is)."""
    cmd = pip_command(pip.target_python) + ["install", "--no-deps", *unhashed_args(unhashed)]
    try:
        run_pip(cmd + list(args), pip.env, echo)
    except KeyboardInterrupt:
        before = f"{done}; " if done else ""
        raise Interrupted(
            f"interrupted while pip installed {_listed(unhashed)}: {before}pip was stopped "
            "where it was, so they may be partly installed; run the same safepip install "
            "again to complete it"
        ) from None


def install(
    pip: PipWorker,
    pinned: Sequence[Pinned],
    unhashed: Sequence[Candidate],
    wheelhouse: Path,
    user_install_args: Sequence[str],
    offline: bool,
) -> None:
    """Install the pinned files (the last command of ``pip``), then the local /
    VCS candidates. A build that fails raises ``InstallBuildFailed``."""
    runs = batches(pinned, BATCH) if pinned else []
    tail = _Tail(pip.echo)
    pip.echo = tail
    after = ""
    try:
        if runs:
            pip.install_all(_commands(runs, wheelhouse, user_install_args, offline))
            after = f"the {sum(map(len, runs))} vetted package(s) from the index are installed"
        if unhashed:
            tail.lines.clear()
            _install_unhashed(pip, unhashed, user_install_args, tail, after)
    except KeyboardInterrupt:
        if not (after and unhashed):
            raise  # (before or after the one step: none or every one is installed)
        # between pip's install of the index files and that of the local ones
        raise Interrupted(
            f"interrupted between two pip installs: {after}, {_listed(unhashed)} may not be; "
            "run the same safepip install again to complete it"
        ) from None
    except InstallError as exc:
        failure = _failure(exc, tail.text(), runs, unhashed, after)
        if failure is exc:
            raise
        raise failure from exc
    finally:
        pip.echo = tail.echo
