"""One scan of one archive: read it, place its files, analyse them in order, score.

Install-time files come first and in full, following what ``setup.py`` pulls in
from the tree; then start-up and import-time files; then the rest of the
package within the budget. Files deeper than import time that show nothing
risky in a quick look are analysed at module level only.

The budget is counted in work, not measured in time: each file analysed costs
its size times what was done with it (``TEXT_COST`` for the text checks,
``PARSE_COST`` or ``FULL_COST`` more for parsing it, module level only or with its
function bodies), and ``budget`` seconds buy ``WORK_PER_SECOND`` of it (the rate
of this work on a 2-core reference machine, measured on the top 150 projects'
files). So the same artifact is read to the same depth on a busy machine as on
an idle one, and the scan's result does not depend on the load.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from guard.analysis.scan import archive as archives
from guard.analysis.scan import python
from guard.analysis.scan import score as scoring
from guard.analysis.scan.commands import shadowed_commands
from guard.analysis.scan.disguised import (
    PYTHON_SUFFIXES,
    disguised_archive,
    disguised_hit,
    not_a_marker,
    not_bytecode,
)
from guard.analysis.scan.encoding import Source, plain_text, read_source
from guard.analysis.scan.entry import installed_scripts, used_directly, user_run
from guard.analysis.scan.findings import findings, incomplete, unreadable
from guard.analysis.scan.hijack import taken_packages
from guard.analysis.scan.hits import BUNDLED_BINARY, OBFUSCATED_CODE, PTH_CODE, Hit
from guard.analysis.scan.layout import (
    EXTENSION_MODULE,
    SOURCE_SUFFIXES,
    WHEEL_SCRIPT,
    Layout,
    layout_of,
    relative,
    wanted,
)
from guard.analysis.scan.pickles import is_pickle_name, pickle_hit
from guard.analysis.scan.pthfiles import path_lines, pth_hits
from guard.analysis.scan.python.outline import module_imports
from guard.analysis.scan.result import ScanResult
from guard.analysis.scan.roles import (
    is_other,
    is_startup_module,
    local_files,
    packages_of,
    resolve,
    roles,
)
from guard.analysis.scan.roles import role as role_of
from guard.analysis.scan.scripts import (
    by_file_name,
    named_files,
    parses,
    read_again,
    zip_modules,
)

MAX_PARSE_DEEP = 256 * 1024  # larger deep sources: module-level code only
_ORDER = {"startup": 0, "import": 1, "module": 2, "other": 3}  # after install time
_FULL_ROLES = frozenset({"startup", "import"})  # parsed whatever the quick look says
_BUDGETED_ROLES = frozenset({"module", "other"})  # analysed while the budget lasts
# Code that runs when the package is installed or imported: always parsed in full,
# function bodies included; what cannot be analysed in full blocks (fail closed).
_RUN_ROLES = frozenset({"install", "helper", "startup", "import"})
_DEEP_ROLES = frozenset({"module", "other"})
# Code that runs as the package is installed, and at every start-up: what the scan
# cannot parse there blocks (what imported code in a newer Python's syntax does is
# read line by line: honest packages for Python 3.12 and later use it)
_INSTALL_ROLES = frozenset({"install", "helper", "startup"})
# (roles whose functions count at the import weight when import-time code calls them)
_PROMOTABLE = frozenset({"imported", "module", "other"})
_METADATA = frozenset({"setup.cfg"})  # read for its entry points only
UNANALYSED_WEIGHT = 6.0
MAX_REREADS = 3  # times one scan reads its archive again (``_Run._scripts``)
# The work the modules imported at import time may cost past the budget before the
# scan stops reading them and blocks (``_Run.import_time``): 20 seconds' worth at
# the reference rate; honest large packages (litellm, kubernetes) take 2 to 3
IMPORT_TIME_WORK = 20 * 30_000_000.0
# The budget's work, per byte of a file (see the module docstring): the text
# checks read about 30 MB per CPU second, a parse of module-level code 3.5 MB,
# a parse with function bodies 2.5 MB.
TEXT_COST = 1.0
PARSE_COST = 8.0
FULL_COST = 12.0
WORK_PER_SECOND = 30_000_000.0


def scan(path: Path, filename: str, block: float, warn: float, budget: float) -> ScanResult:
    """Scan one archive (see ``guard.analysis.scan.scan_archive``)."""
    start = time.perf_counter()
    layout = layout_of(filename)
    try:
        arc = archives.read_archive(path, filename, wanted(layout))
    except (archives.UnreadableArchive, archives.UnsafeArchive) as exc:
        finding = unreadable(filename, exc, isinstance(exc, archives.UnsafeArchive))
        seconds = time.perf_counter() - start
        return ScanResult(filename, (finding,), 0, seconds, False, 0.0, "unreadable")
    run = _Run(arc, layout, path, filename)
    run.start_up_paths()
    run.sdist_scripts()
    run.install_time()
    run.limit = run.work + budget * WORK_PER_SECOND
    run.import_time()
    left = run.rest()
    run.bundled()
    combined = scoring.combine(run.signals, block, warn)
    found = list(findings(filename, combined, block, warn))
    if left is not None:
        found.append(incomplete(filename, budget, left, len(arc.contents)))
    return ScanResult(
        filename,
        tuple(found),
        run.files_read,
        time.perf_counter() - start,
        left is not None,
        combined.total,
        combined.level,
        tuple(run.signals),
    )


class _Run:
    """The files of one archive, their roles, and the signals found so far."""

    def __init__(self, arc: archives.Archive, layout: Layout, path: Path, filename: str) -> None:
        self.arc = arc
        self.layout = layout
        self.path, self.filename = path, filename  # (read again for ``scripts``)
        self.rel_of = {name: relative(name, layout) for name in arc.names}
        self.by_rel = {rel: name for name, rel in self.rel_of.items()}
        self.members = set(self.by_rel)
        self.packages = packages_of(self.by_rel)
        self.roles = roles(arc.contents, layout, self.by_rel)
        self.signals: list[scoring.Signal] = []
        self.done: set[str] = set()
        self.files_read = 0
        self.work = 0.0  # the budget's work done so far (see ``cost``)
        self.limit = float("inf")  # the work the budget allows, set after install time
        self.called: dict[str, set[str]] = {}  # member -> its functions other code calls
        # member -> its functions that import-time code (``import`` role) calls: what
        # they do counts at that weight, not as what an imported module does
        self.promoted: dict[str, set[str]] = {}
        self.entries: set[str] = set()  # files the user runs (what they use not followed)
        self.mains: set[str] = set()  # files install-time code runs as __main__ (-m)
        self._resolved: dict[tuple[str, str], tuple[str, str] | None] = {}
        self.rereads = 0  # the archive read again for files run as Python (``_scripts``)
        self._names: dict[str, list[str]] | None = None  # (``_by_file_name``)
        self._user_run()

    def _user_run(self) -> None:
        """Files the user runs (entry points, ``__main__.py``...): their own
        module-level code runs at import time (see ``guard.analysis.scan.entry``)."""
        for name in user_run(self.arc.contents, self.layout, self.by_rel):
            if self.roles.get(name) in _DEEP_ROLES:
                self.roles[name] = "import"
                self.entries.add(name)
        for name in used_directly(self.arc.contents, self.by_rel, self.roles):
            self.roles[name] = "imported"
        for name in [n for n in self.arc.contents if WHEEL_SCRIPT.match(n)]:
            self._script(name)
        for name in self.arc.contents:
            if self.roles.get(name) != "skip" and self.rel_of[name] in _METADATA:
                self.roles[name] = "skip"

    def _script(self, name: str) -> None:
        """A wheel's script, which pip installs as a command: one in Python is read as
        the package's other code is (``roles``: what a program does when its user
        runs it is no act of installing or importing it, but a technique counts
        anywhere); anything else is kept for the binary checks only."""
        data = self.arc.contents[name]
        if _python_script(name, data):
            return
        del self.arc.contents[name]
        self.roles.pop(name, None)
        self.arc.heads[name] = data[: archives.MAGIC_BYTES]

    def sdist_scripts(self) -> None:
        """The files an sdist's build installs as commands (``entry.installed_scripts``),
        read as a wheel's scripts are (``_script``): those in Python as the
        package's other modules."""
        if self.layout.wheel:
            return
        words = tuple(installed_scripts(self.arc.contents, self.by_rel))
        setup = self.by_rel.get("setup.py", "")
        for member, data in self._named(setup, words, "module", "installs as a command"):
            if _python_script(member, data):
                self.arc.contents[member] = data
                self.roles[member] = "module"

    def start_up_paths(self) -> None:
        """The directories and zip archives of a wheel that a ``.pth`` file puts on
        ``sys.path`` (``site`` appends each of its lines that is no ``import``):
        a ``sitecustomize`` or ``usercustomize`` module there runs at every
        start-up, as one at the root does, with no ``import`` line anywhere; the
        other modules of a zip there are read as the package's."""
        if not self.layout.wheel:
            return
        for name in [n for n in self.arc.contents if n.lower().endswith(".pth")]:
            if "/" not in self.rel_of.get(name, name):  # (site reads its own folder's)
                for path in path_lines(plain_text(self.arc.contents[name])):
                    self._on_sys_path(name, path)

    def _on_sys_path(self, pth: str, path: str) -> None:
        """The start-up modules of a folder or a zip archive of the wheel on ``sys.path``."""
        prefix = f"{path}/"
        for rel, member in list(self.by_rel.items()):
            if rel.startswith(prefix) and "/" not in rel[len(prefix) :]:
                self._start_up(member, rel[len(prefix) :])
        if path in self.by_rel:  # (a file: a zip archive, whose modules Python imports)
            zipped = self.by_rel[path]
            for inner in self._zipped(pth, (path,), "module"):
                self._start_up(inner, inner[len(zipped) + 1 :])

    def _start_up(self, member: str, path: str) -> None:
        """A module at the top of a path on ``sys.path``: run at start-up if named so."""
        if is_startup_module(path) and member in self.arc.contents:
            self.roles[member] = "startup"
            self._place((_STARTUP_HIT,), self.rel_of.get(member, member), "startup")

    def install_time(self) -> None:
        """setup.py and an in-tree backend, then the tree files they pull in (helpers)."""
        queue = [n for n, r in self.roles.items() if r == "install"]
        first = set(queue)
        while queue:
            name = queue.pop(0)
            if name in self.done:
                continue
            self.roles[name] = "install" if name in first else "helper"
            report = self.analyse(name, self.roles[name], True)
            if report is not None:
                self._note_calls(name, report.calls_out)
                self._note_mains(name, report.mains)
                queue.extend(self._pulled_in(name, report.local_imports))
                queue.extend(self._scripts(name, report.scripts, "helper"))
                queue.extend(self._zipped(name, report.zips, "helper"))

    def spent(self) -> bool:
        """The budget's work is used up."""
        return self.work > self.limit

    def import_time(self) -> None:
        """Top-level modules and packages, then the package modules they import
        (``imported``: their module-level code runs at import too), nearest first,
        all of them whatever the budget: padding one of them must not push the
        modules it imports out of the analysis. Once the budget is spent, the
        rest are parsed only where the quick look finds them risky and able to
        act (the text checks read them all). An import graph that costs more than
        ``IMPORT_TIME_WORK`` past the budget is not read to its end: that blocks
        (fail closed), it never stalls the scan."""
        first = ("import", "imported")  # (imported: see ``used_directly``)
        queue = sorted(n for n, r in self.roles.items() if r in first and n not in self.done)
        cap = self.limit + IMPORT_TIME_WORK
        while queue:
            name = queue.pop(0)
            if name in self.done:
                continue
            if self.roles[name] == "imported" and self.work > cap:
                left = len([n for n in [name, *queue] if n not in self.done])
                why = f"{left} modules imported at import time left past the scan's limit"
                self._place((_unanalysed(why),), self.rel_of.get(name, name), "import")
                return
            report = self.analyse(name, self.roles[name], True)
            if report is not None and name not in self.entries:
                # (the decorators of top-level modules only: followed into every
                # imported module, a large package's utilities would all be read in
                # full, and the budget would leave its other modules unread)
                top = self.roles[name] == "import"
                self._note_calls(name, report.calls_out + (report.decorators if top else ()))
                queue.extend(self._imported(name, report.local_imports))
                queue.extend(self._scripts(name, report.scripts, "import"))
                queue.extend(self._zipped(name, report.zips, "imported"))

    def _imported(self, name: str, imports: tuple[str, ...]) -> Iterator[str]:
        """The package modules an import-time file imports, now ``imported`` (a
        module under ``tests/`` too: imported, it runs as any other does)."""
        importer = self.rel_of.get(name, name)
        for module in imports:
            found = self._resolve(module, importer)
            member = self.by_rel[found[0]] if found else ""
            if self.roles.get(member) in _DEEP_ROLES and member not in self.done:
                self.roles[member] = "imported"
                yield member

    def _scripts(self, name: str, words: tuple[str, ...], role: str) -> Iterator[str]:
        """The tree files without a Python suffix that a file's running code runs as
        Python (``guard.analysis.scan.scripts``), read and given ``role``: those
        that parse, run as ``__main__``. One over the size cap blocks."""
        for member, data in self._named(name, words, role, "runs as Python"):
            if parses(read_source(data).text):
                self.arc.contents[member] = data
                self.roles[member] = role
                self.mains.add(member)
                yield member

    def _zipped(self, name: str, words: tuple[str, ...], role: str) -> Iterator[str]:
        """The modules of the zip archives of the tree a file's running code imports
        from (``zipimport``, ``sys.path``), given ``role``; a zip that is no safe
        archive blocks, one Python cannot read is nothing (it imports nothing)."""
        for member, data in self._named(name, words, role, "imports from"):
            self.done.add(member)
            rel = self.rel_of[member]
            try:
                modules = zip_modules(data)
            except archives.UnsafeArchive as exc:
                why = f"{rel}, a zip {self.rel_of.get(name, name)} imports from, is unsafe: {exc}"
                self._place((_unanalysed(why),), rel, "install" if role == "helper" else role)
                continue
            for entry, source in modules:
                inner = f"{member}/{entry}"
                self.arc.contents[inner] = source
                self.rel_of[inner] = f"{rel}/{entry}"
                self.roles[inner] = role
                yield inner

    def _named(
        self, name: str, words: tuple[str, ...], role: str, how: str
    ) -> Iterator[tuple[str, bytes]]:
        """The tree files ``words`` name (``scripts.named_files``) not analysed yet,
        with their bytes, read again from the archive for those not kept (at most
        ``MAX_REREADS`` times a scan); one that cannot be read so blocks."""
        if not words:
            return
        importer = self.rel_of.get(name, name)
        named = named_files(words, importer, self.by_rel, self._by_file_name)
        found = [m for m in named if m not in self.done]
        unread = [m for m in found if m not in self.arc.contents]
        again = None
        if unread and self.rereads < MAX_REREADS:  # (each reads the archive whole again)
            self.rereads += 1
            try:
                again = read_again(self.path, self.filename, unread)
            except (archives.UnreadableArchive, archives.UnsafeArchive):
                again = None  # (changed since it was read: what it names is left unread)
        for member in found:
            data = self.arc.contents.get(member)
            if data is None and again is not None:
                data = again.contents.get(member)
            if data is not None:
                yield member, data
                continue
            rel = self.rel_of[member]
            why = f"{rel}, which {importer} {how}, " + (
                "is over the size cap"
                if again is not None
                else "was left unread (the archive could not be read again for it, or was "
                f"read again {MAX_REREADS} times already)"
            )
            self._place((_unanalysed(why),), rel, "install" if role == "helper" else role)

    def _by_file_name(self) -> dict[str, list[str]]:
        """The project paths by file name, made on first use (``scripts.named_files``)."""
        if self._names is None:
            self._names = by_file_name(self.by_rel)
        return self._names

    def _resolve(self, name: str, importer: str) -> tuple[str, str] | None:
        """``roles.resolve``, once per name and importing directory (a large
        package's modules call the same few helpers thousands of times)."""
        key = (name, importer.rsplit("/", 1)[0] if "/" in importer else "")
        if key not in self._resolved:
            self._resolved[key] = resolve(name, importer, self.members)
        return self._resolved[key]

    def _note_mains(self, name: str, modules: tuple[str, ...]) -> None:
        """Remember the tree modules install-time code runs as ``__main__``."""
        importer = self.rel_of.get(name, name)
        for module in modules:
            found = self._resolve(module, importer)
            if found and not found[1]:
                self.mains.add(self.by_rel[found[0]])

    def _note_calls(self, name: str, calls: tuple[str, ...]) -> None:
        """Remember which functions of other tree files this file's running code calls."""
        importer = self.rel_of.get(name, name)
        promotes = self.roles.get(name) == "import"
        for call in calls:
            found = self._resolve(call, importer)
            if found and found[1]:
                member = self.by_rel[found[0]]
                self.called.setdefault(member, set()).add(found[1])
                if promotes:
                    self.promoted.setdefault(member, set()).add(found[1])

    def _pulled_in(self, name: str, imports: tuple[str, ...]) -> Iterator[str]:
        """The tree files an install-time file pulls in: by path or module name, and
        (from a helper whose functions setup.py calls) its own modules, ``from .main
        import run``."""
        importer = self.rel_of.get(name, name)
        found = set(local_files(imports, self.members))
        # (only from a helper whose functions setup.py calls: what they import runs
        # then; a package's whole import graph is not install-time code)
        for module in imports if name in self.called else ():
            near = self._resolve(module, importer)
            if near:
                found.add(near[0])
        for rel in sorted(found):
            member = self.by_rel[rel]
            if member not in self.done and member in self.arc.contents:
                yield member

    def rest(self) -> int | None:
        """Start-up, import time, the rest; how many files the budget left out, if any."""
        rest = self._remaining()
        for name in rest:
            role = self.roles[name]
            if role in _BUDGETED_ROLES and self.spent():
                return len([n for n in rest if n not in self.done])
            self.analyse(name, role, role in _FULL_ROLES)
        return None

    def _remaining(self) -> list[str]:
        """The files not analysed yet, by role (start-up first) and name."""
        return sorted(
            (n for n, r in self.roles.items() if r in _ORDER and n not in self.done),
            key=lambda n: (_ORDER[self.roles[n]], n),
        )

    def analyse(self, name: str, role: str, full: bool) -> python.FileReport | None:
        """Analyse one member (``full``: parse it whatever the quick look says)."""
        self.done.add(name)
        data = self.arc.contents.get(name)
        if data is None:
            return None
        self.files_read += 1
        rel = self.rel_of.get(name, name)
        binary = disguised_hit(data) if name.lower().endswith(PYTHON_SUFFIXES) else None
        if binary is not None:  # (data under a code name: no code to read)
            self.work += cost(len(data), False, False)
            self._place((binary,), rel, role)
            return None
        source = read_source(data)
        text = source.text
        if name.lower().endswith(".pth"):  # (``site`` reads it as text: no codec)
            file = rel.rsplit("/", 1)[-1]
            self._place(pth_hits(source.plain, file, self.layout.project), rel, role)
            return None
        self._codec_hits(source, rel, role)
        report = self._analyse_source(name, text, len(data), role, full)
        self._place_report(report, rel, role)
        return report

    def _place_report(self, report: python.FileReport, rel: str, role: str) -> None:
        """A file's hits (those in functions import-time code calls, at its weight),
        and what of its running code could not be analysed."""
        if report.reached:  # (called by import-time code: at its weight)
            promoted = {id(h) for h in report.hits if _promoted(h, report.reached)}
            self._place((h for h in report.hits if id(h) in promoted), rel, "import")
            self._place((h for h in report.hits if id(h) not in promoted), rel, role)
        else:
            self._place(report.hits, rel, role)
        if report.incomplete and role in _RUN_ROLES:
            self._place((_unanalysed(report.incomplete),), rel, role)
        elif report.unparsed and role in _INSTALL_ROLES:  # (import time: ``Known limits``)
            self._place((_unanalysed(report.unparsed),), rel, role)

    def _codec_hits(self, source: Source, rel: str, role: str) -> None:
        """A codec that hides code (``encoding``); one Python does not have: the text
        Python runs is another (a codec the package registers), so code that runs
        is not analysed (fail closed), and other code is a weak sign."""
        if source.hit is not None:
            self._place((source.hit,), rel, role)
        if not source.unknown:
            return
        why = f"it declares the encoding {source.unknown!r}, which Python does not have"
        if role in _RUN_ROLES:
            self._place((_unanalysed(why),), rel, role)
        else:
            self._place((Hit(OBFUSCATED_CODE, "unknown-codec", 1.5, 1, "", why),), rel, role)

    def _analyse_source(
        self, name: str, text: str, size: int, role: str, full: bool
    ) -> python.FileReport:
        """The analysis of one source, as deep as its role and the budget say."""
        rel = self.rel_of.get(name, name)
        # (what setup.py calls in its helpers keeps the helper weight: build scripts
        # download and read tokens on purpose)
        called = frozenset(self.called.get(name, ())) if role != "helper" else frozenset()
        parse, functions = _depth(text, size, role, full, self.spent())
        # (the functions called are read whatever the quick look says: ``python.analyse``)
        parse = parse or bool(called)
        self.work += cost(size, parse, functions or bool(called))
        # (a build runs setup.py as ``__main__``: its main guard runs at install)
        as_main = name in self.mains or (role == "install" and rel.rsplit("/", 1)[-1] == "setup.py")
        promoted = self.promoted.get(name, ()) if role in _PROMOTABLE else ()
        report = python.analyse(
            text,
            parse=parse,
            functions=functions,
            called=called,
            as_main=as_main,
            hooks=role == "helper",
            promoted=frozenset(promoted),
        )
        if role == "imported" and not parse:
            # (read without a parse, it still leads to the modules it imports)
            report = replace(report, local_imports=module_imports(text))
        return report

    def bundled(self) -> None:
        """Native binaries where they do not belong, bytecode without its source,
        pickles that run code, commands installed in place of the system's,
        packages installed over a popular project's, modules run at every
        start-up; sources too large to read."""
        found = [
            *_native_hits(self.arc, self.layout),
            *_bytecode_hits(self.arc, self.layout),
            *_pickle_hits(self.arc),
        ]
        for name, hit in found:
            rel = self.rel_of.get(name, name)
            self._place((hit,), rel, "other" if is_other(rel) else "install")
        for name, hit in shadowed_commands(self.arc.contents, self.layout):
            self._place((hit,), self.rel_of.get(name, name), "install")  # (put on PATH)
        for name, hit in taken_packages(self.by_rel, self.arc.contents, self.layout):
            self._place((hit,), self.rel_of.get(name, name), "install")  # (over another's)
        for name in self.arc.names if self.layout.wheel else ():
            if is_startup_module(name):
                self._place((_STARTUP_HIT,), self.rel_of.get(name, name), "startup")
        for name in self.arc.oversized:
            if name.lower().endswith(SOURCE_SUFFIXES):
                self._oversized(name)

    def _oversized(self, name: str) -> None:
        """A source over the archive reader's cap: fail closed if it runs at install or
        import time, else a weak signal."""
        rel = self.rel_of.get(name, name)
        role = role_of(name, self.layout, self.packages)
        if role in _RUN_ROLES:
            size = self.arc.sizes.get(name, 0) // (1024 * 1024)
            hit = _unanalysed(f"over the size cap ({size} MB)")
        else:
            hit = Hit(OBFUSCATED_CODE, "oversized", 1.5, 0, "", "source file over the size cap")
        self._place((hit,), rel, "module" if role not in _RUN_ROLES else role)

    def _place(self, hits: Iterable[Hit], rel: str, role: str) -> None:
        self.signals.extend(s for h in hits if (s := scoring.place(h, rel, role)) is not None)


