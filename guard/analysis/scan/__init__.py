"""A static scan of the exact files pip will install: ``scan_archive``.

Nothing in the archive is extracted to disk, imported, built or run. The scan
reads the archive in memory (``guard.analysis.scan.archive``), sorts its files by when
their code would run, and analyses them in that order:

1. install time: ``setup.py``, an in-tree PEP 517 backend (``backend-path``),
   and the tree's modules and files that ``setup.py`` imports or executes;
2. start-up: ``.pth`` files;
3. import time: top-level modules and top-level packages' ``__init__.py``;
4. the rest of the package, then tests, docs and examples, within a time budget
   (``budget`` seconds, install-time files are always read in full). Files that
   show nothing risky in a quick look are not parsed.

What the detectors found (``guard.analysis.scan.python``) is weighed by where it is and
combined into one score (``guard.analysis.scan.score``); the result holds a finding per
rule that contributed, strongest first, each with its evidence. An archive that
cannot be read, or that holds what an extractor could be tricked by, is an
``unreadable-archive`` finding, never clean. Results are cached per file and
settings within the process.
"""

from __future__ import annotations

import re
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from guard.analysis.pth import is_executed, is_known_hook, is_namespace_shim
from guard.analysis.scan import archive as archives
from guard.analysis.scan import python
from guard.analysis.scan import score as scoring
from guard.analysis.scan.python import (
    BUNDLED_BINARY,
    CREDENTIAL_ACCESS,
    DROPPER,
    EXFIL_ENDPOINT,
    INSTALL_TIME_CODE,
    OBFUSCATED_CODE,
    PTH_CODE,
    Hit,
)
from guard.models import Candidate, Finding, Source

UNREADABLE_ARCHIVE = "unreadable-archive"
SCAN_INCOMPLETE = "scan-incomplete"
RULE_IDS = (
    INSTALL_TIME_CODE,
    OBFUSCATED_CODE,
    EXFIL_ENDPOINT,
    CREDENTIAL_ACCESS,
    DROPPER,
    PTH_CODE,
    BUNDLED_BINARY,
    UNREADABLE_ARCHIVE,
    SCAN_INCOMPLETE,
)

BLOCK_SCORE = 5.0
WARN_SCORE = 2.5
BUDGET = 0.8  # seconds for the files after the install-time ones
MAX_PARSE = 1024 * 1024  # larger install- and import-time sources get the text checks only
MAX_PARSE_DEEP = 256 * 1024  # the same for the rest of the package
MAX_EVIDENCE = 8

