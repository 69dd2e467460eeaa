"""Running pip: output is cleaned line by line, failures are errors, and one
early-started pip process runs the commands it is handed, in order: captured
ones (dry runs) and then the install, whose output is shown."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from guard.cli.launch import early_pip, split_command
from guard.errors import InstallError, ResolveError
from guard.pip.worker import PipWorker, run_pip, target_python
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


def test_cancelled_worker_runs_nothing(make_venv: MakeVenv) -> None:
    python = make_venv()
    shown: list[str] = []
    worker = PipWorker(str(python), shown.append)
    assert worker.running
    worker.cancel()
    assert not worker.running
    assert shown == []


def test_one_process_captures_commands_then_installs(make_venv: MakeVenv) -> None:
    python = make_venv()
    shown: list[str] = []
    worker = PipWorker(str(python), shown.append)
    try:
        code, out, err = worker.capture(["--version"])
        assert code == 0 and out.startswith("pip ")
        # a failing command is reported, and the process goes on to the next
        code, out, err = worker.capture(["install", "--no-such-option"])
        assert code != 0 and "no such option" in err
        assert worker.capture(["--version"])[0] == 0
        assert shown == []  # captured output is returned, not shown
        worker.install(["--version"])
        assert any(line.startswith("pip ") for line in shown)
        assert not worker.running  # the install is its last command
    finally:
        worker.cancel()


def test_failed_install_is_an_install_error(make_venv: MakeVenv) -> None:
    worker = PipWorker(str(make_venv()), lambda _: None)
    with pytest.raises(InstallError, match="exit"):
        worker.install(["no-such-command"])


def test_a_dead_worker_fails_closed(make_venv: MakeVenv) -> None:
    worker = PipWorker(str(make_venv()), lambda _: None)
    assert worker._proc is not None
    worker._proc.kill()
    worker._proc.wait()
    with pytest.raises(ResolveError, match="pip"):
        worker.capture(["--version"])


def test_without_a_process_each_command_runs_on_its_own(make_venv: MakeVenv) -> None:
    python = make_venv()
    worker = PipWorker(str(python), lambda _: None)
    worker.cancel()  # as if it could not be started
    code, out, _ = worker.capture(["--version"])
    assert code == 0 and out.startswith("pip ")


def test_split_command_separates_own_options() -> None:
    assert split_command(["--python", "/x", "--no-progress", "install", "a", "-U"]) == (
        ["--python", "/x", "--no-progress"],
        "install",
        ["a", "-U"],
    )


def test_pip_is_started_early_only_for_vetting_commands(tmp_path: Path) -> None:
    assert early_pip(["rules"]) is None
    assert early_pip(["--python"]) is None
    pip = early_pip(["check", "--python", sys.executable, "requests"])
    try:
        assert pip is not None and pip.target_python == target_python(sys.executable)
    finally:
        if pip is not None:
            pip.cancel()


def test_the_worker_ends_cleanly_once_cancelled(make_venv: MakeVenv) -> None:
    shown: list[str] = []
    worker = PipWorker(str(make_venv()), shown.append)
    proc = worker._proc
    assert proc is not None
    worker.install(["--version"])  # shown, and then the worker is told to end
    assert any(line.startswith("pip ") for line in shown)
    assert proc.wait(60) == 0


def test_a_ctrl_c_as_the_worker_starts_ends_it_quietly(make_venv: MakeVenv) -> None:
    """A Ctrl-C that reaches the worker while its interpreter still starts (before
    its first line says what to do with one) ends it without Python's message,
    which safepip would otherwise show."""
    shown: list[str] = []
    python = make_venv()
    for _ in range(5):
        worker = PipWorker(str(python), shown.append)
        proc = worker._proc
        assert proc is not None
        os.kill(proc._proc.pid, signal.SIGINT)  # at once: the interpreter is starting
        assert proc.wait(60) == -signal.SIGINT
        worker.cancel()  # (its pipes closed)
    assert not [line for line in shown if "KeyboardInterrupt" in line or "Traceback" in line]


class _InterruptingDescriptor:
    def __set_name__(self, owner: type, name: str) -> None:
        raise KeyboardInterrupt


def test_a_ctrl_c_wrapped_by_a_class_body_is_still_an_interruption() -> None:
    # Python wraps an exception raised in ``__set_name__`` in a RuntimeError: a
    # Ctrl-C that lands while the worker imports pip's modules comes out so.
    from guard.pip._worker_main import _interrupted

    try:

        class _Holder:
            field = _InterruptingDescriptor()

    except RuntimeError as exc:
        assert _interrupted(exc)
    else:  # pragma: no cover - Python always wraps it
        raise AssertionError("no RuntimeError")
    assert not _interrupted(RuntimeError("a plain failure"))