def _python_script(name: str, data: bytes) -> bool:
    """A command in Python: a Python name, or a ``#!`` line that names Python
    (``#!python``, which pip points at the environment's interpreter,
    ``#!/usr/bin/env python3``)."""
    if name.lower().endswith(PYTHON_SUFFIXES):
        return True
    first = data[:256].split(b"\n", 1)[0]
    return first.startswith(b"#!") and b"python" in first.lower()


# (a wheel's sitecustomize.py: ``roles.is_startup_module``)
_STARTUP_HIT = Hit(
    PTH_CODE,
    "pth-code",
    3.0,
    1,
    "",
    "installs a module Python imports at every start-up (sitecustomize or usercustomize), "
    "in place of the environment's own",
)


def _depth(text: str, size: int, role: str, full: bool, spent: bool) -> tuple[bool, bool]:
    """Whether to parse the file, and to analyse its function bodies.

    Install-, start-up- and import-time files are parsed whatever their size.
    Deep files are parsed only if a quick look finds something risky and they
    are under ``MAX_PARSE_DEEP``; their function bodies analysed only then.
    Modules imported at import time are parsed if they could act at module level,
    while the budget lasts; once it is spent, only if they also look risky
    (``quick_risky``'s ``late`` look: for what counts anywhere) (what other files
    call in them is read whatever the budget: see ``analyse``).
    """
    if role in _RUN_ROLES:
        return True, True
    if role == "imported" and spent:
        late = python.quick_risky(text, late=True) and python.could_act(text)
        return late, late
    risky = python.quick_risky(text)
    if role == "imported":  # (risky function bodies are read as in other modules)
        return risky or python.could_act(text), risky
    # installed code that looks risky is parsed whatever its size (padding hides
    # nothing); tests and docs, and the function bodies of very large files, only
    # under the cap
    small = size <= MAX_PARSE_DEEP
    return full or (risky and (small or role == "module")), risky and small


