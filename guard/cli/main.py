"""The command line: sub-commands, option handling, printing and exit codes.

This is the only module that prints or exits. Exit codes: 0 allowed, 1 blocked
by policy, 2 error (nothing installed).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from guard import __version__
from guard.analysis import typosquat
from guard.cli.helptext import COMMANDS, USAGE, wants_help
from guard.cli.launch import VET_COMMANDS, echo_pip, split_command
from guard.errors import GuardError, IndexError_, UsageError
from guard.index import artifacts
from guard.index.cache import Cache
from guard.index.http import make_session, timeout_from_env
from guard.index.pypi import DEFAULT_PYPI_URL, PyPIClient
from guard.models import Decision, PackageVerdict, Verdict
from guard.pip.args import parse_command_line, split_own
from guard.pip.worker import PipWorker, target_python
from guard.policy import model as policy
from guard.report import text as report
from guard.report.sanitize import clean
from guard.rules import RULES, by_id, evaluate
from guard.rules.base import Context
from guard.vet import pipeline

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2


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


def _pypi_url(own: dict[str, str | bool], pol: policy.Policy) -> str:
    flag = own.get("pypi-url")
    if isinstance(flag, str) and flag:
        return flag
    return os.environ.get("SAFEPIP_PYPI_URL") or pol.pypi_url or DEFAULT_PYPI_URL


def _vet_command(argv: Sequence[str], do_install: bool, early: PipWorker | None) -> int:
    line = parse_command_line(argv)
    own = line.own
    fmt = _format(own)
    pol = _policy(own)
    if not do_install:
        from guard.vet import project_deps

        # `safepip check .`: a project's declared dependencies, without building it.
        line = replace(line, pip=project_deps.expand_project_dirs(line.pip))
    if not line.pip.tokens:
        raise UsageError("nothing to install: give pip install arguments (see safepip --help)")
    python = target_python(str(own["python"]) if isinstance(own.get("python"), str) else None)
    settings = pipeline.Settings(
        target_python=python, pip_args=line.pip, policy=pol, now=datetime.now(UTC)
    )
    timeout = timeout_from_env()
    session = make_session()
    cache = Cache()
    client = PyPIClient(_pypi_url(own, pol), session, cache, timeout)
    progress = Progress(not own.get("no-progress"))

    def fetch(wanted: Sequence[artifacts.Wanted]) -> dict[str, Path]:
        return artifacts.fetch_all(wanted, cache, session, timeout)

    # One pip process runs the dry runs and then, if vetting allows, the install:
    # the one started early for this target (guard.cli.launch), or one started now.
    pip = early if early is not None and early.target_python == python else None
    if pip is None:
        if early is not None:
            early.cancel()
        pip = PipWorker(python, echo_pip)
    try:
        return _vet_and_install(settings, client, fetch, progress, fmt, do_install, pip)
    finally:
        pip.cancel()


def _vet_and_install(
    settings: pipeline.Settings,
    client: PyPIClient,
    fetch: pipeline.Fetch,
    progress: Progress,
    fmt: str,
    do_install: bool,
    pip: PipWorker,
) -> int:
    python = settings.target_python
    pol = settings.policy
    try:
        outcome = pipeline.vet(settings, client, fetch, progress, pip.capture)
    finally:
        progress.clear()
    verdict = outcome.verdict
    decision = verdict.decision
    header = f"safepip: {len(verdict.packages)} package(s) for {python} (policy: {pol.source})"
    will_install = do_install and decision.exit_code == 0 and not outcome.partial
    if fmt == "text":
        if decision is Decision.BLOCK:
            footer = "blocked: nothing was installed" if do_install else "blocked"
        elif will_install and not verdict.packages:
            footer = (
                "nothing to install: the requirements are already satisfied "
                "(or their markers exclude this Python)"
            )
        elif will_install:
            footer = "vetted: installing exactly these files"
        else:
            footer = "allowed (nothing installed: check only)" if not do_install else ""
        sys.stdout.write(report.render_text(verdict, header, footer))
        sys.stdout.flush()
    if will_install:
        pipeline.install_vetted(settings, outcome, pip)
    if fmt != "text":
        sys.stdout.write(
            _machine_report(
                fmt,
                verdict,
                {"installed": will_install, "target": python},
                settings.pip_args.values("--requirement"),
            )
        )
    elif will_install and verdict.packages:
        sys.stdout.write(f"installed {len(verdict.packages)} vetted package(s)\n")
    return decision.exit_code


def _audit_command(argv: Sequence[str]) -> int:
    from guard.vet import audit  # only audit needs it

    own, rest = split_own(argv)
    fmt = _format(own)
    if len(rest) > 1 or (rest and rest[0].startswith("-")):
        raise UsageError("usage: safepip audit [--python PY | PATH_TO_VENV] [--format json]")
    if rest and own.get("python"):
        raise UsageError("give either --python or a venv path, not both")
    explicit = rest[0] if rest else own.get("python")
    python = target_python(explicit if isinstance(explicit, str) else None)
    pol = _policy(own)
    client = PyPIClient(_pypi_url(own, pol), make_session(), Cache(), timeout_from_env())
    progress = Progress(not own.get("no-progress"))
    try:
        result = audit.audit(python, pol, client, datetime.now(UTC), progress)
    finally:
        progress.clear()
    verdict = result.verdict
    if fmt != "text":
        sys.stdout.write(_machine_report(fmt, verdict, {"target": python}, ()))
    else:
        header = (
            f"safepip audit: {len(result.environment.installed)} distribution(s) in {python} "
            f"(policy: {pol.source}; {result.files_hashed} files checked against RECORD)"
        )
        sys.stdout.write(report.render_text(verdict, header, verdict.decision.value))
    return verdict.decision.exit_code


FORMATS = ("text", "json", "sarif", "markdown")


def _format(own: dict[str, str | bool]) -> str:
    fmt = str(own.get("format", "text"))
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt}")
    return fmt


def _machine_report(
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


def _policy(own: dict[str, str | bool]) -> policy.Policy:
    explicit = own.get("policy")
    return policy.load(explicit if isinstance(explicit, str) else None, Path.cwd())


def _check_names_command(argv: Sequence[str], stdin: TextIO) -> int:
    from guard.rules.base import Context
    from guard.rules.typosquat import RULE as TYPOSQUAT
    from guard.rules.typosquat import protected

    verbose = any(word in {"-v", "--verbose"} for word in argv)
    own, names = split_own([word for word in argv if word not in {"-v", "--verbose"}])
    fmt = _format(own)
    if names == ["-"]:
        names = [line.strip() for line in stdin if line.strip()]
    if not names or any(n.startswith("-") for n in names):
        raise UsageError(
            "usage: safepip check-names NAME... | - [--format json] [--policy FILE] [--verbose]"
        )
    # The policy's thresholds and protected names, as install and audit use them.
    thresholds = _policy(own).thresholds
    detector = typosquat.detector_for(protected(thresholds))
    config = TYPOSQUAT.config(Context(now=datetime.now(UTC), thresholds=thresholds))
    results = typosquat.check_names(names, detector, config, near=3 if verbose else 0)
    if fmt == "json":
        sys.stdout.write(json.dumps([r.to_json() for r in results], indent=2) + "\n")
    else:
        for r in results:
            name = clean(r.name, 200)
            if not r.valid:
                sys.stdout.write(f"{name}: not a valid project name (letters, digits, . _ -)\n")
                continue
            if not r.matches:
                sys.stdout.write(f"{name}: ok\n")
            else:
                best = r.matches[0]
                level = "LOOK-ALIKE" if r.strong else "similar"
                sys.stdout.write(
                    f"{name}: {level} of {best.describe()}, {best.transformation}: "
                    f"did you mean {best.target}?\n"
                )
            if verbose:
                sys.stdout.write(_match_lines(r.matches, config))
                if r.near:
                    sys.stdout.write(f"  below the warn line ({config.weak_score:.1f}):\n")
                    sys.stdout.write(_match_lines(r.near, config))
    if not all(r.valid for r in results):
        return EXIT_ERROR  # a name it could not judge: the answer is incomplete
    return EXIT_BLOCKED if any(r.strong for r in results) else EXIT_OK


def _match_lines(matches: Sequence[typosquat.Match], config: typosquat.Config) -> str:
    """One indented line per match, with its score (``check-names --verbose``)."""
    lines = []
    for m in matches:
        how = " + ".join(m.transformations)
        level = "blocks" if m.strong else "warns" if m.score >= config.weak_score else "no flag"
        line = f"{m.target} (rank {m.target_rank}, {m.origin}): {how}, {m.detail}"
        lines.append(f"  - {clean(line, 400)}; score {m.score:.2f}: {level}\n")
    return "".join(lines)


def _popular_command(argv: Sequence[str]) -> int:
    from guard.index import popular

    if not argv or argv[0] != "update":
        raise UsageError("usage: safepip popular update [--from URL|FILE]")
    rest = list(argv[1:])
    source: str | None = None
    if rest[:1] == ["--from"] and len(rest) == 2:
        source = rest[1]
    elif len(rest) == 1 and rest[0].startswith("--from="):
        source = rest[0].split("=", 1)[1]
    elif rest:
        raise UsageError("usage: safepip popular update [--from URL|FILE]")
    try:
        result = popular.update(source, make_session(), timeout=timeout_from_env(30.0))
    except IndexError_ as exc:
        raise IndexError_(f"{exc}; the popular-projects list in use is unchanged") from exc
    sys.stdout.write(
        f"updated the popular-projects list: {result.count} projects from "
        f"{clean(result.source)} into {result.path}\n"
    )
    return EXIT_OK


def _explain_command(argv: Sequence[str]) -> int:
    registry = by_id()
    if len(argv) != 1 or argv[0] not in registry:
        known = ", ".join(sorted(registry))
        raise UsageError(f"usage: safepip explain RULE (one of: {known})")
    rule = registry[argv[0]]
    sys.stdout.write(f"{rule.id}: {rule.summary}\n\n")
    sys.stdout.write(f"Default action: {rule.default_action.label}\n")
    if rule.defaults:
        sys.stdout.write("Thresholds (set them under [rules." + rule.id + "]):\n")
        from guard.policy.tools import toml_literal

        for key, value in rule.defaults.items():
            sys.stdout.write(f"  {key} = {toml_literal(value)}\n")
    sys.stdout.write(f"\nWhy: {rule.rationale}\n")
    long_help = getattr(rule, "explain", "")
    if isinstance(long_help, str) and long_help.strip():
        sys.stdout.write("\n" + long_help.strip() + "\n")
    sys.stdout.write(
        "\nTo waive it for one project, allow-list it with a reason:\n"
        f'  [[allow]]\n  name = "PROJECT"\n  reason = "why"\n  rules = ["{rule.id}"]\n'
    )
    return EXIT_OK


def _policy_command(argv: Sequence[str]) -> int:
    from guard.policy import layers
    from guard.policy import tools as policy_tools

    usage = (
        "usage: safepip policy validate [FILE...] | show [--policy FILE] | init [FILE] [--force]"
    )
    if not argv:
        raise UsageError(usage)
    action, rest = argv[0], list(argv[1:])
    if action == "validate":
        files = [Path(f) for f in rest] or [_discovered_policy_file()]
        problems = policy_tools.validate_files(files)
        for problem in problems:
            sys.stdout.write(f"{clean(problem, 2000)}\n")
        if problems:
            return EXIT_ERROR
        sys.stdout.write(f"valid: {', '.join(str(f) for f in files)}\n")
        return EXIT_OK
    if action == "show":
        own, extra = split_own(rest)
        if extra:
            raise UsageError(usage)
        explicit = own.get("policy")
        path = policy.discover(explicit if isinstance(explicit, str) else None, Path.cwd())
        layered = layers.merge([]) if path is None else layers.resolve_layers(path)
        sys.stdout.write(policy_tools.show(layered))
        return EXIT_OK
    if action == "init":
        force = "--force" in rest
        names = [r for r in rest if r != "--force"]
        if len(names) > 1:
            raise UsageError(usage)
        target = Path(names[0]) if names else Path("safepip.toml")
        policy_tools.init_file(target, force=force)
        sys.stdout.write(
            f"wrote {target}: a starter policy; edit it, then run safepip policy validate\n"
        )
        return EXIT_OK
    raise UsageError(usage)


def _discovered_policy_file() -> Path:
    path = policy.discover(None, Path.cwd())
    if path is None:
        raise UsageError("no policy file found here; name one: safepip policy validate FILE")
    return path


def _scan_command(argv: Sequence[str]) -> int:
    """``safepip scan FILE...``: the static scan of local archives, judged by the policy."""
    from guard.analysis.scan import candidate_for
    from guard.rules.scan import SCAN_RULES

    own, files = split_own(argv)
    fmt = _format(own)
    if not files or any(f.startswith("-") for f in files):
        raise UsageError("usage: safepip scan FILE... [--format json]")
    pol = _policy(own)
    now = datetime.now(UTC)
    packages = []
    notes: list[str] = list(pol.notes)
    for name in files:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"no such file: {name}")
        candidate = candidate_for(path)
        ctx = Context(now=now, thresholds=pol.thresholds, artifacts={candidate.filename: path})
        findings = evaluate(candidate, None, ctx, SCAN_RULES)
        judged, more = policy.judge(pol, candidate, findings, now.date())
        notes.extend(more)
        packages.append(PackageVerdict(candidate, None, tuple(judged)))
    verdict = Verdict(tuple(packages), tuple(notes))
    if fmt != "text":
        sys.stdout.write(_machine_report(fmt, verdict, {}, ()))
    else:
        header = f"safepip scan: {len(files)} archive(s) (policy: {pol.source})"
        sys.stdout.write(report.render_text(verdict, header, verdict.decision.value))
    return verdict.decision.exit_code


def _rules_command() -> int:
    for rule in RULES:
        thresholds = ", ".join(f"{k}={v}" for k, v in rule.defaults.items())
        sys.stdout.write(f"{rule.id}  [{rule.default_action.label}]  {rule.summary}\n")
        if thresholds:
            sys.stdout.write(f"    thresholds: {thresholds}\n")
        sys.stdout.write(f"    why: {rule.rationale}\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, pip: PipWorker | None = None) -> int:
    """Run one safepip command; ``pip`` is a pip process started early for it
    (guard.cli.launch), or None."""
    args = list(sys.argv[1:] if argv is None else argv)
    fmt = "text"
    for i, word in enumerate(args):
        if word.startswith("--format="):
            fmt = word.split("=", 1)[1]
        elif word == "--format" and i + 1 < len(args):
            fmt = args[i + 1]
    try:
        return _dispatch(args, pip)
    except GuardError as exc:
        return _fail(str(exc), fmt)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was installed", fmt)
    except Exception as exc:  # noqa: BLE001 - a bug must fail closed with exit 2, not a traceback
        if os.environ.get("SAFEPIP_DEBUG"):
            traceback.print_exc()
        return _fail(f"internal error ({type(exc).__name__}: {exc}); nothing was installed", fmt)


def _fail(message: str, fmt: str) -> int:
    """Exit 2 with one clear line on stderr (and the error in the report format)."""
    from guard.report import formats

    if fmt == "json":
        sys.stdout.write(report.error_json(message))
    elif fmt == "sarif":
        sys.stdout.write(formats.error_sarif(message, __version__))
    elif fmt == "markdown":
        sys.stdout.write(formats.error_markdown(message))
    sys.stderr.write(f"safepip: error: {_safe_lines(message)}\n")
    return EXIT_ERROR


def _safe_lines(message: str) -> str:
    return "\n".join(clean(line, 2000) for line in message.splitlines())


def _dispatch(args: list[str], pip: PipWorker | None) -> int:
    if not args or args[0] in {"-h", "--help", "help"}:
        topic = args[1] if len(args) == 2 and args[0] == "help" else ""
        sys.stdout.write(COMMANDS.get(topic, USAGE))
        return EXIT_OK if args else EXIT_ERROR
    if args[0] == "--version":
        sys.stdout.write(f"safepip {__version__}\n")
        return EXIT_OK
    # safepip's own options may come before the sub-command.
    own_before, command, rest = split_command(args)
    if command in COMMANDS and wants_help(rest):
        sys.stdout.write(COMMANDS[command])
        return EXIT_OK
    if command in VET_COMMANDS:
        return _vet_command(own_before + rest, command == "install", pip)
    if command == "audit":
        return _audit_command(own_before + rest)
    if command == "rules":
        return _rules_command()
    if command == "scan":
        return _scan_command(own_before + rest)
    if command == "policy":
        return _policy_command(own_before + rest)
    if command == "explain":
        return _explain_command(rest)
    if command == "check-names":
        return _check_names_command(own_before + rest, sys.stdin)
    if command == "popular":
        return _popular_command(rest)
    raise UsageError(f"unknown command {command!r} (see safepip --help)")


if __name__ == "__main__":
    sys.exit(main())
