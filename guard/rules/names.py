"""``stdlib-shadow``: a distribution named like a standard-library module.

``pip install sqlite3`` or ``pip install os`` is a common mistake, and names of
standard-library modules are registered to catch it. PyPI now refuses new
projects with such names, so the ones that exist are old: genuine backports for
old Pythons, a few historical packages, and squatters.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import timedelta

from packaging.utils import NormalizedName, canonicalize_name

from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import MAX_COUNT, MAX_DAYS, Context, Param, RuleBase

# Genuine PyPI projects named like a standard-library module: backports of the
# module to Pythons that lacked it, and historical packages the module came
# from. Checked against the top 15,000 projects (guard/data/top-pypi-packages.csv):
# these are the collisions found there that are backports or known packages.
KNOWN_BACKPORTS: frozenset[str] = frozenset(
    {
        "argparse",  # backport for Python < 2.7 / 3.2
        "asyncio",  # the Tulip backport for Python 3.3
        "configparser",  # backport of Python 3's configparser to Python 2
        "contextvars",  # backport for Python 3.6
        "dataclasses",  # backport for Python 3.6
        "datetime",  # Zope's DateTime package (PyPI "DateTime")
        "enum",  # the pre-3.4 "enum" package
        "graphlib",  # backport for Python < 3.9 (graphlib)
        "importlib",  # backport for Python 2.6
        "ipaddress",  # backport for Python 2 and 3.2
        "logging",  # the original package by the module's author, for Python < 2.3
        "multiprocessing",  # backport for Python 2.4 / 2.5
        "pathlib",  # backport for Python < 3.4
        "readline",  # GNU readline for old macOS Pythons
        "statistics",  # backport for Python < 3.4
        "typing",  # backport for Python < 3.5
        "uuid",  # the original module, for Python < 2.5
        "wsgiref",  # the original package, for Python < 2.5
    }
)


def stdlib_name(name: NormalizedName) -> str | None:
    """The standard-library module a distribution name matches, or None."""
    modules = {module.lower() for module in sys.stdlib_module_names}
    for form in (name, name.replace("-", "_"), name.replace("-", "")):
        if form in modules:
            return form
    return None


class StdlibShadow(RuleBase):
    id = "stdlib-shadow"
    summary = "The distribution is named like a standard-library module and is no known backport."
    rationale = (
        "`pip install sqlite3` is a mistake that squatters wait for: the standard library "
        "already has the module, so a distribution of that name is a backport or a trap."
    )
    explain = """\
Detects a distribution whose name is a standard-library module of this Python
(sys.stdlib_module_names), compared after canonicalising the name, with '-' read as
'_' and without it. Nobody needs to pip-install a module the standard library
already has, so such a name is either a backport for old Pythons or a trap for
people who believe they must install `sqlite3`, `os` or `tkinter` (PyPI now refuses
new projects with these names, but old squatters remain, and other indexes do not
refuse them).

Known backports and historical packages (argparse, asyncio, dataclasses, typing,
pathlib, ...; a list in guard/rules/names.py) are not reported unless warn-backports
is true. An established project (at least established-age-days old with at least
established-releases releases) gets a weak finding, a warning: it is old enough to
have been noticed. Anything else blocks.

Thresholds: warn-backports, established-age-days, established-releases, backports
(extra names to treat as known backports).
"""
    default_action = Action.BLOCK
    params = (
        Param("warn-backports", False, "bool", "higher"),
        Param("established-age-days", 730, "int", "higher", maximum=MAX_DAYS),
        Param("established-releases", 3, "int", "higher", maximum=MAX_COUNT),
        Param("backports", (), "strings", "fewer"),
    )
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        module = stdlib_name(candidate.name)
        if module is None:
            return
        extra = ctx.threshold(self, "backports")
        extra_names = {canonicalize_name(n) for n in extra} if isinstance(extra, tuple) else set()
        if candidate.name in KNOWN_BACKPORTS or candidate.name in extra_names:
            if ctx.flag(self, "warn-backports"):
                yield Finding(
                    self.id,
                    f"{candidate.name} is a backport of the standard-library module {module} "
                    "for old Pythons",
                    remedy="drop it from your requirements if your Python has the module",
                    weak=True,
                )
            return
        established = False
        if project is not None and project.first_upload is not None:
            age = ctx.now - project.first_upload
            established = age >= timedelta(days=ctx.number(self, "established-age-days")) and len(
                project.releases
            ) >= ctx.number(self, "established-releases")
        yield Finding(
            self.id,
            f"{candidate.name} is named like the standard-library module {module} and is "
            "not a known backport"
            + (" (an established project, so only a warning)" if established else ""),
            remedy=f"the standard library already has {module}: remove {candidate.name} from "
            "your requirements, or allow-list it with a reason",
            weak=established,
        )
