"""The command table: every command has help and a handler, and the launch path stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from guard.cli import main as cli
from guard.cli.commands import COMMANDS, split_command
from guard.cli.helptext import USAGE
from guard.cli.launch import early_pip


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_its_help_and_a_handler(name: str) -> None:
    command = COMMANDS[name]
    assert command.name == name
    assert command.help.startswith("usage: ")
    assert f" {name}" in command.help.splitlines()[0]
    assert callable(command.run)
    assert f" {name}" in USAGE  # the general help names every command


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("form", ["--help", "-h", "help"])
def test_help_of_every_command_exits_0(
    name: str, form: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["help", name] if form == "help" else [name, form]
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (COMMANDS[name].help, "")


def test_only_install_and_check_start_pip_early() -> None:
    assert {name for name, c in COMMANDS.items() if c.vets} == {"install", "check"}
    for name, command in COMMANDS.items():
        if not command.vets:
            assert early_pip([name]) is None
    assert early_pip(["frobnicate"]) is None
    assert early_pip([]) is None


def test_options_before_the_command_are_split_off() -> None:
    assert split_command(["--policy", "p.toml", "--no-progress", "check", "x"]) == (
        ["--policy", "p.toml", "--no-progress"],
        "check",
        ["x"],
    )


def _modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(proc.stdout.split())


def test_the_launch_path_imports_nothing_heavy_before_pip() -> None:
    loaded = _modules_after("import guard.cli.launch")
    heavy = {"guard.cli.main", "guard.rules", "guard.index", "guard.policy", "packaging"}
    assert not heavy & loaded


def test_the_cli_does_not_import_the_launcher_back() -> None:
    assert "guard.cli.launch" not in _modules_after("import guard.cli.main")


HEAVY = {"guard.rules", "guard.policy", "guard.index", "guard.analysis", "requests", "packaging"}


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["install", "--help"], []])
def test_help_and_version_load_nothing_heavy(args: list[str]) -> None:
    loaded = _modules_after(
        f"from guard.cli import launch\nlaunch.main({args!r})\nsys.stdout.write('\\n')"
    )
    assert "guard.cli.main" in loaded
    assert not {m for m in loaded if any(m == h or m.startswith(f"{h}.") for h in HEAVY)}


def test_the_process_pool_is_loaded_only_when_a_scan_needs_it() -> None:
    loaded = _modules_after("import guard.cli.main, guard.cli.vetting")
    assert "guard.pip.pool" in loaded
    assert not {"multiprocessing", "concurrent.futures.process"} & loaded
