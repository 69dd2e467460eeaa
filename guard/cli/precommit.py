"""The pre-commit entry point: ``safepip-pre-commit [OPTIONS] FILE...``.

pre-commit passes the hook's ``args`` and then the changed file names; safepip
wants each requirement file after ``-r``. This turns::

    --policy team.toml requirements.txt requirements-dev.txt

one ``safepip check --policy team.toml -r FILE`` per file: each file is resolved
on its own (two files may pin different versions of one package), its report
printed under its name (JSON and SARIF: one document for all files, see
``guard.report.combine``), and the exit code is the worst of them (2 error > 1
blocked > 0). Options that take a value (``--policy FILE``...) keep it; every
other word that does not start with ``-`` is a file. Words after ``--`` are
files whatever they look like. No file, nothing to check: exit 0.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Sequence

from guard.cli import main as cli
from guard.cli.exits import EXIT_ERROR
from guard.errors import GuardError
from guard.pip.args import OWN_VALUED
from guard.pip.options import VALUED
from guard.report.combine import Part, combine

# Options (safepip's own, and pip's) whose next word is their value.
VALUE_OPTIONS = frozenset(OWN_VALUED) | frozenset(name for names in VALUED for name in names)


def _split(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """safepip's options (with their values) and the file names."""
    options: list[str] = []
    files: list[str] = []
    words = list(argv)
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            files.extend(words[index + 1 :])
            break
        if word.startswith("-"):
            options.append(word)
            if word in VALUE_OPTIONS and index + 1 < len(words):
                options.append(words[index + 1])
                index += 1
        else:
            files.append(word)
        index += 1
    return options, files


def check_runs(argv: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Each file named in ``argv`` with the ``safepip`` arguments checking it alone."""
    options, files = _split(argv)
    return [(name, ["check", *options, "-r", name]) for name in files]


def main(argv: Sequence[str] | None = None) -> int:
    runs = check_runs(sys.argv[1:] if argv is None else argv)
    fmt = cli.requested_format(runs[0][1]) if runs else "text"
    if fmt == "text" or len(runs) <= 1:
        return _streamed(runs)
    parts = []
    for name, args in runs:
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            code = cli.main(args)
        parts.append(Part(name, code, captured.getvalue()))
    try:
        sys.stdout.write(combine(fmt, parts))
    except GuardError as exc:
        sys.stderr.write(f"safepip: error: {exc}\n")
        return EXIT_ERROR
    return max(p.exit_code for p in parts)


def _streamed(runs: Sequence[tuple[str, list[str]]]) -> int:
    """Text reports written as they come, each under its file's name."""
    worst = 0
    for name, args in runs:
        if len(runs) > 1:
            sys.stdout.write(f"== safepip check -r {name}\n")
            sys.stdout.flush()
        worst = max(worst, cli.main(args))
        sys.stdout.flush()
    return worst


if __name__ == "__main__":
    sys.exit(main())
