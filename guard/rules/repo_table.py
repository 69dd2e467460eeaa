"""The shipped ``popular-repos.json`` read lazily: its tables are written one
entry a line, sorted (``benchmarks/build_popular_repos.py``), so a look-up is a
bisection over the lines and only the entries asked for are parsed. Loading it
costs a split of the text instead of a ``json.loads`` of 30,000 entries (a
warm install asks for a few dozen). A text of any other layout is ``None``:
the caller parses it whole.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from itertools import pairwise

TABLES = ("repos", "owners", "cores")
_MISSING = object()


class LineTable(Mapping[str, object]):
    """One table: ``"key":value`` lines, looked up by bisection, parsed when asked."""

    def __init__(self, lines: list[str]) -> None:
        if any(a >= b for a, b in pairwise(lines)):
            lines = sorted(lines)  # a hand-edited file: still found, a little slower
        self._lines = lines

    def _find(self, key: str) -> object:
        needle = json.dumps(key) + ":"
        i = bisect_left(self._lines, needle)
        if i == len(self._lines) or not self._lines[i].startswith(needle):
            return _MISSING
        raw = self._lines[i][len(needle) :].rstrip().removesuffix(",")
        try:
            value: object = json.loads(raw)
        except ValueError:
            return _MISSING  # a broken entry is no entry, never a crash
        return value

    def __getitem__(self, key: str) -> object:
        value = self._find(key)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            head, sep, _ = line.partition('":')
            if sep:
                try:
                    yield str(json.loads(head + '"'))
                except ValueError:
                    continue

    def __len__(self) -> int:
        return len(self._lines)


def lazy_tables(text: str) -> tuple[dict[str, object], dict[str, LineTable]] | None:
    """(the document's other fields, its three tables), or None when the text is
    not laid out one entry a line."""
    lines = text.rstrip("\n").split("\n")
    opening = f'"{TABLES[0]}":{{'
    if len(lines) < 2 or not lines[0].endswith(opening) or lines[-1] != "}}":
        return None
    try:
        header = json.loads(lines[0] + "}}")
    except ValueError:
        return None
    if not isinstance(header, dict):
        return None
    bounds = [0]
    for name in TABLES[1:]:
        try:
            bounds.append(lines.index(f'}},"{name}":{{', bounds[-1] + 1))
        except ValueError:
            return None
    bounds.append(len(lines) - 1)
    tables = {
        name: LineTable(lines[start + 1 : end])
        for name, start, end in zip(TABLES, bounds, bounds[1:], strict=False)
    }
    meta = {k: v for k, v in header.items() if k not in TABLES}
    return meta, tables
