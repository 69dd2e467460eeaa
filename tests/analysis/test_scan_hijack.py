"""Packages installed under a popular project's import name (guard.analysis.scan.hijack):
the artifacts are built here, and the popular list is the one safepip ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.analysis.scan import hijack, scan_archive
from guard.analysis.scan.hijack import TOP_RANK
from guard.index import popular
from tests.analysis.test_scan import sdist, wheel


def _jacked(path: Path) -> list[tuple[str, str, str]]:
    result = scan_archive(path, path.name)
    return [(s.kind, s.file, s.role) for s in result.signals if s.kind == "package-jacking"]


# A copy of requests with one line added: what a look-alike ships
_REQUESTS = "from .api import get, post\n__version__ = '2.32.5'\n"
_SETUP = (
    "from setuptools import setup\nsetup(name='reqhelper', version='1.0', packages=['requests'])\n"
)


def test_the_shipped_list_ranks_the_projects_these_tests_name() -> None:
    listed = popular.load()
    assert (listed.rank("requests") or TOP_RANK + 1) <= TOP_RANK
    assert (listed.rank("bs4") or 0) > TOP_RANK
    assert listed.rank("beautifulsoup4") is not None
    assert (listed.rank("google") or 0) > TOP_RANK
    assert listed.rank("reqhelper") is None


def test_a_wheel_that_installs_requests_is_blocked(tmp_path: Path) -> None:
    path = wheel(
        tmp_path,
        {"requests/__init__.py": _REQUESTS, "requests/api.py": "def get(): pass\n"},
        name="reqhelper-1.0",
    )
    result = scan_archive(path, path.name)
    assert result.level == "block"
    jacked = [s for s in result.signals if s.kind == "package-jacking"]
    assert [(s.file, s.role, s.weight) for s in jacked] == [
        ("requests/__init__.py", "install", 6.0)
    ]
    assert "'requests'" in jacked[0].text and "rank " in jacked[0].text


def test_a_wheels_data_purelib_package_counts_too(tmp_path: Path) -> None:
    path = wheel(
        tmp_path,
        {"reqhelper-1.0.data/purelib/requests/__init__.py": _REQUESTS},
        name="reqhelper-1.0",
    )
    assert _jacked(path) == [("package-jacking", "requests/__init__.py", "install")]


@pytest.mark.parametrize("layout", ["", "src/"])
def test_an_sdist_that_installs_requests_is_blocked(tmp_path: Path, layout: str) -> None:
    files = {"setup.py": _SETUP, f"{layout}requests/__init__.py": _REQUESTS}
    path = sdist(tmp_path, files, name="reqhelper-1.0")
    assert _jacked(path) == [("package-jacking", f"{layout}requests/__init__.py", "install")]


def test_setup_cfgs_top_mapped_to_itself_or_src_keeps_the_layout(tmp_path: Path) -> None:
    for mapping in ("package_dir =\n    = .\n", "package_dir = =src\n"):
        cfg = f"[options]\npackages = find:\n{mapping}"
        package = "src/requests" if "src" in mapping else "requests"
        files = {"setup.cfg": cfg, f"{package}/__init__.py": _REQUESTS}
        path = sdist(tmp_path, files, name="reqhelper-1.0")
        assert [f for _, f, _ in _jacked(path)] == [f"{package}/__init__.py"]


def test_the_project_itself_and_popular_projects_install_their_own_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = wheel(tmp_path, {"requests/__init__.py": ""}, name="requests-2.32.5")
    assert _jacked(own) == []
    # beautifulsoup4 installs bs4, the name of a (placeholder) project on the list,
    # ranked past the line: with the line moved past it, the rule would judge bs4,
    # but a popular project is not judged by this rule
    monkeypatch.setattr(hijack, "TOP_RANK", 1000)
    bs4 = wheel(tmp_path, {"bs4/__init__.py": ""}, name="beautifulsoup4-4.15.0")
    assert _jacked(bs4) == []
    other = wheel(tmp_path, {"bs4/__init__.py": ""}, name="bs4helper-1.0")
    assert [f for _, f, _ in _jacked(other)] == ["bs4/__init__.py"]


def test_names_past_the_top_ranks_and_the_packages_own_name_are_not_counted(
    tmp_path: Path,
) -> None:
    path = wheel(
        tmp_path,
        {"google/__init__.py": "", "reqhelper/__init__.py": "", "tests/__init__.py": ""},
        name="reqhelper-1.0",
    )
    assert _jacked(path) == []


def test_a_name_the_build_maps_to_a_directory_is_what_is_installed(tmp_path: Path) -> None:
    """``package_dir`` is read, not given up on: a no-op or a renaming mapping
    hides no package from the rule."""
    cases = [
        ("setup(package_dir={'requests': 'requests'})", "requests/__init__.py"),
        ("setup(package_dir={'requests': 'lib/core'})", "lib/core/__init__.py"),
        ("setup(package_dir={'': 'lib'})", "lib/requests/__init__.py"),
        ("setup(package_dir={'requests': '.'})", "__init__.py"),
    ]
    for number, (call, member) in enumerate(cases):
        setup = f"from setuptools import setup\n{call}\n"
        top = f"reqhelper-2.{number}"
        path = sdist(tmp_path, {"setup.py": setup, member: ""}, name=top)
        assert [f for _, f, _ in _jacked(path)] == [member], call
    # pyproject.toml is parsed: a table of bare keys, an inline table, a comment
    tables = [
        '[tool.setuptools.package-dir]\nrequests = "lib"\n',
        '[tool.setuptools]\npackage-dir = {"" = "src"}  # package-dir = {"x" = "y"}\n',
    ]
    for number, (table, member) in enumerate(
        zip(tables, ["lib/__init__.py", "src/requests/__init__.py"], strict=True)
    ):
        top = f"reqhelper-3.{number}"
        path = sdist(tmp_path, {"pyproject.toml": table, member: ""}, name=top)
        assert [f for _, f, _ in _jacked(path)] == [member], table


def test_an_sdist_whose_build_maps_its_directories_is_not_read_by_layout(tmp_path: Path) -> None:
    renamed = "from setuptools import setup\nsetup(package_dir={'reqhelper': 'requests'})\n"
    mapped_cfg = "[options]\npackage_dir =\n    reqhelper = requests\n"
    hatch = '[tool.hatch.build.targets.wheel]\nsources = ["lib"]\n'
    cases = [
        {"setup.py": renamed, "requests/__init__.py": ""},
        {"setup.cfg": mapped_cfg, "requests/__init__.py": ""},
        {"pyproject.toml": hatch, "requests/__init__.py": ""},
        # (the top is a package itself: its directories are subpackages)
        {"setup.py": _SETUP, "__init__.py": "", "requests/__init__.py": ""},
        # (packages under src/: the top's directories are not installed)
        {"setup.py": _SETUP, "src/reqhelper/__init__.py": "", "requests/__init__.py": ""},
    ]
    for number, files in enumerate(cases):
        path = sdist(tmp_path, files, name=f"reqhelper-1.{number}")
        assert _jacked(path) == [], files


def test_a_build_file_that_names_package_dir_again_and_again_is_left_alone(
    tmp_path: Path,
) -> None:
    """A build file names ``package_dir`` once or twice; one that names it more
    often than the rule reads is what it cannot read (the sdist is left alone),
    and each mapping is read in a bounded stretch of the text."""
    cfg = "[options]\n" + "package_dir =\n    = src\n" * 40
    path = sdist(tmp_path, {"setup.cfg": cfg, "src/requests/__init__.py": ""}, name="reqhelper-1.0")
    assert _jacked(path) == []
    few = "[options]\n" + "package_dir =\n    = src\n" * 2
    path = sdist(tmp_path, {"setup.cfg": few, "src/requests/__init__.py": ""}, name="reqhelper-1.1")
    assert [f for _, f, _ in _jacked(path)] == ["src/requests/__init__.py"]
