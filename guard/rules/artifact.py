"""``install-hook``: a wheel that ships a ``.pth`` file with code in it.

Python's ``site`` module reads every ``*.pth`` file at the top of site-packages
at each interpreter start and executes each line that begins with ``import``.
A wheel that ships one runs its code in every Python process of the
environment, without anyone importing the package: the favourite persistence
trick of hijacked releases.

The rule reads the verified local copy of the wheel (``ctx.artifacts``), lists
the zip's member names without extracting anything, and reads only the ``.pth``
members (at most ``_MAX_PTH`` bytes each).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from guard.analysis.pth import (
    KNOWN_HOOKS,
    is_executed,
    is_known_hook,
    is_namespace_shim,
    is_suspicious,
    lands_in_site_packages,
)
from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import MAX_COUNT, MAX_DAYS, Context, Param, RuleBase

_MAX_PTH = 64 * 1024
# What zipfile raises for a broken, truncated, encrypted or exotic archive.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


@dataclass(frozen=True)
class Hook:
    """One ``.pth`` file of a wheel."""

    member: str  # the path inside the wheel
    code: tuple[str, ...]  # the lines Python executes (those starting with "import")
    paths: int  # how many other lines (sys.path entries)

    @property
    def name(self) -> str:
        return self.member.rsplit("/", 1)[-1]


def read_hooks(wheel: Path) -> list[Hook]:
    """The ``.pth`` files a wheel installs into site-packages.

    Raises ``zipfile.BadZipFile``, ``OSError`` and the like for an unreadable wheel.
    """
    hooks = []
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if not lands_in_site_packages(member):
                continue
            with archive.open(member) as handle:
                text = handle.read(_MAX_PTH).decode("utf-8", "replace")
            lines = [line.rstrip() for line in text.splitlines()]
            code = tuple(line for line in lines if is_executed(line))
            paths = sum(1 for line in lines if line.strip() and not line.startswith("#")) - len(
                code
            )
            hooks.append(Hook(member, code, paths))
    return hooks


def _hook_finding(rule: str, candidate: Candidate, hook: Hook, established: bool) -> Finding | None:
    """The finding on one ``.pth`` file that is no known hook (None for a namespace shim)."""
    evidence: tuple[tuple[str, str], ...] = (("pth", hook.member),)
    if not hook.code:
        return Finding(
            rule,
            f"{candidate.filename} ships {hook.member}, which adds {hook.paths} "
            "entries to sys.path at every start (no code)",
            remedy="harmless if the paths are the package's own; allow-list it with a reason",
            weak=True,
            evidence=evidence,
        )
    if all(is_namespace_shim(line) for line in hook.code):
        return None
    first = _short(hook.code[0])
    evidence += (("first-line", first),)
    suspicious = any(is_suspicious(line) for line in hook.code)
    strong = suspicious or not established
    if suspicious:
        why = ", and the code executes, decodes or fetches more code"
    elif established:
        why = f" ({candidate.name} is an established project, so a warning)"
    else:
        why = ""
    return Finding(
        rule,
        f"{candidate.filename} ships {hook.member}, which runs code at every Python "
        f"start: {first!r}{why}",
        remedy="read the file before installing; if you trust it, add "
        f'"{candidate.name}:{hook.name}" to install-hook.known-hooks in your policy',
        weak=not strong,
        evidence=evidence,
    )


def _short(line: str, limit: int = 160) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


class InstallHook(RuleBase):
    id = "install-hook"
    summary = "The wheel ships a .pth file that runs code at every interpreter start."
    rationale = (
        "Python executes the import lines of every .pth file in site-packages at each "
        "start, so a wheel with one runs code in every Python process without being "
        "imported: the persistence trick of hijacked releases."
    )
    explain = """\
Detects a wheel that installs a .pth file into site-packages (at the wheel's root,
in its .data/purelib or .data/platlib directory, or through a data-scheme path that
ends in site-packages). Python's site module executes every line of such a file that
starts with "import", at every interpreter start, in every process of the
environment, whether or not anyone imports the package.

The rule lists the member names of the verified wheel (ctx.artifacts; nothing is
extracted) and reads only the .pth members. It is silent for sdists (see
source-build) and for wheels that were not fetched. A wheel that cannot be read as
a zip is a finding that blocks: an unreadable archive is never taken as clean.

What it decides, per .pth file:
  - listed in known-hooks ("project:file-glob"; by default the hooks that the
    top 2,000 projects ship: setuptools, coverage, pywin32, coloredlogs, pytest-cov,
    pip-system-certs, pynvml, nvidia-cutlass-dsl): silent.
  - only sys.path lines, no code: a warning.
  - code that is exactly setuptools' generated namespace-package shim
    (*-nspkg.pth, checked statement by statement): silent.
  - other code in an established project (at least established-age-days old,
    with at least established-releases releases): a warning, unless the code uses
    exec, eval, base64, marshal, subprocess, sockets or URLs, which blocks.
  - other code in any other project: blocks.

Thresholds: known-hooks, established-age-days, established-releases. To accept
a hook you have read, add "project:file.pth" to known-hooks in your policy.
"""
    default_action = Action.BLOCK
    params = (
        Param("known-hooks", KNOWN_HOOKS, "strings", "fewer"),
        Param("established-age-days", 365, "int", "higher", maximum=MAX_DAYS),
        Param("established-releases", 5, "int", "higher", maximum=MAX_COUNT),
    )
    modes = frozenset({"install", "audit"})

    def _established(self, project: Project | None, ctx: Context) -> bool:
        if project is None or project.first_upload is None:
            return False
        old = ctx.now - project.first_upload >= timedelta(
            days=ctx.number(self, "established-age-days")
        )
        return old and len(project.releases) >= ctx.number(self, "established-releases")

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if not candidate.is_wheel:
            return
        path = ctx.artifacts.get(candidate.filename)
        if path is None:
            return  # not fetched: the pipeline reports missing artifacts itself
        try:
            hooks = read_hooks(path)
        except _UNREADABLE as exc:
            yield Finding(
                self.id,
                f"{candidate.filename} cannot be read as a wheel (zip): {type(exc).__name__}: "
                f"{exc}",
                remedy="do not install it; an unreadable archive is never taken as clean",
                evidence=(("file", candidate.filename),),
            )
            return
        raw_known = ctx.threshold(self, "known-hooks")
        known = raw_known if isinstance(raw_known, tuple) else KNOWN_HOOKS
        established = self._established(project, ctx)
        for hook in hooks:
            if is_known_hook(candidate.name, hook.name, known):
                continue
            finding = _hook_finding(self.id, candidate, hook, established)
            if finding is not None:
                yield finding
