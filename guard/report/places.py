"""Where a report puts each package: the file and line the user can fix.

Pure: the CLI reads the files and hands their text here. ``requirement_lines``
and ``pyproject_lines`` find the line declaring each project; ``locate`` puts a
package that was declared at its own line, and a dependency at the line of the
declared requirement that pulls it in, following the candidates'
``requires_dist`` (the shortest chain; chains through an extra only when there
is no other). A dependency whose chain is unknown sits at the first declared
requirement, and its note says so.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from guard.models import PackageVerdict
from guard.report.base import Place, Places


@dataclass(frozen=True)
class Where:
    """Where one package's results sit, and what the message adds about it."""

    place: Place | None
    chain: tuple[str, ...] = ()  # declared requirement first, the package last
    note: str = ""


def requirement_lines(text: str) -> dict[str, int]:
    """Canonical project name -> first line (1-based) naming it in a requirements file."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match and not line.lstrip().startswith(("-", "#")):
            lines.setdefault(canonicalize_name(match.group(1)), number)
    return lines


_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+)\s*=")
_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'([^']*)'")
_LISTS = ("project.optional-dependencies", "dependency-groups")
_KEYS = (("project", "dependencies"), ("build-system", "requires"))


def _name(text: str) -> str | None:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        return None


class _Scanner:
    """Tracks the table, the key and the array depth of a pyproject.toml, line by line."""

    def __init__(self) -> None:
        self.table = ""
        self.key = ""
        self.depth = 0

    def feed(self, line: str) -> list[str]:
        """The requirement strings this line holds, if it is inside a dependency list."""
        if self.depth == 0:
            table = _TABLE.match(line)
            if table:
                self.table, self.key = table.group(1).replace(" ", ""), ""
                return []
            key = _KEY.match(line)
            if key:
                self.key = key.group(1).strip("\"'")
        strings = [
            m.group(1) if m.group(1) is not None else m.group(2) for m in _STRING.finditer(line)
        ]
        bare = _STRING.sub('""', line).split("#", 1)[0]
        inside = self.depth > 0 or "[" in bare
        self.depth = max(0, self.depth + bare.count("[") - bare.count("]"))
        wanted = (self.table, self.key) in _KEYS or self.table in _LISTS
        return strings if wanted and inside else []


def pyproject_lines(text: str) -> dict[str, int]:
    """Canonical project name -> first line (1-based) of its requirement in a
    pyproject.toml: ``[project].dependencies``, optional dependencies, dependency
    groups and ``[build-system].requires``, in file order."""
    lines: dict[str, int] = {}
    scanner = _Scanner()
    for number, line in enumerate(text.splitlines(), 1):
        for string in scanner.feed(line):
            name = _name(string)
            if name is not None:
                lines.setdefault(name, number)
    return lines


def file_places(uri: str, lines: Mapping[str, int]) -> Places:
    """The places of the requirements one file declares (``lines``: name -> line)."""
    return Places({name: Place(uri, line) for name, line in lines.items()})


def _edges(packages: Sequence[PackageVerdict]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Parent -> children among the packages: without extras, and through extras."""
    present = {p.candidate.name for p in packages}
    plain: dict[str, list[str]] = {}
    extra: dict[str, list[str]] = {}
    for p in packages:
        for child, through_extra in p.candidate.required():
            if child in present and child != p.candidate.name:
                (extra if through_extra else plain).setdefault(p.candidate.name, []).append(child)
    return plain, extra


def _chains(roots: Iterable[str], edges: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """Breadth first from the roots, in order: each reachable package's shortest chain."""
    chains: dict[str, tuple[str, ...]] = {}
    queue: deque[tuple[str, ...]] = deque()
    for root in roots:
        if root not in chains:
            chains[root] = (root,)
            queue.append((root,))
    while queue:
        chain = queue.popleft()
        for child in edges.get(chain[-1], ()):
            if child not in chains:
                chains[child] = (*chain, child)
                queue.append(chains[child])
    return chains


def _all_chains(packages: Sequence[PackageVerdict], roots: list[str]) -> dict[str, tuple[str, ...]]:
    plain, extra = _edges(packages)
    chains = _chains(roots, plain)
    both = {k: [*plain.get(k, []), *extra.get(k, [])] for k in {*plain, *extra}}
    for name, chain in _chains(roots, both).items():
        chains.setdefault(name, chain)
    return chains


def _where(p: PackageVerdict, chain: tuple[str, ...] | None, places: Places) -> Where:
    name = p.candidate.name
    if name in places.declared:
        return Where(places.declared[name])
    if chain is not None and len(chain) > 1:
        root = places.declared.get(chain[0], places.fallback)
        path = " -> ".join(chain)
        return Where(root, chain, f" (a dependency pulled in by {chain[0]}: {path})")
    if p.candidate.requested:  # named on the command line, not in a file
        return Where(places.fallback)
    first = next(iter(places.declared.values()))
    return Where(
        first,
        note=" (a transitive dependency: which requirement pulls it in is not known; "
        "shown at the first requirement)",
    )


def locate(packages: Sequence[PackageVerdict], places: Places) -> dict[str, Where]:
    """Where each package's results sit (by canonical name)."""
    if not places.declared:
        return {p.candidate.name: Where(places.fallback) for p in packages}
    present = {p.candidate.name for p in packages}
    roots = [name for name in places.declared if name in present]
    roots += [p.candidate.name for p in packages if p.candidate.requested]
    chains = _all_chains(packages, roots)
    return {p.candidate.name: _where(p, chains.get(p.candidate.name), places) for p in packages}
