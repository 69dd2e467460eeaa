"""The final install: exactly the vetted files, pinned by sha256.

Index packages are installed with ``--require-hashes --no-deps`` from a private
folder of the files safepip fetched and checked; when nothing needs building,
pip gets ``--no-index`` too, so it cannot reach for any other file. Local
projects and VCS checkouts (which cannot be hashed) follow with ``--no-deps``,
after their dependencies are in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import Version

from guard.models import Candidate, Source
from guard.pip.resolve import local_path
from guard.pip.worker import PipWorker, pip_command, run_pip


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
        requirements = wheelhouse.parent / "pinned-requirements.txt"
        requirements.write_text("\n".join(requirement_lines(pinned)) + "\n", encoding="utf-8")
        pip.install(
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
    if unhashed:
        cmd = pip_command(pip.target_python) + ["install", "--no-deps", *unhashed_args(unhashed)]
        run_pip(cmd + list(user_install_args), pip.env, pip.echo)
