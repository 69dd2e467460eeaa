"""``safepip install``, ``check`` and ``audit``: vet from the command line, print the report."""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName

from guard import __version__
from guard.cli.common import file_place as _place
from guard.cli.common import load_policy, osv_url, pypi_url, report_format, run_deadline
from guard.cli.echo import echo_pip
from guard.cli.exits import EXIT_ERROR, RUN
from guard.cli.phases import Phases
from guard.deadline import Deadline
from guard.errors import InstallBuildFailed, Interrupted, UsageError
from guard.index import artifacts
from guard.index.analysis_cache import AnalysisCache, CachedScanner
from guard.index.cache import Cache
from guard.index.http import make_session, timeout_from_env
from guard.index.osv import OSVClient
from guard.index.prefetch import Prefetch
from guard.index.provenance import ProvenanceClient
from guard.index.pypi import PyPIClient
from guard.models import Decision, Verdict
from guard.pip.args import PipArgs, parse_command_line, split_own
from guard.pip.worker import PipWorker, target_python
from guard.policy.model import Policy
from guard.report import places
from guard.report import text as report
from guard.report.base import Place, Places
from guard.report.sanitize import clean
from guard.rules import RULES
from guard.state import history
from guard.state.store import FileHistoryStore
from guard.vet.install import WorkerPip
from guard.vet.model import Outcome, Pip, Request
from guard.vet.vetter import Vetter

if TYPE_CHECKING:
    from guard.pip.environment import Paths as EnvPaths


class Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool, phases: Phases | None = None) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.last = 0.0
        self.phases = phases or Phases(None)

    def __call__(self, what: str, done: int, total: int) -> None:
        self.phases.progress(what, done, total)
        if not self.enabled:
            return
        now = time.monotonic()
        if total and done < total and now - self.last < 0.05:
            return
        self.last = now
        text = f"{what} {done}/{total}" if total else f"{what}…"
        sys.stderr.write(f"\r\x1b[K{text}")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _now() -> datetime:
    return datetime.now(UTC)


def _vetter(
    own: dict[str, str | bool],
    pol: Policy,
    pip: Pip | None,
    progress: Progress,
    deadline: Deadline,
) -> Vetter:
    """The vetter with its collaborators: the index client, the OSV client, the
    provenance client (the same index's simple API) and the artifact fetcher
    (sharing one session, the on-disk cache and the run's deadline), pip, the
    history in the user's data dir, the clock, the scanner (its results cached
    by sha256 there too)."""
    timeout = timeout_from_env()
    session = make_session()
    cache = Cache()
    client = PyPIClient(pypi_url(own, pol), session, cache, timeout, deadline)
    provenance = ProvenanceClient(pypi_url(own, pol), session, cache, timeout, deadline)
    # OSV is an extra layer: asked once, without retries, so that an unreachable
    # service costs one attempt (and is then remembered for a few minutes).
    osv = OSVClient(osv_url(own, pol), make_session(retries=0), cache, timeout, deadline)

    def fetch(wanted: Sequence[artifacts.Wanted]) -> dict[str, Path]:
        return artifacts.fetch_all(wanted, cache, session, timeout, deadline)

    def ahead(names: Sequence[NormalizedName]) -> Prefetch:
        return Prefetch(client, names)

    store = FileHistoryStore(history.default_path())
    scanner = CachedScanner(AnalysisCache(cache.root))
    phases = progress.phases  # SAFEPIP_PHASES: when fetching and scanning ran
    return Vetter(
        client,
        phases.around("fetch", fetch),
        pip,
        store,
        _now,
        prefetch=ahead,
        progress=progress,
        advisories=osv,
        scan=phases.around("scan", scanner.scan),
        provenance=provenance,
    )


def vet_command(argv: Sequence[str], do_install: bool, early: PipWorker | None) -> int:
    phases = Phases.from_env()
    phases.mark("command")
    try:
        return _vet_command(argv, do_install, early, phases)
    finally:
        with contextlib.suppress(KeyboardInterrupt):  # the outcome stands as reported
            phases.mark("done")
            phases.write()


def _vet_command(
    argv: Sequence[str], do_install: bool, early: PipWorker | None, phases: Phases
) -> int:
    line = parse_command_line(argv)
    own = line.own
    deadline = run_deadline(own)
    fmt = report_format(own)
    pol = load_policy(own, deadline)
    # Where SARIF results point: read before `check .` replaces the directories.
    where = request_places(line.pip) if fmt == "sarif" else Places()
    local: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()
    if not do_install:
        from guard.vet import project_deps

        # `safepip check .` or `check -e DIR`: a project's declared dependencies,
        # without building it (only its build requirements where a build would tell).
        expanded = project_deps.expand_local_projects(line.pip)
        line, local, notes = replace(line, pip=expanded.args), expanded.projects, expanded.notes
    if not line.pip.tokens and not local:
        raise UsageError("nothing to install: give pip install arguments (see safepip --help)")
    python = target_python(str(own["python"]) if isinstance(own.get("python"), str) else None)
    request = Request(python, line.pip, pol, build=do_install, local_projects=local, notes=notes)
    progress = Progress(not own.get("no-progress"), phases)
    # One pip process runs the dry runs and then, if vetting allows, the install:
    # the one started early for this target (guard.cli.launch), or one started now.
    pip = early if early is not None and early.target_python == python else None
    if pip is None:
        if early is not None:
            early.cancel()
        pip = PipWorker(python, echo_pip)
    pip.limit(deadline, timeout_from_env())
    try:
        vetter = _vetter(own, pol, WorkerPip(pip), progress, deadline)
        return _vet_and_install(vetter, request, progress, (fmt, where), do_install)
    finally:
        _cancel(pip)


