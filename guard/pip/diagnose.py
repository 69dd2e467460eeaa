"""Reading pip's output when a dry run fails (pure): what it found no file for
and who pulls that in, whether an index could not be reached, and pip's own
error, cleaned to a few lines.

pip writes its errors to stderr and, unless told to be quiet, what it collects
(``Collecting b (from a)``) and why a resolution is impossible to stdout; both
are read together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from guard.pip.args import PipArgs
from guard.report.sanitize import clean

ERROR_LINES = 6  # lines of pip's own error an error message keeps
LINE_LIMIT = 300  # characters each of those lines keeps
DEFAULT_INDEX = "https://pypi.org/simple"

_NOT_FOUND = re.compile(
    r"No matching distribution found for (?P<req>.+?)(?: \(from (?P<parent>[^)]+)\))?\s*$",
    re.MULTILINE,
)
_COLLECTING = re.compile(r"^Collecting (?P<req>.+?) \(from (?P<parent>[^)]+)\)", re.MULTILINE)
_DEPENDS = re.compile(r"^\s+(?P<parent>\S+) \S+ depends on (?P<req>.+?)\s*$", re.MULTILINE)
_UNAVAILABLE = re.compile(
    r"no matching distributions available for your environment:\n(?P<names>(?:[ \t]+\S+\n?)+)"
)
_BROKEN = re.compile(r"after connection broken by '(?P<why>.+)': ")
_FETCH = re.compile(r"Could not fetch URL (?P<url>\S+?): (?P<why>.+)$", re.MULTILINE)
_CONNECT = re.compile(
    r"(Failed to establish a new connection: [^\"')]+|Connection refused|Name or service not "
    r"known|timed out|SSLError\([^)]*\)|ProxyError\([^)]*\)|too many \d{3} error responses)"
)


_BUILD_FAILED = re.compile(r"Failed to build '(?P<name>[^']+)' when (?P<step>[^\n]+?)\s*$", re.M)
_NOT_RUN = re.compile("\u00d7 (?P<step>.+?) did not run successfully", re.MULTILINE)
_OUTPUT = re.compile(r"╰─> \[\d+ lines? of output\]\n(?P<body>.*?)\n\s*\[end of output\]", re.S)
_LAST_COLLECTED = re.compile(r"^Collecting (?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)", re.MULTILINE)
_SOURCE_LINE = re.compile(r'^File "[^"]*", line \d+')
# The final install's wheel build: "Building wheel for NAME (pyproject.toml) did not run ..."
_WHEEL_STEP = re.compile(r"^building wheel for (?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\b", re.I)


@dataclass(frozen=True)
class BuildFailure:
    """A package whose build pip ran and that failed: its name, the step
    ("getting requirements to build wheel"), and what the build said, cleaned."""

    name: str
    step: str
    said: tuple[str, ...]


def _traceback_gist(lines: Sequence[str]) -> list[str]:
    """A traceback's exception line, and the source line it points at (if shown)."""
    shown = [line for line in lines if line]
    places = [i for i, line in enumerate(shown) if _SOURCE_LINE.match(line)]
    after = shown[places[-1] + 1] if places and places[-1] + 1 < len(shown) - 1 else ""
    pointed = [after] if after and set(after) - set("^~ ") else []
    return [*shown[-1:], *pointed]


def _first_paragraph(lines: Sequence[str]) -> list[str]:
    paragraph: list[str] = []
    for line in lines:
        if not line and paragraph:
            break
        if line:
            paragraph.append(line)
    return paragraph[:ERROR_LINES]


def _what_it_said(body: str) -> tuple[str, ...]:
    """The gist of a build's output: a traceback's exception (with the source line
    it points at), else the first paragraph, a few cleaned lines."""
    lines = [line.strip() for line in body.splitlines()]
    if any(line.startswith("Traceback") for line in lines):
        gist = _traceback_gist(lines)
    else:
        gist = _first_paragraph(lines)
    return tuple(clean(line, LINE_LIMIT) for line in gist)


def build_failure(output: str) -> BuildFailure | None:
    """The build that failed in a dry run or an install, when pip's output shows one."""
    failed = list(_BUILD_FAILED.finditer(output))
    not_run = list(_NOT_RUN.finditer(output))
    if not failed and not not_run:
        return None
    wheel = _WHEEL_STEP.match(not_run[-1].group("step")) if not_run else None
    if failed:
        name, step = failed[-1].group("name"), failed[-1].group("step")
    elif wheel is not None:  # the install builds the wheel of a package collected earlier
        name, step = wheel.group("name"), "building its wheel"
    else:
        collected = list(_LAST_COLLECTED.finditer(output[: not_run[-1].start()]))
        name = collected[-1].group("name") if collected else "a package"
        step = not_run[-1].group("step").lower()
    bodies = list(_OUTPUT.finditer(output))
    said = _what_it_said(bodies[-1].group("body")) if bodies else ()
    return BuildFailure(clean(name, LINE_LIMIT), clean(step, LINE_LIMIT), said)


