"""``safepip install``, ``check`` and ``audit``: vet from the command line, print the report."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from packaging.utils import NormalizedName

from guard import __version__
from guard.cli.common import load_policy, osv_url, pypi_url, report_format, run_deadline
from guard.cli.echo import echo_pip
from guard.deadline import Deadline
from guard.errors import Interrupted, UsageError
from guard.index import artifacts
from guard.index.analysis_cache import AnalysisCache, CachedScanner
from guard.index.cache import Cache
from guard.index.http import make_session, timeout_from_env
from guard.index.osv import OSVClient
from guard.index.prefetch import Prefetch
from guard.index.pypi import PyPIClient
from guard.models import Decision, Verdict
from guard.pip.args import parse_command_line, split_own
from guard.pip.worker import PipWorker, target_python
from guard.policy.model import Policy
from guard.report import text as report
from guard.rules import RULES
from guard.state import history
from guard.state.store import FileHistoryStore
from guard.vet.install import WorkerPip
from guard.vet.model import Pip, Request
from guard.vet.vetter import Vetter


class Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
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
    """The vetter with its collaborators: the index client, the OSV client and the
    artifact fetcher (sharing one session, the on-disk cache and the run's
    deadline), pip, the history in the user's data dir, the clock, the scanner
    (its results cached by sha256 there too)."""
    timeout = timeout_from_env()
    session = make_session()
    cache = Cache()
    client = PyPIClient(pypi_url(own, pol), session, cache, timeout, deadline)
    osv = OSVClient(osv_url(own, pol), session, cache, timeout, deadline)

    def fetch(wanted: Sequence[artifacts.Wanted]) -> dict[str, Path]:
        return artifacts.fetch_all(wanted, cache, session, timeout, deadline)

    def ahead(names: Sequence[NormalizedName]) -> Prefetch:
        return Prefetch(client, names)

    store = FileHistoryStore(history.default_path())
    scanner = CachedScanner(AnalysisCache(cache.root))
    return Vetter(
        client,
        fetch,
        pip,
        store,
        _now,
        prefetch=ahead,
        progress=progress,
        advisories=osv,
        scan=scanner.scan,
    )


def vet_command(argv: Sequence[str], do_install: bool, early: PipWorker | None) -> int:
    line = parse_command_line(argv)
    own = line.own
    deadline = run_deadline(own)
    fmt = report_format(own)
    pol = load_policy(own, deadline)
    if not do_install:
        from guard.vet import project_deps

        # `safepip check .`: a project's declared dependencies, without building it.
        line = replace(line, pip=project_deps.expand_project_dirs(line.pip))
    if not line.pip.tokens:
        raise UsageError("nothing to install: give pip install arguments (see safepip --help)")
    python = target_python(str(own["python"]) if isinstance(own.get("python"), str) else None)
    request = Request(target_python=python, pip_args=line.pip, policy=pol)
    progress = Progress(not own.get("no-progress"))
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
        return _vet_and_install(vetter, request, progress, fmt, do_install)
    finally:
        pip.cancel()


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


def _vet_and_install(
    vetter: Vetter, request: Request, progress: Progress, fmt: str, do_install: bool
) -> int:
    python = request.target_python
    try:
        outcome = vetter.check(request)
    finally:
        progress.clear()
    verdict = outcome.verdict
    decision = verdict.decision
    will_install = do_install and decision.exit_code == 0 and not outcome.partial
    # Every report is rendered before anything is installed: text that cannot
    # be rendered fails here, with nothing installed.
    if fmt == "text":
        header = (
            f"safepip: {len(verdict.packages)} package(s) for {python} "
            f"(policy: {request.policy.source})"
        )
        footer = _footer(decision, do_install, will_install, len(verdict.packages))
        # pip's -v/--verbose (passed through to pip) also shows the ignored weak parts
        verbose = request.pip_args.has("--verbose")
        rendered = report.render_text(verdict, header, footer, verbose)
    else:
        extra: dict[str, object] = {"installed": will_install, "target": python}
        rendered = machine_report(fmt, verdict, extra, request.pip_args.values("--requirement"))
    if fmt == "text":
        sys.stdout.write(rendered)
        sys.stdout.flush()
    if will_install:
        vetter.install(request, outcome)
    try:
        _after_install(fmt, rendered, will_install, len(verdict.packages))
    except KeyboardInterrupt:
        if will_install:
            raise Interrupted(
                "interrupted after the install: every vetted package is installed"
            ) from None
        raise
    return decision.exit_code


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
        sys.stdout.write(machine_report(fmt, verdict, {"target": python}, ()))
    else:
        header = (
            f"safepip audit: {len(result.environment.installed)} distribution(s) in {python} "
            f"(policy: {pol.source}; {result.files_hashed} files checked against RECORD)"
        )
        sys.stdout.write(report.render_text(verdict, header, verdict.decision.value))
    return verdict.decision.exit_code


def machine_report(
    fmt: str, verdict: Verdict, extra: dict[str, object], requirement_files: Sequence[str]
) -> str:
    from guard.report import formats  # only the machine formats need it

    """The report in one of the machine formats (json, sarif, markdown)."""
    if fmt == "json":
        return report.to_json(verdict, extra=extra)
    if fmt == "markdown":
        return formats.to_markdown(verdict)
    uri, lines = "requirements.txt", None
    if requirement_files:
        uri = requirement_files[0]
        try:
            lines = formats.requirement_lines(Path(uri).read_text(encoding="utf-8"))
        except OSError:
            lines = None
    return formats.to_sarif(verdict, __version__, RULES, artifact_uri=uri, lines=lines)