SOURCE_SUFFIXES = (".py", ".pyw", ".pth")
NATIVE_SUFFIXES = re.compile(r"\.(?:so(?:\.\d+)*|dll|dylib|pyd|exe|scr|bin|elf|o|a)$", re.I)
OTHER_DIRS = frozenset(
    [
        "test",
        "tests",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "benchmarks",
        "benchmark",
        "bench",
    ]
)
_PTH_WHEEL = re.compile(
    r"^(?:[^/]+\.pth|[^/]+\.data/(?:purelib|platlib)/[^/]+\.pth"
    r"|[^/]+\.data/data/(?:.+/)?site-packages/[^/]+\.pth)$",
    re.IGNORECASE,
)
_PTH_SUSPICIOUS = re.compile(
    r"\b(?:exec|eval|compile|b64decode|base64|marshal|zlib|subprocess|popen|system|"
    r"socket|urllib|urlopen|https?:|requests|ctypes)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ScanResult:
    """What the scan of one artifact found, and how much of it it read."""

    filename: str
    findings: tuple[Finding, ...]
    files_read: int
    seconds: float
    truncated: bool  # the budget ran out before every file was analysed
    score: float = 0.0
    level: str = "clean"  # "block", "warn", "clean" or "unreadable"
    signals: tuple[scoring.Signal, ...] = ()


# --- where a file sits --------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    wheel: bool
    pure: bool  # a none-any wheel (or an sdist): native code does not belong
    project: str


def _layout(filename: str) -> _Layout:
    if filename.lower().endswith(".whl"):
        try:
            name, _, _, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            return _Layout(True, False, "")
        pure = all(t.abi == "none" and t.platform == "any" for t in tags)
        return _Layout(True, pure, str(name))
    try:
        sname, _ = parse_sdist_filename(filename)
        project = str(sname)
    except InvalidSdistFilename:
        project = str(canonicalize_name(re.split(r"-\d", filename, maxsplit=1)[0]))
    return _Layout(False, True, project)


def _relative(name: str, layout: _Layout) -> str:
    """The member path as the project sees it: an sdist's top directory dropped."""
    if layout.wheel:
        match = re.match(r"^[^/]+\.data/(?:purelib|platlib)/(.*)$", name)
        return match.group(1) if match else name
    return name.split("/", 1)[1] if "/" in name else name


def _is_other(rel: str) -> bool:
    parts = rel.lower().split("/")
    base = parts[-1]
    return (
        any(p in OTHER_DIRS for p in parts[:-1])
        or base.startswith("test_")
        or base.endswith("_test.py")
        or base in {"conftest.py", "noxfile.py", "tasks.py", "fabfile.py"}
    )


def _role(name: str, layout: _Layout, packages: set[str]) -> str:
    """install, startup, import, module, other or skip (see guard.analysis.scan.score).

    In an sdist, a file counts as package code only in a directory with an
    ``__init__.py`` (``packages``); other directories (scripts, tools, CI, build
    helpers) are not installed, and run only if setup.py pulls them in.
    """
    rel = _relative(name, layout)
    lower = rel.lower()
    if lower.endswith(".pth"):
        if layout.wheel and _PTH_WHEEL.match(name):
            return "startup"
        return "import"
    if layout.wheel and ".dist-info/" in name:
        return "skip"
    if not layout.wheel and rel == "setup.py":
        return "install"
    if _is_other(rel):
        return "other"
    parts = rel.split("/")
    if parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if layout.wheel and re.match(r"^[^/]+\.data/scripts/", name):
        return "module"
    if len(parts) == 1 and layout.wheel:
        return "import"
    if len(parts) == 1 and rel.startswith("src/"):
        return "import"
    if not layout.wheel and len(parts) > 1 and rel.rsplit("/", 1)[0] not in packages:
        return "other"
    if len(parts) == 2 and parts[1] == "__init__.py":
        return "import"
    return "module"


def _wanted(layout: _Layout) -> archives.Want:
    def want(name: str, size: int) -> str:
        lower = name.lower()
        if lower.endswith(SOURCE_SUFFIXES):
            return "read"
        if not layout.wheel and _relative(name, layout) == "pyproject.toml":
            return "read"
        if not layout.pure:
            return ""
        if ".dist-info/" in name:
            return ""
        base = lower.rsplit("/", 1)[-1]
        if NATIVE_SUFFIXES.search(base) or "." not in base:
            return "head"
        return ""

    return want


# --- the scan -----------------------------------------------------------------------


def _backend_files(data: bytes | None, members: set[str]) -> list[str]:
    """The members of an in-tree PEP 517 backend named by pyproject.toml."""
    if data is None or len(data) > 1024 * 1024:
        return []
    try:
        doc = tomllib.loads(data.decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError:
        return []
    system = doc.get("build-system")
    if not isinstance(system, dict):
        return []
    backend = system.get("build-backend")
    paths = system.get("backend-path")
    if not isinstance(backend, str) or not isinstance(paths, list):
        return []
    module = backend.split(":", 1)[0].strip().replace(".", "/")
    found = []
    for base in paths:
        if not isinstance(base, str):
            continue
        prefix = base.strip("./").strip("/")
        for candidate in (f"{module}.py", f"{module}/__init__.py"):
            full = f"{prefix}/{candidate}" if prefix else candidate
            if full in members:
                found.append(full)
    return found


def _local_files(names: tuple[str, ...], members: set[str]) -> Iterator[str]:
    """Tree files that setup.py pulls in: ``import x``, ``exec(open('x.py'))``..."""
    for name in names:
        if name.endswith(".py"):
            path = name.replace("\\", "/").lstrip("./")
            if path in members:
                yield path
            continue
        base = name.replace(".", "/")
        for prefix in ("", "src/"):
            for candidate in (f"{prefix}{base}.py", f"{prefix}{base}/__init__.py"):
                if candidate in members:
                    yield candidate


def _pth_hits(text: str, pth_name: str, project: str) -> list[Hit]:
    if is_known_hook(project, pth_name):
        return []
    lines = text.splitlines()
    code = [(number, line) for number, line in enumerate(lines, start=1) if is_executed(line)]
    code = [(n, line) for n, line in code if not is_namespace_shim(line)]
    if not code:
        return []
    hits = []
    number, first = code[0]
    snippet = first.strip()[: python.MAX_SNIPPET]
    suspicious = any(_PTH_SUSPICIOUS.search(line) for _, line in code)
    weight = 5.0 if suspicious else 3.0
    what = "runs code that execs, decodes or fetches" if suspicious else "runs code"
    hits.append(
        Hit(PTH_CODE, "pth-code", weight, number, snippet, f"{pth_name} {what} at start-up")
    )
    report = python.analyse("\n".join(line for _, line in code))
    for hit in report.hits:
        line = code[hit.line - 1][0] if 0 < hit.line <= len(code) else number
        hits.append(Hit(hit.rule, hit.kind, hit.weight, line, hit.snippet, hit.text, False))
    return hits


def _native_hits(arc: archives.Archive, layout: _Layout) -> list[tuple[str, Hit]]:
    out = []
    for name, head in arc.heads.items():
        kind = archives.native_kind(head)
        if not kind:
            continue
        where = "a pure-Python wheel" if layout.wheel else "an sdist"
        weight = 3.0 if layout.wheel else 2.0
        out.append(
            (name, Hit(BUNDLED_BINARY, "native", weight, 0, "", f"{kind} binary in {where}"))
        )
    return out


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "replace")


def _scan(path: Path, filename: str, block: float, warn: float, budget: float) -> ScanResult:
    start = time.perf_counter()
    layout = _layout(filename)
    try:
        arc = archives.read_archive(path, filename, _wanted(layout))
    except (archives.UnreadableArchive, archives.UnsafeArchive) as exc:
        unsafe = isinstance(exc, archives.UnsafeArchive)
        what = "holds what an extractor could be tricked by" if unsafe else "cannot be read"
        finding = Finding(
            UNREADABLE_ARCHIVE,
            f"{filename} {what}: {exc}",
            remedy="do not install it; an archive that cannot be scanned is never taken as clean",
            evidence=((filename, str(exc)),),
        )
        return ScanResult(
            filename, (finding,), 0, time.perf_counter() - start, False, 0.0, "unreadable"
        )

    rel_of = {name: _relative(name, layout) for name in arc.names}
    by_rel = {rel: name for name, rel in rel_of.items()}
    packages = {rel.rsplit("/", 1)[0] for rel in by_rel if rel.endswith("/__init__.py")}
    roles = {name: _role(name, layout, packages) for name in arc.contents}
    if not layout.wheel:
        for rel in _backend_files(arc.contents.get(by_rel.get("pyproject.toml", "")), set(by_rel)):
            roles[by_rel[rel]] = "install"

    signals: list[scoring.Signal] = []
    done: set[str] = set()
    files_read = 0
    truncated = False

    def analyse(name: str, role: str, full: bool) -> python.FileReport | None:
        nonlocal files_read
        done.add(name)
        data = arc.contents.get(name)
        if data is None:
            return None
        files_read += 1
        text = _decode(data)
        rel = rel_of.get(name, name)
        if name.lower().endswith(".pth"):
            hits = _pth_hits(text, rel.rsplit("/", 1)[-1], layout.project)
            signals.extend(s for h in hits if (s := scoring.place(h, rel, role)) is not None)
            return None
        risky = python.quick_risky(text)
        functions = role in {"install", "helper", "startup"} or risky
        parse = full or risky
        if len(data) > (MAX_PARSE if full else MAX_PARSE_DEEP):
            parse = False
        report = python.analyse(text, parse=parse, functions=functions)
        signals.extend(s for h in report.hits if (s := scoring.place(h, rel, role)) is not None)
        return report

    # 1. install time, following what setup.py pulls in from the tree.
    queue = [n for n, r in roles.items() if r == "install"]
    first = set(queue)
    while queue:
        name = queue.pop(0)
        if name in done:
            continue
        roles[name] = "install" if name in first else "helper"
        report = analyse(name, roles[name], True)
        if report is not None and report.local_imports:
            for rel in _local_files(report.local_imports, set(by_rel)):
                member = by_rel[rel]
                if member not in done and member in arc.contents:
                    queue.append(member)
    # 2-4. start-up, import time, the rest, within the budget.
    order = {"startup": 0, "import": 1, "module": 2, "other": 3}
    rest = sorted(
        (n for n, r in roles.items() if r in order and n not in done),
        key=lambda n: (order[roles[n]], n),
    )
    deadline = time.perf_counter() + budget
    for name in rest:
        if roles[name] in {"module", "other"} and time.perf_counter() > deadline:
            truncated = True
            break
        analyse(name, roles[name], roles[name] in {"startup", "import"})

    for name, hit in _native_hits(arc, layout):
        rel = rel_of.get(name, name)
        role = "other" if _is_other(rel) else "install"
        placed = scoring.place(hit, rel, role)
        if placed is not None:
            signals.append(placed)
    for name in arc.oversized:
        if name.lower().endswith(SOURCE_SUFFIXES):
            hit = Hit(OBFUSCATED_CODE, "oversized", 1.5, 0, "", "source file over the size cap")
            placed = scoring.place(hit, rel_of.get(name, name), roles.get(name, "module"))
            if placed is not None:
                signals.append(placed)

    combined = scoring.combine(signals, block, warn)
    findings = list(_findings(filename, combined, block, warn))
    if truncated:
        left = len([n for n in rest if n not in done])
        findings.append(
            Finding(
                SCAN_INCOMPLETE,
                f"{filename}: the scan's time budget ({budget:.1f} s) ran out; {left} of "
                f"{len(arc.contents)} source files were not analysed (install-time files were)",
                remedy="scan it without a budget (safepip scan) or read the rest yourself",
                weak=True,
            )
        )
    seconds = time.perf_counter() - start
    return ScanResult(
        filename,
        tuple(findings),
        files_read,
        seconds,
        truncated,
        combined.total,
        combined.level,
        tuple(signals),
    )


_REMEDY = {
    "block": "do not install it; read the evidence, and if you trust the code, allow-list it "
    "with a reason",
    "warn": "read the evidence before you rely on it",
}


def _findings(
    filename: str, combined: scoring.Combined, block: float, warn: float
) -> Iterator[Finding]:
    if combined.level == "clean":
        return
    limit = block if combined.level == "block" else warn
    capped = (
        f"; library-wide signals capped at {scoring.fmt(scoring.SPREAD_CAP)}"
        if combined.capped
        else ""
    )
    headline = (
        f"scan score {scoring.fmt(combined.total)} >= {scoring.fmt(limit)}"
        f" ({combined.level}{capped}): {scoring.explain(combined.parts)}"
    )
    for index, (rule, rule_score, parts) in enumerate(combined.by_rule()):
        signals = sorted(
            (s for p in parts for s in p.signals), key=lambda s: (-s.weight, s.file, s.line)
        )
        evidence: list[tuple[str, str]] = []
        for s in signals:
            if len(evidence) >= MAX_EVIDENCE:
                break
            key = s.where
            if any(k == key for k, _ in evidence):
                key = f"{key} ({s.kind})"
            evidence.append((key, f"{s.text} (+{scoring.fmt(s.weight)}): {s.snippet}".rstrip(": ")))
        if index == 0:
            message = f"{filename}: {headline}"
        else:
            message = (
                f"{filename}: {scoring.explain(parts)} (part of scan score "
                f"{scoring.fmt(combined.total)})"
            )
        yield Finding(
            rule,
            message,
            remedy=_REMEDY[combined.level],
            weak=combined.level != "block",
            evidence=tuple(evidence),
            score=rule_score,
        )


# --- the cache ----------------------------------------------------------------------

_CACHE: dict[tuple[object, ...], ScanResult] = {}
_LOCK = threading.Lock()
_CACHE_SIZE = 256


def scan_archive(
    path: Path,
    filename: str,
    *,
    block_score: float = BLOCK_SCORE,
    warn_score: float = WARN_SCORE,
    budget: float = BUDGET,
) -> ScanResult:
    """Scan one wheel or sdist (a verified local copy) without running any of it.

    ``filename`` is the artifact's name on the index (it says whether the file is
    a wheel and which project it belongs to). Results are cached per file (path,
    size, modification time) and settings.
    """
    try:
        stat = path.stat()
        key: tuple[object, ...] = (
            str(path.resolve()),
            stat.st_size,
            stat.st_mtime_ns,
            filename,
            block_score,
            warn_score,
            budget,
        )
    except OSError:
        key = ()
    if key:
        with _LOCK:
            cached = _CACHE.get(key)
        if cached is not None:
            return cached
    result = _scan(path, filename, block_score, warn_score, budget)
    if key:
        with _LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = result
    return result


def candidate_for(path: Path) -> Candidate:
    """A local archive as a candidate, named from its file name where it can be."""
    filename = path.name
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        name, version = canonicalize_name(filename.replace(".", "-")), Version("0")
    return Candidate(name, version, Source.LOCAL, path.resolve().as_uri(), filename, None)


__all__ = ["RULE_IDS", "ScanResult", "candidate_for", "scan_archive"]
