"""The pre-commit entry point: ``safepip-pre-commit [OPTIONS] FILE...``.

pre-commit passes the hook's ``args`` and then the changed file names; safepip
wants each requirement file after ``-r``. This turns::

    --policy team.toml requirements.txt requirements-dev.txt

into ``safepip check --policy team.toml -r requirements.txt -r requirements-dev.txt``
and returns its exit code. Options that take a value (``--policy FILE``...) keep
it; every other word that does not start with ``-`` is a file. Words after
``--`` are files whatever they look like. No file, nothing to check: exit 0.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from guard.cli import main as cli
from guard.pip.args import OWN_VALUED
from guard.pip.options import VALUED

# Options (safepip's own, and pip's) whose next word is their value.
VALUE_OPTIONS = frozenset(OWN_VALUED) | frozenset(name for names in VALUED for name in names)


def check_args(argv: Sequence[str]) -> list[str]:
    """The ``safepip`` arguments for checking the files named in ``argv``."""
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
    if not files:
        return []
    pairs = [part for name in files for part in ("-r", name)]
    return ["check", *options, *pairs]


def main(argv: Sequence[str] | None = None) -> int:
    args = check_args(sys.argv[1:] if argv is None else argv)
    if not args:
        return 0
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
