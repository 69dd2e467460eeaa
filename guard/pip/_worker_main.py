"""Run safepip's own pip under the target interpreter, started ahead of time.

``TARGET_PYTHON _worker_main.py PIP_SOURCES_ROOT REPLY_FD`` imports that copy of
pip (only ``pip`` is redirected, exactly as pip's own ``__pip-runner__.py`` does
for ``pip --python``), then runs the commands it reads from stdin, one JSON
object a line: ``{"args": [...], "capture": bool}``. After each it writes one
JSON line to the file descriptor REPLY_FD: ``{"code": N}``, plus ``stdout`` and
``stderr`` when the command's output was captured (otherwise the output goes
to this process's stdout). An empty line or end of input ends it. The reply
descriptor is not stdout, so nothing pip or a build prints can forge a reply.

This file runs in the target interpreter and must not import ``guard``.
"""

from __future__ import annotations

import signal
import sys

# A Ctrl-C while this process still imports ends it quietly, as it ends any
# program (safepip itself reports the interruption), not with a traceback of
# the module being imported; Python's own handling is back before ``main``.
# safepip starts it with SIGINT blocked (a Ctrl-C while the interpreter starts
# would end it with Python's message): one that came meanwhile ends it now.
signal.signal(signal.SIGINT, signal.SIG_DFL)
if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
# ruff: noqa: E402 - the imports below come after that, on purpose

# Run as a script, this file's folder (guard/) is sys.path[0]; its modules must
# not shadow the standard library's in pip's process.
if sys.path and sys.path[0] and __file__.startswith(sys.path[0]):
    del sys.path[0]

import contextlib
import importlib
import io
import json
import os
from collections.abc import Callable
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType


def _redirect_pip(root: str) -> None:
    class PipFinder:
        @classmethod
        def find_spec(
            cls, fullname: str, path: object = None, target: ModuleType | None = None
        ) -> ModuleSpec | None:
            if fullname != "pip":
                return None
            return PathFinder.find_spec(fullname, [root], target)

    sys.meta_path.insert(0, PipFinder)


# What an install or dry run imports, imported while safepip is still starting.
WARM = (
    "pip._internal.commands.install",
    "pip._internal.cli.main_parser",
    "pip._internal.cli.autocompletion",
    "pip._internal.resolution.resolvelib.resolver",
    "pip._internal.metadata.importlib",
    "pip._vendor.truststore",
)


def _warm_up() -> None:
    for name in WARM:
        try:
            importlib.import_module(name)
        except ImportError:  # another pip version: it is imported when needed
            continue


def _run(pip_main: Callable[[list[str]], int], args: list[str]) -> int:
    try:
        return pip_main(args)
    except SystemExit as exc:  # pip exits on --version and on some usage errors
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)  # as the interpreter would
        return 1
    except Exception:  # noqa: BLE001 - a crash is reported as a failed command
        import traceback  # noqa: PLC0415

        traceback.print_exc()
        return 2


def _command(line: str) -> tuple[list[str], bool] | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    args = message.get("args")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return None
    return args, bool(message.get("capture"))


def main() -> int:
    _redirect_pip(sys.argv[1])
    replies = open(int(sys.argv[2]), "w", encoding="utf-8")  # noqa: SIM115 - lives as long as we do
    from pip._internal.cli.main import main as pip_main  # noqa: PLC0415

    _warm_up()

    while True:
        line = sys.stdin.readline()
        if not line.strip():
            break
        command = _command(line)
        if command is None:
            return 2
        args, capture = command
        reply: dict[str, object]
        if capture:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = _run(pip_main, args)
            reply = {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}
        else:
            # The install runs to its end: a Ctrl-C now would leave the environment
            # half-installed (safepip waits for it, and says so).
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                code = _run(pip_main, args)
            finally:
                signal.signal(signal.SIGINT, previous)
            sys.stdout.flush()
            sys.stderr.flush()
            reply = {"code": code}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


def _exit(code: int) -> None:
    """End now: every command has had its reply, and pip's output is flushed
    here; tearing down pip's modules would only make safepip wait longer."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _interrupted(exc: BaseException) -> bool:
    """A Ctrl-C that arrived inside an import and came out wrapped (a class body's
    ``__set_name__`` turns it into a RuntimeError caused by it)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _exit(main())
    except KeyboardInterrupt:  # safepip itself reports the interruption
        _exit(130)
    except Exception as exc:  # (only to tell a wrapped Ctrl-C apart)
        if _interrupted(exc):
            _exit(130)
        raise