def _promoted(hit: Hit, reached: frozenset[str]) -> bool:
    """A hit in a function that import-time code of another file calls, that counts
    there (``score.counts_where_called``)."""
    return hit.scope in reached and scoring.counts_where_called(hit)


def cost(size: int, parse: bool, functions: bool) -> float:
    """The budget's work of analysing ``size`` bytes (see the module docstring)."""
    return size * (FULL_COST if functions and parse else PARSE_COST if parse else TEXT_COST)


def _unanalysed(reason: str) -> Hit:
    """Install- or import-time code the scan could not analyse in full: it blocks."""
    text = f"install- or import-time code not analysed in full: {reason}"
    return Hit(OBFUSCATED_CODE, "unanalysed", UNANALYSED_WEIGHT, 0, "", text)


def _native_hits(arc: archives.Archive, layout: Layout) -> Iterator[tuple[str, Hit]]:
    """Native binaries in an sdist or a pure-Python wheel: evidence (``native``), or
    a compiled Python module (``compiled-module``, a technique: prebuilt code that
    runs as it is imported, where the source belongs and no reader can see it)."""
    where = "a pure-Python wheel" if layout.wheel else "an sdist"
    weight = 3.0 if layout.wheel else 2.0
    for name, head in arc.heads.items():
        kind = archives.native_kind(head)
        module = _exported_module(name, head) if kind else ""
        if module:
            what = f"compiled Python module {module} ({kind}) in {where}: code that cannot be read"
            yield name, Hit(BUNDLED_BINARY, "compiled-module", 6.0, 0, "", what)
        elif kind:
            yield name, Hit(BUNDLED_BINARY, "native", weight, 0, "", f"{kind} binary in {where}")


