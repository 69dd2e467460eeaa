"""A Ctrl-C that only the top level catches says what is true of the environment:
nothing installed before pip's install began, "may hold packages" once it began,
every vetted package once it finished, and the settled outcome once the report
is out (issue 15, item 3)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guard.cli import main as cli
from guard.cli import vetting
from guard.cli.exits import RUN, RunState
from tests.e2e.test_install_e2e import established
from tests.fakepypi import FakePyPI, MakeVenv, installed


def test_each_state_of_the_run_has_a_true_message() -> None:
    state = RunState()
    assert state.interrupted() == "interrupted; nothing was installed"
    state.install_began = True
    assert "nothing was installed" not in state.interrupted()
    assert "may hold packages this run installed; run `pip check`" in state.interrupted()
    state.install_done = True
    assert state.interrupted() == (
        "interrupted after the install: every vetted package is installed"
    )
    state.reset()
    assert state.interrupted() == "interrupted; nothing was installed"


@pytest.fixture
def in_process(pip_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """safepip run in this process against the loopback index, from ``tmp_path``."""
    for key in [k for k in os.environ if k not in pip_env]:
        monkeypatch.delenv(key)
    for key, value in pip_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def signals() -> Iterator[None]:
    """cli.main takes SIGTERM over: give the test process its own back afterwards."""
    saved = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGTERM, saved[0])
    signal.signal(signal.SIGINT, saved[1])


def _interrupted_on_return(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C that lands just as the command returns its (settled) exit code."""
    real = vetting._vet_and_install

    def then_interrupted(*args: Any, **kwargs: Any) -> int:
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(vetting, "_vet_and_install", then_interrupted)


@pytest.mark.usefixtures("in_process", "signals")
def test_a_ctrl_c_after_the_install_was_reported_keeps_the_outcome(
    fake_pypi: FakePyPI,
    make_venv: MakeVenv,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    established(fake_pypi, "alpha")
    python = make_venv()
    _interrupted_on_return(monkeypatch)

    code = cli.main(["--python", str(python), "--no-progress", "install", "alpha"])

    out, err = capsys.readouterr()
    assert installed(python) == {"alpha"}
    assert code == 0, out + err
    assert out.endswith("installed 1 vetted package(s)\n")
    assert "nothing was installed" not in out + err


@pytest.mark.usefixtures("in_process", "signals")
def test_a_ctrl_c_after_the_install_before_the_report_says_everything_is_installed(
    fake_pypi: FakePyPI,
    make_venv: MakeVenv,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    established(fake_pypi, "alpha")
    python = make_venv()

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(vetting, "_after_install", interrupted)
    # as if the Ctrl-C landed past the handler that knows this moment
    monkeypatch.setattr(vetting, "Interrupted", lambda _message: KeyboardInterrupt())

    code = cli.main(["--python", str(python), "--no-progress", "install", "alpha"])

    _, err = capsys.readouterr()
    assert installed(python) == {"alpha"}
    assert code == 2
    assert err.endswith(
        "\nsafepip: error: interrupted after the install: every vetted package is installed\n"
    )
    assert "nothing was installed" not in err
    assert RUN.install_done
