"""The command line: dispatch to a sub-command, help, and turning errors into exit codes.

Exit codes: 0 allowed, 1 blocked by policy, 2 error (nothing installed). Every
error becomes one clear line on stderr, and the error in the report format on
stdout for the machine formats.
"""

from __future__ import annotations

import _thread
import io
import os
import signal
import sys
import traceback
from collections.abc import Sequence

from guard import __version__
from guard.cli.commands import COMMANDS, Invocation, split_command
from guard.cli.exits import EXIT_ERROR, EXIT_OK, RUN
from guard.cli.helptext import USAGE, wants_help
from guard.errors import GuardError, UsageError
from guard.pip.worker import PipWorker
from guard.report.sanitize import clean

HELP_WORDS = frozenset({"-h", "--help", "help"})


def main(argv: Sequence[str] | None = None, pip: PipWorker | None = None) -> int:
    """Run one safepip command; ``pip`` is a pip process started early for it
    (guard.cli.launch), or None."""
    args = list(sys.argv[1:] if argv is None else argv)
    RUN.reset()
    fmt = requested_format(args)
    _never_fail_to_encode()
    if signal.getsignal(signal.SIGINT) is signal.SIG_DFL:  # python -m guard: see guard.__main__
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.unraisablehook = _unraisable
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)
    try:
        return _dispatch(args, pip)
    except GuardError as exc:
        return _fail(str(exc), fmt)
    except KeyboardInterrupt:
        return interrupted(fmt)
    except Exception as exc:  # noqa: BLE001 - a bug must fail closed with exit 2, not a traceback
        if os.environ.get("SAFEPIP_DEBUG"):
            traceback.print_exc()
        return _fail(f"internal error ({type(exc).__name__}: {exc}); nothing was installed", fmt)


def interrupted(fmt: str) -> int:
    """A Ctrl-C that reached the top: the settled outcome if the run had one
    (its report is out), else exit 2 saying what is known of the environment."""
    if RUN.settled is not None:
        return RUN.settled
    return _fail(RUN.interrupted(), fmt)


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a CI runner's cancel, ``kill``) is taken as Ctrl-C is: a pip that
    installs finishes first, and the report says what the environment holds."""
    raise KeyboardInterrupt


def _unraisable(info: sys.UnraisableHookArgs) -> None:
    """A Ctrl-C that lands in a callback Python cannot raise from (a weakref's,
    a ``__del__``) is passed on to the main thread, not printed as a traceback
    and lost."""
    if isinstance(info.exc_value, KeyboardInterrupt):
        _thread.interrupt_main()
        return
    sys.__unraisablehook__(info)


def _never_fail_to_encode() -> None:
    """Text the terminal's encoding cannot hold is written as backslash escapes
    (pure ASCII), instead of failing mid-report."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def requested_format(args: Sequence[str]) -> str:
    """The ``--format`` asked for (the last one), read before any parsing can fail,
    so that an error is reported in it too."""
    fmt = "text"
    for i, word in enumerate(args):
        if word.startswith("--format="):
            fmt = word.split("=", 1)[1]
        elif word == "--format" and i + 1 < len(args):
            fmt = args[i + 1]
    return fmt


def _fail(message: str, fmt: str) -> int:
    """Exit 2 with one clear line on stderr (and the error in the report format)."""
    from guard.report.formats import FORMATS, ReportContext  # not on the light path

    sys.stdout.write(FORMATS.get(fmt, FORMATS["text"]).error(message, ReportContext()))
    sys.stderr.write(f"safepip: error: {_safe_lines(message)}\n")
    return EXIT_ERROR


def _safe_lines(message: str) -> str:
    return "\n".join(clean(line, 2000) for line in message.splitlines())


def _general_help(args: Sequence[str]) -> int:
    """``safepip``, ``safepip --help``, ``safepip help [COMMAND]``."""
    topic = COMMANDS.get(args[1]) if len(args) == 2 and args[0] == "help" else None
    sys.stdout.write(topic.help if topic else USAGE)
    return EXIT_OK if args else EXIT_ERROR


def _dispatch(args: list[str], pip: PipWorker | None) -> int:
    if not args or args[0] in HELP_WORDS:
        return _general_help(args)
    if args[0] == "--version":
        sys.stdout.write(f"safepip {__version__}\n")
        return EXIT_OK
    # safepip's own options may come before the sub-command.
    own_before, name, rest = split_command(args)
    command = COMMANDS.get(name)
    if command is None:
        raise UsageError(f"unknown command {name!r} (see safepip --help)")
    if wants_help(rest):
        sys.stdout.write(command.help)
        return EXIT_OK
    return command.run(Invocation(tuple(own_before), tuple(rest), pip, sys.stdin))


if __name__ == "__main__":
    sys.exit(main())