def _bytecode_hits(arc: archives.Archive, layout: Layout) -> Iterator[tuple[str, Hit]]:
    """Python bytecode (``.pyc``) whose source the archive does not hold: Python
    imports it as the module it names (``pkg/mod.pyc`` is ``pkg.mod`` when no
    ``mod.py`` is there), code no reader can see (``compiled-module``, a technique).
    A ``__pycache__`` file is only a cache: Python never imports one whose source
    is gone (PEP 3147). A ``.pyc`` anywhere that holds no bytecode (a zip that
    ``zipimport`` loads, encrypted data) is disguised (``disguised.not_bytecode``),
    as is binary data under a type-marker name (``py.typed``: ``not_a_marker``)
    and a zip archive under a name that is no archive's (``disguised_archive``)."""
    where = "a wheel" if layout.wheel else "an sdist"
    names = set(arc.names)
    for name, head in arc.heads.items():
        lower, base = name.lower(), name.rsplit("/", 1)[-1]
        hidden = not_a_marker(head, base) if lower.endswith(".typed") else None
        if not lower.endswith(".pyc"):
            hidden = hidden or disguised_archive(head, base)
            yield from ((name, hidden),) if hidden is not None else ()
            continue
        disguised = not_bytecode(head, base)
        if disguised is not None:
            yield name, disguised
        elif "__pycache__/" not in lower and _source_of(name) not in names:
            base = name.rsplit("/", 1)[-1]
            what = f"Python bytecode {base} without its source in {where}: code that cannot be read"
            yield name, Hit(BUNDLED_BINARY, "compiled-module", 6.0, 0, "", what)


def _source_of(name: str) -> str:
    """``pkg/mod.py`` for ``pkg/mod.pyc``."""
    return name[: -len(".pyc")] + ".py"


def _pickle_hits(arc: archives.Archive) -> Iterator[tuple[str, Hit]]:
    """Pickles whose loading calls a shell, a process, ``exec`` or the network
    (``pickles``): model files kept whole, and ``.pth`` files that hold one."""
    kept = [*arc.heads.items(), *((n, d) for n, d in arc.contents.items() if n.endswith(".pth"))]
    for name, data in kept:
        if is_pickle_name(name):
            hit = pickle_hit(name, data)
            if hit is not None:
                yield name, hit


def _exported_module(name: str, data: bytes) -> str:
    """The module a compiled Python module of this name defines, when the binary
    exports its init function (``PyInit_<name>``); else ''."""
    named = EXTENSION_MODULE.match(name.rsplit("/", 1)[-1])
    module = named.group(1) if named else ""
    return module if module and b"PyInit_" + module.encode() in data else ""