def _cancel(pip: PipWorker) -> None:
    """Stop pip's process once the run is over. A Ctrl-C now comes too late to
    change anything: the outcome stands as reported (and any install is done)."""
    try:
        pip.cancel()
    except KeyboardInterrupt:
        return


#: A Ctrl-C outside pip's install (while the vetted files are placed for it, or
#: as it is cleaned up after): pip was not running, and never stops half-way.
AROUND_INSTALL = (
    "interrupted just before or just after pip's install: the environment holds none "
    "or every one of the vetted packages; run the same safepip install again to be "
    "sure it is complete"
)


def _footer(decision: Decision, do_install: bool, will_install: bool, packages: int) -> str:
    if decision is Decision.BLOCK:
        return "blocked: nothing was installed" if do_install else "blocked"
    if will_install and not packages:
        return (
            "nothing to install: the requirements are already satisfied "
            "(or their markers exclude this Python)"
        )
    if will_install:
        return "vetted: installing exactly these files"
    return "allowed (nothing installed: check only)" if not do_install else ""


def _rendered(
    fmt: str,
    request: Request,
    outcome: Outcome,
    flags: tuple[bool, bool],
    where: Places,
) -> str:
    """The report (``flags``: install asked for, the set will be installed)."""
    verdict, (do_install, will_install) = outcome.verdict, flags
    if fmt != "text":
        extra: dict[str, object] = {"installed": will_install, "target": request.target_python}
        if outcome.failed:
            extra["error"] = outcome.failed
        return machine_report(fmt, verdict, extra, where)
    header = (
        f"safepip: {len(verdict.packages)} package(s) for {request.target_python} "
        f"(policy: {request.policy.source})"
    )
    footer = _footer(verdict.decision, do_install, will_install, len(verdict.packages))
    # pip's -v/--verbose (passed through to pip) also shows the ignored weak parts
    verbose = request.pip_args.has("--verbose")
    rendered = report.render_text(verdict, header, "" if outcome.failed else footer, verbose)
    if outcome.failed:  # a build vetting allowed failed: pip stopped there
        rendered += _lines([*outcome.failed.splitlines(), "nothing was installed"])
    return rendered


def _lines(lines: Sequence[str]) -> str:
    return "".join(clean(line, 2000) + "\n" for line in lines)


def _vet_and_install(
    vetter: Vetter,
    request: Request,
    progress: Progress,
    output: tuple[str, Places],
    do_install: bool,
) -> int:
    fmt, where = output
    try:
        outcome = vetter.check(request)
    finally:
        progress.clear()
    decision = outcome.verdict.decision
    will_install = do_install and decision.exit_code == 0 and not outcome.partial
    # Every report is rendered before anything is installed: text that cannot
    # be rendered fails here, with nothing installed.
    rendered = _rendered(fmt, request, outcome, (do_install, will_install), where)
    if fmt == "text":
        sys.stdout.write(rendered)
        sys.stdout.flush()
    if will_install:
        try:
            _install(vetter, request, outcome, progress.phases)
        except InstallBuildFailed as failed:
            return _build_failed_in_install(fmt, failed, outcome, request, where)
    code = decision.exit_code or (2 if outcome.failed else 0)
    try:
        _after_install(fmt, rendered, will_install, len(outcome.verdict.packages))
    except KeyboardInterrupt:
        if will_install:
            raise Interrupted(
                "interrupted after the install: every vetted package is installed"
            ) from None
        raise
    RUN.settled = code
    return code


def _install(vetter: Vetter, request: Request, outcome: Outcome, phases: Phases) -> None:
    """pip's install of the vetted set, its phase marked for a late Ctrl-C."""
    RUN.install_began = True
    try:
        phases.around("install", vetter.install)(request, outcome)
    except KeyboardInterrupt:
        raise Interrupted(AROUND_INSTALL) from None
    RUN.install_done = True


