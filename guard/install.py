"""The final install: exactly the vetted files, pinned by sha256.

Index packages are installed with ``--require-hashes --no-deps`` from a private
folder of the files safepip fetched and checked; when nothing needs building,
pip gets ``--no-index`` too, so it cannot reach for any other file. Local
projects and VCS checkouts (which cannot be hashed) follow with ``--no-deps``,
after their dependencies are in.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from guard.errors import InstallError
from guard.models import Candidate, Source
from guard.pipworker import PipWorker
from guard.resolve import PIP_TIMEOUT, local_path, pip_command, pip_env


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


def _run(cmd: list[str], env: Mapping[str, str] | None) -> None:
    try:
        proc = subprocess.run(
            cmd,
            env=pip_env(env),
            stdout=sys.stderr,  # stdout is the report's; pip talks on stderr
            timeout=PIP_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"could not run pip: {exc}") from exc
    if proc.returncode != 0:
        raise InstallError(f"pip install failed (exit {proc.returncode}); see pip's output above")


def install(
    target_python: str,
    pinned: Sequence[Pinned],
    unhashed: Sequence[Candidate],
    wheelhouse: Path,
    user_install_args: Sequence[str],
    offline: bool,
    env: Mapping[str, str] | None = None,
    worker: PipWorker | None = None,
) -> None:
    """Install the pinned files (through ``worker`` if one was started), then the
    local / VCS candidates."""
    if pinned:
        requirements = wheelhouse.parent / "pinned-requirements.txt"
        requirements.write_text("\n".join(requirement_lines(pinned)) + "\n", encoding="utf-8")
        args = [
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
        if worker is not None:
            worker.run(args, fallback=pip_command(target_python) + args)
        else:
            _run(pip_command(target_python) + args, env)
    if unhashed:
        cmd = pip_command(target_python) + ["install", "--no-deps", *unhashed_args(unhashed)]
        _run(cmd + list(user_install_args), env)
