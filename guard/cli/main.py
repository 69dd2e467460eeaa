"""The command line: sub-commands, option handling, printing and exit codes.

This is the only module that prints or exits. Exit codes: 0 allowed, 1 blocked
by policy, 2 error (nothing installed).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from guard import __version__
from guard.analysis import typosquat
from guard.cli import vetting
from guard.cli.common import EXIT_BLOCKED, EXIT_ERROR, EXIT_OK, load_policy, report_format
from guard.cli.helptext import COMMANDS, USAGE, wants_help
from guard.cli.launch import VET_COMMANDS, split_command
from guard.errors import GuardError, IndexError_, UsageError
from guard.index.http import make_session, timeout_from_env
from guard.models import PackageVerdict, Verdict
from guard.pip.args import split_own
from guard.pip.worker import PipWorker
from guard.policy import model as policy
from guard.report import text as report
from guard.report.sanitize import clean
from guard.rules import RULES, by_id, evaluate
from guard.rules.base import Context


def _check_names_command(argv: Sequence[str], stdin: TextIO) -> int:
    from guard.rules.base import Context
    from guard.rules.typosquat import RULE as TYPOSQUAT
    from guard.rules.typosquat import protected

    verbose = any(word in {"-v", "--verbose"} for word in argv)
    own, names = split_own([word for word in argv if word not in {"-v", "--verbose"}])
    fmt = report_format(own)
    if names == ["-"]:
        names = [line.strip() for line in stdin if line.strip()]
    if not names or any(n.startswith("-") for n in names):
        raise UsageError(
            "usage: safepip check-names NAME... | - [--format json] [--policy FILE] [--verbose]"
        )
    # The policy's thresholds and protected names, as install and audit use them.
    thresholds = load_policy(own).thresholds
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
    fmt = report_format(own)
    if not files or any(f.startswith("-") for f in files):
        raise UsageError("usage: safepip scan FILE... [--format json]")
    pol = load_policy(own)
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
        sys.stdout.write(vetting.machine_report(fmt, verdict, {}, ()))
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
        return vetting.vet_command(own_before + rest, command == "install", pip)
    if command == "audit":
        return vetting.audit_command(own_before + rest)
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
