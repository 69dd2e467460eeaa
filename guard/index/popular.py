"""The list of the most-downloaded PyPI projects, which the typosquat rule guards.

A copy of the 15,000 most-downloaded projects ships inside the package
(``guard/data/top-pypi-packages.csv``, columns ``rank,name``).  ``update()``
refreshes a user copy under ``platformdirs.user_data_dir("safepip")``; when that
copy exists and parses it wins, otherwise the shipped copy is used.  Loading is
lazy (first use) and cached for the process.

The default source is the public top-pypi-packages JSON,
``{"rows": [{"project": ..., "download_count": ...}, ...]}``; a local file in that
JSON format or in the CSV format is accepted as well.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

import platformdirs
from packaging.utils import NormalizedName, canonicalize_name

from guard import data
from guard.errors import IndexError_
from guard.files import atomic_write

if TYPE_CHECKING:  # requests is imported on use: loading the list must stay fast
    from guard.index.http import Session

DEFAULT_SOURCE = "https://hugovk.github.io/top-pypi-packages/top-pypi-packages.min.json"
FILENAME = "top-pypi-packages.csv"
LIMIT = 15_000  # how many projects are kept
MIN_ROWS = 1_000  # fewer than this is not a plausible popularity list
TIMEOUT = 30.0  # seconds, for connect and for each read
HEADER = ("rank", "name")


@dataclass(frozen=True)
class PopularList:
    """Popular projects by canonical name, most downloaded first (rank 1)."""

    names: tuple[NormalizedName, ...]
    origin: str  # "shipped" or the path of the user copy
    ranks: Mapping[NormalizedName, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.ranks:  # names are unique (see _dedupe)
            table = dict(zip(self.names, range(1, len(self.names) + 1), strict=True))
            object.__setattr__(self, "ranks", table)

    def rank(self, name: str) -> int | None:
        return self.ranks.get(canonicalize_name(name))

    def digest(self) -> str:
        """A short digest of the names in order: what a result that depends on
        the list (the scan's package-jacking) was judged against."""
        return hashlib.sha256("\n".join(self.names).encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class PopularUpdate:
    """What ``update()`` did."""

    path: Path  # the user copy written
    count: int  # projects kept
    source: str  # URL or file read


def user_copy_path() -> Path:
    """Where the refreshed list lives (honours XDG_DATA_HOME on Linux)."""
    return Path(platformdirs.user_data_dir("safepip")) / FILENAME


_ALL_CANONICAL = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*\n)*[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def _dedupe(names: Iterable[str]) -> tuple[NormalizedName, ...]:
    """Canonical, unique names in the given order, at most LIMIT of them."""
    names = list(names)
    if names and _ALL_CANONICAL.match("\n".join(names)):  # fast path: one regex pass
        return cast(tuple[NormalizedName, ...], tuple(dict.fromkeys(names))[:LIMIT])
    seen: set[NormalizedName] = set()
    ordered: list[NormalizedName] = []
    for raw in names:
        name = canonicalize_name(raw.strip())
        if name and name not in seen:
            seen.add(name)
            ordered.append(name)
            if len(ordered) >= LIMIT:
                break
    return tuple(ordered)


def parse_csv(text: str) -> tuple[NormalizedName, ...]:
    """Names in rank order from ``rank,name`` CSV text; ValueError when malformed."""
    fast = _plain_csv_names(text)
    if fast is not None:
        return _dedupe(fast)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != HEADER:
        raise ValueError(f"expected a 'rank,name' header, got {header!r}")
    rows: list[tuple[int, str]] = []
    for line in reader:
        if not line:
            continue
        if len(line) != 2:
            raise ValueError(f"line {reader.line_num}: expected 2 columns")
        rank_text, name = line
        rows.append((int(rank_text), name))
    rows.sort(key=lambda row: row[0])
    return _dedupe(name for _, name in rows)


def _plain_csv_names(text: str) -> list[str] | None:
    """The names of a file as this module writes it (ranks 1..n in order, one
    comma a line, no quoting), read without the csv module; None for any other."""
    lines = text.splitlines()
    if not lines or lines[0].strip().lower() != ",".join(HEADER) or '"' in text:
        return None
    split = [line.partition(",") for line in lines[1:] if line]
    if text.count(",") != len(split) + 1:  # one comma a line: no quoting, no extras
        return None
    if [rank for rank, _, _ in split] != [str(n) for n in range(1, len(split) + 1)]:
        return None
    return [name for _, _, name in split]


def parse_json(data: object) -> tuple[NormalizedName, ...]:
    """Names in download order from the top-pypi-packages JSON; ValueError when malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValueError("expected an object with a 'rows' list")
    rows: list[tuple[int, str]] = []
    for row in data["rows"]:
        if not isinstance(row, dict):
            raise ValueError("a row is not an object")
        project, count = row.get("project"), row.get("download_count")
        if not isinstance(project, str) or isinstance(count, bool) or not isinstance(count, int):
            raise ValueError("a row lacks 'project' or 'download_count'")
        rows.append((count, project))
    rows.sort(key=lambda row: -row[0])  # stable: ties keep the source's order
    return _dedupe(project for _, project in rows)


def to_csv(names: Iterable[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for number, name in enumerate(names, start=1):
        writer.writerow((number, name))
    return out.getvalue()


def _validated(names: tuple[NormalizedName, ...]) -> tuple[NormalizedName, ...]:
    if len(names) < MIN_ROWS:
        raise ValueError(f"only {len(names)} projects; at least {MIN_ROWS} expected")
    return names


def _shipped() -> PopularList:
    text = data.read_text(FILENAME)
    return PopularList(parse_csv(text), origin="shipped")


def read_user_copy(path: Path | None = None) -> PopularList | None:
    """The user copy when it exists and is valid, else None (the caller falls back)."""
    path = user_copy_path() if path is None else path
    try:
        text = path.read_text(encoding="utf-8")
        return PopularList(_validated(parse_csv(text)), origin=str(path))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


@lru_cache(maxsize=1)
def load() -> PopularList:
    """The popular list in use: the user's refreshed copy, else the shipped one."""
    was_enabled = gc.isenabled()
    gc.disable()  # parsing allocates many small objects; collecting midway is waste
    try:
        return read_user_copy() or _shipped()
    finally:
        if was_enabled:
            gc.enable()


def rank(name: str) -> int | None:
    """The download rank of a project (1 = most downloaded), or None if not listed."""
    return load().rank(name)


def _fetch(url: str, session: Session | None, timeout: float) -> object:
    from guard.index.http import make_session, request_error  # noqa: PLC0415 - not needed to load

    with contextlib.nullcontext(session) if session is not None else make_session() as http:
        try:
            response = http.get(url, timeout=timeout)
            response.raise_for_status()
            return response.json()
        except (request_error(), ValueError) as exc:
            raise IndexError_(f"cannot fetch the popular-projects list from {url}: {exc}") from exc


def _read_file(path: Path) -> tuple[NormalizedName, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexError_(f"cannot read the popular-projects list {path}: {exc}") from exc
    stripped = text.lstrip()
    try:
        if stripped.startswith(("{", "[")):
            return parse_json(json.loads(stripped))
        return parse_csv(text)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise IndexError_(f"{path} is not a popular-projects list: {exc}") from exc


def update(
    source: str | None = None,
    session: Session | None = None,
    *,
    timeout: float = TIMEOUT,
    destination: Path | None = None,
) -> PopularUpdate:
    """Refresh the user copy from a URL (JSON) or a local file (JSON or CSV).

    Raises ``IndexError_`` when the source cannot be read or is not a plausible
    list; the existing copy is then left untouched.
    """
    source = DEFAULT_SOURCE if source is None else source
    if source.startswith(("http://", "https://")):
        try:
            names = _validated(parse_json(_fetch(source, session, timeout)))
        except ValueError as exc:
            raise IndexError_(f"{source} is not a popular-projects list: {exc}") from exc
    else:
        path = Path(source.removeprefix("file://"))
        try:
            names = _validated(_read_file(path))
        except ValueError as exc:
            raise IndexError_(f"{source} is not a popular-projects list: {exc}") from exc
    target = user_copy_path() if destination is None else destination
    try:
        atomic_write(target, to_csv(names).encode("utf-8"))
    except OSError as exc:
        raise IndexError_(f"cannot write {target}: {exc}") from exc
    load.cache_clear()
    return PopularUpdate(path=target, count=len(names), source=source)