@dataclass(frozen=True)
class Failure:
    """What pip found no file for, and who pulls what in (name -> parents)."""

    missing: tuple[Requirement, ...]
    parents: Mapping[NormalizedName, tuple[NormalizedName, ...]]


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text.strip())
    except InvalidRequirement:
        return None


def _name_of(text: str) -> NormalizedName | None:
    req = _requirement(text.split(" ", 1)[0])
    return canonicalize_name(req.name) if req is not None else None


def _add_parent(
    parents: dict[NormalizedName, list[NormalizedName]], child: str, parent: str
) -> None:
    child_name, parent_name = _name_of(child), _name_of(parent)
    if child_name and parent_name and parent_name != child_name:
        known = parents.setdefault(child_name, [])
        if parent_name not in known:
            known.append(parent_name)


def _unavailable(output: str, depends: Mapping[NormalizedName, Requirement]) -> list[Requirement]:
    """The requirements of a ResolutionImpossible that had no file for this target."""
    out: list[Requirement] = []
    for block in _UNAVAILABLE.finditer(output):
        for word in block.group("names").split():
            name = _name_of(word)
            req = depends.get(name) if name else None
            found = req or _requirement(word)
            if found is not None and all(found.name != r.name for r in out):
                out.append(found)
    return out


def read_failure(output: str) -> Failure:
    """The requirements pip found no file for ("No matching distribution found
    for", or listed as unavailable in a ResolutionImpossible), and the parents
    pip named for each package."""
    parents: dict[NormalizedName, list[NormalizedName]] = {}
    missing: list[Requirement] = []
    for match in _NOT_FOUND.finditer(output):
        req = _requirement(match.group("req"))
        if req is not None:
            missing.append(req)
            if match.group("parent"):
                _add_parent(parents, req.name, match.group("parent"))
    for match in _COLLECTING.finditer(output):
        _add_parent(parents, match.group("req"), match.group("parent"))
    depends: dict[NormalizedName, Requirement] = {}
    for match in _DEPENDS.finditer(output):
        req = _requirement(match.group("req"))
        if req is not None:
            depends.setdefault(canonicalize_name(req.name), req)
            _add_parent(parents, req.name, match.group("parent"))
    if not missing:
        missing = _unavailable(output, depends)
    return Failure(tuple(missing), {k: tuple(v) for k, v in parents.items()})


def chain(name: NormalizedName, parents: Mapping[NormalizedName, Sequence[str]]) -> list[str]:
    """The packages that pull ``name`` in, nearest first, following the first
    parent pip named for each (cycles cut)."""
    out: list[str] = []
    seen = {name}
    current = parents.get(name)
    while current:
        parent = canonicalize_name(current[0])
        if parent in seen:
            break
        out.append(parent)
        seen.add(parent)
        current = parents.get(parent)
    return out


def _index_urls(args: PipArgs, env: Mapping[str, str]) -> list[str]:
    """The index URLs pip used: the user's, else pip's environment's, else PyPI."""
    main = args.values("--index-url") or [env.get("PIP_INDEX_URL") or DEFAULT_INDEX]
    extra = args.values("--extra-index-url") or env.get("PIP_EXTRA_INDEX_URL", "").split()
    return [*main[-1:], *extra]


def _mentions(text: str, url: str) -> bool:
    parsed = urlparse(url)
    host, port = parsed.hostname or "", parsed.port
    if url.rstrip("/") in text:
        return True
    if port is not None:
        return f"host='{host}', port={port}" in text or f"{host}:{port}" in text
    return bool(host) and f"host='{host}'" in text


def unreachable(output: str, args: PipArgs, env: Mapping[str, str]) -> str | None:
    """ "pip could not reach the index URL ...: why" when pip's output shows a
    connection or HTTP failure, else None."""
    broken = [m.group("why") for m in _BROKEN.finditer(output)]
    fetched = [m.group("why") for m in _FETCH.finditer(output)]
    if not broken and not fetched:
        return None
    text = (broken or fetched)[-1]
    why = _CONNECT.search(text)
    reason = why.group(1) if why else text
    urls = _index_urls(args, env)
    failed = [m.group("url") for m in _FETCH.finditer(output)]
    named = next((u for u in urls if any(_mentions(t, u) for t in (*broken, *failed))), None)
    where = named or (urls[0] if urls else "")
    return (
        f"pip could not reach the index URL {clean(where, LINE_LIMIT)}: {clean(reason, LINE_LIMIT)}"
    )


def pip_error(output: str) -> str:
    """pip's own error, a few cleaned lines: its ERROR lines, or the last line of
    a traceback, else the last lines it wrote."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    if not errors and any(line.startswith("Traceback") for line in lines):
        errors = lines[-1:]
    picked = errors or [line for line in lines if not line.startswith("WARNING: Retrying")]
    return "\n".join(clean(line, LINE_LIMIT) for line in picked[-ERROR_LINES:])
