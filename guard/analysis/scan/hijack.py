"""Packages installed under a popular project's import name (package-jacking).

A distribution's top-level packages land in ``site-packages`` side by side with
every other's; pip does not check that two distributions own the same files. A
package that ships ``requests/__init__.py`` therefore writes its own files over
those of requests when both are installed (and stands in for requests where it
is not): from then on every program that imports requests runs this package's
code. Look-alikes of popular projects ship the real project's package with a
payload added; others carry a copy of a popular library under its own name.

An honest distribution installs its own package, or is the popular project
itself, one of its builds (``tensorflow-cpu``) or an established drop-in
replacement: those are popular themselves. So the rule is: a top-level package
whose name is that of one of the most popular projects (``TOP_RANK``), in an
artifact of a project that is not on the popular list at all.

What an sdist installs is known only for a plain layout: a package directory
at its top or under ``src/``, when no build file maps a package name to a
directory, or the top to another directory than ``src`` (``package_dir``,
hatch's ``sources``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from packaging.utils import canonicalize_name

from guard.analysis.scan.hits import DROPPER, Hit
from guard.analysis.scan.layout import Layout
from guard.analysis.scan.roles import is_other
from guard.index import popular

# The projects whose import name no other project may install: the 500 most
# downloaded (past them, import names are more often plain words a small
# project's own package is named too: ``events``, ``schema``)
TOP_RANK = 500
WEIGHT = 6.0
# Where a build file maps package names to directories (setuptools' ``package_dir``,
# hatch's ``sources``), and the pairs of a mapping: ``{"": "src"}``, ``"" = "src"``
_MAPPING = re.compile(r"package[_-]dir")
_HATCH_SOURCES = re.compile(r"^\s*sources\s*=", re.M)
_PAIR = re.compile(r"""(["'])([\w.]*)\1\s*[:=]\s*(["'])([^"'\n]*)\3""")
_MAPPING_SPAN = 400  # characters after ``package_dir`` where its mapping is read
_BUILD_FILES = ("setup.py", "setup.cfg", "pyproject.toml")
_MAX_BUILD = 1024 * 1024


def taken_packages(
    by_rel: Mapping[str, str], contents: Mapping[str, bytes], layout: Layout
) -> Iterator[tuple[str, Hit]]:
    """(member, hit) for each top-level package the artifact installs under the
    import name of a popular project of another name (see the module docstring)."""
    listed = popular.load()
    if not layout.project or listed.rank(layout.project) is not None:
        return
    if not layout.wheel and not _plain_sdist(by_rel, contents):
        return
    for rel, package in _top_packages(by_rel, layout.wheel):
        rank = listed.rank(package)
        if rank is None or rank > TOP_RANK:
            continue
        if canonicalize_name(package) == canonicalize_name(layout.project):
            continue
        text = (
            f"installs the package {package!r}, the import name of the popular project "
            f"{canonicalize_name(package)} (rank {rank}): where that project is installed, "
            f"this package's files replace its code, and every program that imports "
            f"{package} runs this package's (package-jacking)"
        )
        yield by_rel[rel], Hit(DROPPER, "package-jacking", WEIGHT, 1, "", text)


def _top_packages(by_rel: Iterable[str], wheel: bool) -> Iterator[tuple[str, str]]:
    """(the ``__init__.py``'s path, the package) of each top-level package: in an
    sdist with packages under ``src/``, those only (its other directories are not
    installed)."""
    rels = sorted(by_rel)
    src = not wheel and any(r.startswith("src/") and r.count("/") == 2 for r in rels)
    seen: set[str] = set()
    for rel in rels:
        parts = rel.split("/")
        if src:
            parts = parts[1:] if parts[0] == "src" else []
        if len(parts) != 2 or parts[1] != "__init__.py" or is_other(rel):
            continue
        package = parts[0]
        if package.isidentifier() and package not in seen:
            seen.add(package)
            yield rel, package


def _plain_sdist(by_rel: Mapping[str, str], contents: Mapping[str, bytes]) -> bool:
    """An sdist whose directories are the packages it installs: no ``__init__.py``
    at its top (the top itself mapped to a package), and no build file that maps
    a package, or the top to another directory than ``src``."""
    if "__init__.py" in by_rel:
        return False
    for rel in _BUILD_FILES:
        text = contents.get(by_rel.get(rel, ""), b"")[:_MAX_BUILD].decode("utf-8", "replace")
        if rel == "pyproject.toml" and _HATCH_SOURCES.search(text):
            return False
        for found in _MAPPING.finditer(text):
            pairs = (
                _cfg_pairs(text, found.end()) if rel == "setup.cfg" else _pairs(text, found.end())
            )
            if not pairs or any(
                key or value.strip("./") not in {"", "src"} for key, value in pairs
            ):
                return False
    return True


def _pairs(text: str, at: int) -> list[tuple[str, str]]:
    """The (name, directory) pairs of the dict or table after ``at``: ``{"": "src"}``
    (setup.py), ``{"" = "src"}`` or the lines of ``[tool.setuptools.package-dir]``."""
    span = text[at : at + _MAPPING_SPAN]
    end = span.find("}")
    if end == -1:  # (a table: its lines up to the next one)
        end = span.find("\n[")
    return [(m.group(2), m.group(4)) for m in _PAIR.finditer(span[: max(end, 0)])]


def _cfg_pairs(text: str, at: int) -> list[tuple[str, str]]:
    """The (name, directory) pairs of setup.cfg's ``package_dir =`` and the
    indented lines that go on with it (``= src``)."""
    lines = text[at:].split("\n")
    first = lines[0].lstrip().removeprefix("=")
    found = [first] if first.strip() else []
    for line in lines[1:]:
        if not line[:1].isspace():
            break
        found.append(line)
    pairs = []
    for line in (f.strip() for f in found if f.strip()):
        key, sep, value = line.partition("=")
        if not sep:
            return []  # (not a mapping this reads)
        pairs.append((key.strip(), value.strip()))
    return pairs
