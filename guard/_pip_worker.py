"""Run safepip's own pip under the target interpreter, started ahead of time.

``TARGET_PYTHON _pip_worker.py PIP_SOURCES_ROOT`` imports that copy of pip (only
``pip`` is redirected, exactly as pip's own ``__pip-runner__.py`` does for
``pip --python``), then waits for one line on stdin: a JSON list, pip's
arguments, which it runs. An empty line or end of input means "nothing to do":
it exits 0 without running pip. Starting it while safepip vets hides pip's
start-up time from the user.

This file runs in the target interpreter and must not import ``guard``.
"""

from __future__ import annotations

import sys

# Run as a script, this file's folder (guard/) is sys.path[0]; its modules must
# not shadow the standard library's in pip's process.
if sys.path and sys.path[0] and __file__.startswith(sys.path[0]):
    del sys.path[0]

import json
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


def main() -> int:
    _redirect_pip(sys.argv[1])
    from pip._internal.cli.main import main as pip_main  # noqa: PLC0415
    from pip._internal.commands import install  # noqa: F401, PLC0415 - warm the import

    line = sys.stdin.readline()
    if not line.strip():
        return 0
    args = json.loads(line)
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return 2
    return pip_main(args)


if __name__ == "__main__":
    sys.exit(main())
