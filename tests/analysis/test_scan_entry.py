"""Which files the user runs though nothing imports them (guard.analysis.scan.entry)."""

from __future__ import annotations

from guard.analysis.scan.entry import user_run
from guard.analysis.scan.layout import Layout, relative

SDIST = Layout(False, True, "sample")
WHEEL = Layout(True, True, "sample")


def _run(files: dict[str, str], layout: Layout) -> set[str]:
    prefix = "" if layout.wheel else "sample-1.0/"
    contents = {f"{prefix}{name}": text.encode() for name, text in files.items()}
    by_rel = {relative(name, layout): name for name in contents}
    return {relative(name, layout) for name in user_run(contents, layout, by_rel)}


def test_a_wheels_console_and_gui_scripts_run() -> None:
    files = {
        "sample-1.0.dist-info/entry_points.txt": (
            "[console_scripts]\ntool = sample.cli:main\n"
            "[gui_scripts]\nwin = sample.gui:run\n"
            "[pytest11]\nplug = sample.plugin\n"
        ),
        "sample/__init__.py": "",
        "sample/cli.py": "",
        "sample/gui.py": "",
        "sample/plugin.py": "",
    }
    assert _run(files, WHEEL) == {"sample/cli.py", "sample/gui.py"}


def test_an_sdists_entry_points_in_setup_py_cfg_and_pyproject() -> None:
    files = {
        "setup.py": 'setup(entry_points={"console_scripts": ["tool = sample.cli:main"]})',
        "setup.cfg": (
            "[metadata]\nversion = attr: sample.version:VERSION\n"
            "[options.entry_points]\nconsole_scripts =\n    other = sample.other:main\n"
        ),
        "pyproject.toml": (
            '[project]\nname = "sample"\n[project.scripts]\nthird = "sample.third:main"\n'
        ),
        "sample/__init__.py": "",
        "sample/cli.py": "",
        "sample/other.py": "",
        "sample/third.py": "",
        "sample/version.py": "",
    }
    assert _run(files, SDIST) == {"sample/cli.py", "sample/other.py", "sample/third.py"}


def test_main_modules_and_py_modules_run() -> None:
    files = {
        "setup.py": 'setup(py_modules=["tool", "helper"])',
        "tool.py": "",
        "src/helper.py": "",
        "versioneer.py": "",
        "sample/__init__.py": "",
        "sample/__main__.py": "",
    }
    assert _run(files, SDIST) == {"tool.py", "src/helper.py", "sample/__main__.py"}


def test_names_outside_the_tree_run_nothing() -> None:
    files = {
        "setup.py": 'setup(entry_points={"console_scripts": ["tool = othertool.cli:main"]})',
        "sample/__init__.py": "",
    }
    assert _run(files, SDIST) == set()