def _build_failed_in_install(
    fmt: str, failed: InstallBuildFailed, outcome: Outcome, request: Request, where: Places
) -> int:
    """A build pip ran for the install failed: as at vetting time, the report,
    the build and what it said, then what the environment holds; exit 2."""
    if fmt == "text":
        sys.stdout.write(_lines([*failed.build.splitlines(), failed.state]))
    else:
        # ("partial" when runs before the failing build are in: false would say none is)
        extra: dict[str, object] = {
            "installed": "partial" if failed.done else False,
            "target": request.target_python,
            "error": str(failed),
        }
        if failed.done:
            extra["installed_before_failure"] = list(failed.done)
        sys.stdout.write(machine_report(fmt, outcome.verdict, extra, where))
        sys.stderr.write(f"safepip: error: {_lines(str(failed).splitlines())}")
    RUN.settled = EXIT_ERROR
    return EXIT_ERROR


def _after_install(fmt: str, rendered: str, installed: bool, count: int) -> None:
    """The machine report, or the text report's last line."""
    if fmt != "text":
        sys.stdout.write(rendered)
    elif installed and count:
        sys.stdout.write(f"installed {count} vetted package(s)\n")


def audit_command(argv: Sequence[str]) -> int:
    from guard.pip.environment import inspect_environment  # only audit needs it

    own, rest = split_own(argv)
    deadline = run_deadline(own)
    fmt = report_format(own)
    if len(rest) > 1 or (rest and rest[0].startswith("-")):
        raise UsageError("usage: safepip audit [--python PY | PATH_TO_VENV] [--format json]")
    if rest and own.get("python"):
        raise UsageError("give either --python or a venv path, not both")
    explicit = rest[0] if rest else own.get("python")
    python = target_python(explicit if isinstance(explicit, str) else None)
    pol = load_policy(own, deadline)
    progress = Progress(not own.get("no-progress"))
    vetter = _vetter(own, pol, None, progress, deadline)
    try:
        progress("listing", 0, 0)
        result = vetter.audit(inspect_environment(python), pol)
    finally:
        progress.clear()
    verdict = result.verdict
    if fmt != "text":
        where = environment_places(result.environment.paths)
        sys.stdout.write(machine_report(fmt, verdict, {"target": python}, where))
    else:
        header = (
            f"safepip audit: {len(result.environment.installed)} distribution(s) in {python} "
            f"(policy: {pol.source}; {result.files_hashed} files checked against RECORD)"
        )
        sys.stdout.write(report.render_text(verdict, header, verdict.decision.value))
    return verdict.decision.exit_code


def machine_report(
    fmt: str, verdict: Verdict, extra: dict[str, object], places: Places | None = None
) -> str:
    """The report in one of the machine formats (json, sarif, markdown); ``places``
    says where SARIF results point (none: no file, only the package)."""
    from guard.report import formats  # only the machine formats need it

    if fmt == "json":
        return report.to_json(verdict, extra=extra)
    if fmt == "markdown":
        return formats.to_markdown(verdict)
    return formats.to_sarif(verdict, __version__, RULES, places=places or Places())


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""  # pip read it or failed on it already; the report only loses lines


_NESTED = re.compile(r"^\s*(?:-r|--requirement)(?:\s*=\s*|\s+)(\S+)")


def _requirement_places(path: Path, declared: dict[str, Place], seen: set[Path]) -> None:
    """The requirements a file declares, and those of the files it includes with ``-r``."""
    if path.resolve() in seen:
        return
    seen.add(path.resolve())
    text = _read(path)
    for name, line in places.requirement_lines(text).items():
        declared.setdefault(name, _place(path, line))
    for text_line in text.splitlines():
        nested = _NESTED.match(text_line)
        if nested:
            _requirement_places(path.parent / nested.group(1), declared, seen)


def _project_files(args: PipArgs) -> list[Path]:
    """The pyproject.toml of each local project on the command line (``check .``,
    ``check -e DIR``, ``install ./app``), read as pip reads the arguments."""
    from guard.vet.project_deps import local_project

    files = []
    for token in args.tokens:
        found = local_project(token)
        if found is not None and (found[0] / "pyproject.toml").is_file():
            files.append(found[0] / "pyproject.toml")
    return files


def request_places(args: PipArgs) -> Places:
    """Where a check's results point: the line of each requirement in the
    ``-r`` files, then in the local projects' pyproject.toml (their dependencies,
    and their build requirements, which ``install`` vets and ``check`` vets when
    only a build could tell the dependencies)."""
    declared: dict[str, Place] = {}
    seen: set[Path] = set()
    for name in args.values("--requirement"):
        _requirement_places(Path(name), declared, seen)
    for file in _project_files(args):
        for name, line in places.pyproject_lines(_read(file)).items():
            declared.setdefault(name, _place(file, line))
    return Places(declared)


def environment_places(paths: EnvPaths) -> Places:
    """Where an audit's results point: the environment (its pyvenv.cfg, or else
    its site-packages directory)."""
    config = paths.prefix / "pyvenv.cfg"
    if paths.venv and config.is_file():
        return Places(fallback=_place(config))
    where = paths.site_packages[0] if paths.site_packages else paths.prefix
    return Places(fallback=_place(where))
