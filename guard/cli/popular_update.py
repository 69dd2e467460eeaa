"""``safepip popular update [--from URL|FILE]``: refresh the popular-projects list."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from guard.cli.exits import EXIT_OK
from guard.errors import IndexError_
from guard.index import popular
from guard.index.http import make_session, timeout_from_env
from guard.pip.args import UsageParser
from guard.report.sanitize import clean

USAGE = "usage: safepip popular update [--from URL|FILE]"

_PARSER = UsageParser(USAGE)
_PARSER.add_argument("action", choices=["update"])
_PARSER.add_argument("--from", dest="source")


def popular_command(argv: Sequence[str]) -> int:
    source: str | None = _PARSER.parse(argv).source
    try:
        result = popular.update(source, make_session(), timeout=timeout_from_env(30.0))
    except IndexError_ as exc:
        raise IndexError_(f"{exc}; the popular-projects list in use is unchanged") from exc
    sys.stdout.write(
        f"updated the popular-projects list: {result.count} projects from "
        f"{clean(result.source)} into {result.path}\n"
    )
    return EXIT_OK
