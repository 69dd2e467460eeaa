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

What an sdist installs is read from its layout and its build files: the
package directories at its top, or under ``src/`` when it has them, or under
the directory setuptools' ``package_dir`` maps the top to; a name
``package_dir`` maps to a directory is installed from there (and that
directory under no name of its own). An sdist whose top is a package itself
installs only what its mapping names; one with hatch's ``sources``, or a
mapping this cannot read, is left alone. pyproject.toml's
``[tool.setuptools.package-dir]`` is read from the parsed TOML (``roles``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from packaging.utils import canonicalize_name

from guard.analysis.scan.hits import DROPPER, Hit
from guard.analysis.scan.layout import Layout
from guard.analysis.scan.roles import (
    BUILD_FILES,
    MAX_PYPROJECT,
    is_other,
    pyproject_doc,
    table_get,
)
from guard.index import popular

# The projects whose import name no other project may install: the 500 most
# downloaded (past them, import names are more often plain words a small
# project's own package is named too: ``events``, ``schema``)
TOP_RANK = 500
WEIGHT = 6.0
# Where setup.py or setup.cfg maps package names to directories (setuptools'
# ``package_dir``; pyproject.toml is parsed), hatch's ``sources``, and the pairs of
# setup.py's mapping: ``{"": "src"}``
_MAPPING = re.compile(r"package[_-]dir")
_HATCH_SOURCES = re.compile(r"^\s*sources\s*=", re.M)
_PAIR = re.compile(r"""(["'])([\w.]*)\1\s*:\s*(["'])([^"'\n]*)\3""")
_MAPPING_SPAN = 400  # characters after ``package_dir`` where its mapping is read
_CFG_SPAN = 4096  # (setup.cfg: its indented lines)
_MAX_MAPPINGS = 16  # (a build file names ``package_dir`` once or twice; more: unread)


def taken_packages(
    by_rel: Mapping[str, str], contents: Mapping[str, bytes], layout: Layout
) -> Iterator[tuple[str, Hit]]:
    """(member, hit) for each top-level package the artifact installs under the
    import name of a popular project of another name (see the module docstring)."""
    listed = popular.load()
    if not layout.project or listed.rank(layout.project) is not None:
        return
    if layout.wheel:
        installed = list(_top_packages(by_rel, "", src=False))
    else:
        mapping = _mapping(by_rel, contents)
        installed = _sdist_packages(by_rel, mapping) if mapping is not None else []
    for rel, package in installed:
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


def _top_packages(rels: Iterable[str], root: str, src: bool) -> Iterator[tuple[str, str]]:
    """(the ``__init__.py``'s path, the package) of each package directory right
    under ``root`` ('' for the top), or under ``src/`` with ``src``."""
    base = f"{root}/" if root else ("src/" if src else "")
    seen: set[str] = set()
    for rel in sorted(rels):
        if not rel.startswith(base):
            continue
        parts = rel[len(base) :].split("/")
        if len(parts) != 2 or parts[1] != "__init__.py" or is_other(rel):
            continue
        package = parts[0]
        if package.isidentifier() and package not in seen:
            seen.add(package)
            yield rel, package


def _sdist_packages(by_rel: Mapping[str, str], mapping: dict[str, str]) -> list[tuple[str, str]]:
    """(the ``__init__.py``'s path, the package) of each top-level package an sdist
    installs (see the module docstring)."""
    named = {k: v for k, v in mapping.items() if k and "." not in k}
    moved = set(named.values())
    found = [
        (f"{folder}/__init__.py" if folder else "__init__.py", name)
        for name, folder in named.items()
        if (f"{folder}/__init__.py" if folder else "__init__.py") in by_rel
    ]
    if "__init__.py" in by_rel:
        return found  # (the top is a package: its directories are its subpackages)
    if "" in mapping:
        layout = _top_packages(by_rel, mapping[""], src=False)
    else:
        src = any(r.startswith("src/") and r.count("/") == 2 for r in by_rel)
        layout = _top_packages(by_rel, "", src=src)
    found.extend((rel, p) for rel, p in layout if rel.rsplit("/", 1)[0] not in moved)
    return found


def _mapping(by_rel: Mapping[str, str], contents: Mapping[str, bytes]) -> dict[str, str] | None:
    """The package names the build files map to directories (``package_dir``:
    ``{"": "src", "pkg": "lib/pkg"}``, directories without ``./`` or a trailing
    ``/``); {} for none, None for a mapping this cannot read or hatch's
    ``sources``."""
    out: dict[str, str] = {}
    for rel in BUILD_FILES:
        data = contents.get(by_rel.get(rel, ""), b"")
        text = data[:MAX_PYPROJECT].decode("utf-8", "replace")
        if rel == "pyproject.toml":
            if _HATCH_SOURCES.search(text):
                return None
            pairs = _toml_pairs(data) if data else []
            if pairs is None:
                return None
            out.update((key, _folder(value)) for key, value in pairs)
            continue
        for number, found in enumerate(_MAPPING.finditer(text)):
            if number == _MAX_MAPPINGS:
                return None
            pairs = (
                _cfg_pairs(text, found.end()) if rel == "setup.cfg" else _pairs(text, found.end())
            )
            if not pairs:
                return None
            out.update((key, _folder(value)) for key, value in pairs)
    return out


def _toml_pairs(data: bytes) -> list[tuple[str, str]] | None:
    """The (name, directory) pairs of ``[tool.setuptools.package-dir]``; None for
    a pyproject.toml that does not parse, or a table that is not one of strings."""
    doc = pyproject_doc(data)
    if doc is None:
        return None
    table = table_get(doc, "tool", "setuptools", "package-dir")
    if table is None:
        return []
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        return None
    return [(str(key), value) for key, value in table.items()]


def _folder(value: str) -> str:
    """``./src/`` -> ``src``; ``.`` -> ''."""
    parts = [p for p in value.replace("\\", "/").split("/") if p not in {"", "."}]
    return "/".join(parts)


def _pairs(text: str, at: int) -> list[tuple[str, str]]:
    """The (name, directory) pairs of setup.py's dict after ``at``: ``{"": "src"}``."""
    span = text[at : at + _MAPPING_SPAN]
    end = span.find("}")
    return [(m.group(2), m.group(4)) for m in _PAIR.finditer(span[: max(end, 0)])]


def _cfg_pairs(text: str, at: int) -> list[tuple[str, str]]:
    """The (name, directory) pairs of setup.cfg's ``package_dir =`` and the
    indented lines that go on with it (``= src``)."""
    lines = text[at : at + _CFG_SPAN].split("\n")
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
