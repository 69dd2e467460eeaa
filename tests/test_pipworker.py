"""Running pip: output is cleaned line by line, failures are errors, and an
early-started worker runs only the command it is handed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from guard.errors import InstallError
from guard.pipworker import PipWorker, run_pip
from tests.fakepypi import MakeVenv


def test_output_is_cleaned_before_it_is_shown() -> None:
    shown: list[str] = []
    code = (
        "import sys; print('\\x1b]0;pwned\\x07ok \\x1b[31mred\\x1b[0m', flush=True); "
        "sys.stderr.write('\\x9b2Jerr\\n')"
    )
    run_pip([sys.executable, "-c", code], None, shown.append)
    assert shown == ["ok red\n", "err\n"]


def test_failure_is_an_install_error() -> None:
    with pytest.raises(InstallError, match="exit 3"):
        run_pip([sys.executable, "-c", "raise SystemExit(3)"], None, lambda _: None)


def test_cancelled_worker_runs_nothing(make_venv: MakeVenv, tmp_path: Path) -> None:
    python = make_venv()
    shown: list[str] = []
    worker = PipWorker(str(python), shown.append)
    worker.cancel()
    assert shown == []


def test_worker_runs_the_command_it_is_handed(make_venv: MakeVenv) -> None:
    python = make_venv()
    shown: list[str] = []
    worker = PipWorker(str(python), shown.append)
    worker.run(["--version"], fallback=[sys.executable, "-m", "pip", "--version"])
    assert any(line.startswith("pip ") for line in shown)
    with pytest.raises(InstallError):
        PipWorker(str(python), shown.append).run(["no-such-command"], fallback=[])
