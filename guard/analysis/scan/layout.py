"""What kind of artifact a file name says it is, and each member's path in the project."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from guard.analysis.scan import archive as archives
from guard.analysis.scan.pickles import is_pickle_name

SOURCE_SUFFIXES = (".py", ".pyw", ".pth")
NATIVE_SUFFIXES = re.compile(r"\.(?:so(?:\.\d+)*|dll|dylib|pyd|exe|scr|bin|elf|o|a)$", re.I)
# The file name of a compiled Python module: the module's name, an optional tag
# (``.cpython-310-x86_64-linux-gnu``, ``.abi3``, ``.cp311-win_amd64``), ``.so`` or ``.pyd``.
EXTENSION_MODULE = re.compile(r"^([a-z_][a-z0-9_]*)(?:\.[a-z0-9_-]+)?\.(?:so|pyd)$", re.I)
_SDIST_METADATA = frozenset({"pyproject.toml", "setup.cfg"})  # (entry points, backend)
# Names whose first bytes are read for what they hide (``disguised``): bytecode,
# type markers, certificates and keys, data files (a zip of code under such a
# name is what ``zipimport`` loads).
DISGUISE_SUFFIXES = (".pyc", ".typed", ".crt", ".pem", ".cer", ".key", ".dat")
# Where a wheel member installs into site-packages besides the wheel's root: its
# purelib and platlib directories, and a data-scheme path that ends in
# site-packages (the data scheme installs under the environment's prefix:
# ``lib/python3.11/site-packages/``, ``Lib/site-packages/`` on Windows).
WHEEL_LIB_DIR = r"[^/]+\.data/(?:purelib|platlib|data/(?:.+/)?(?i:site-packages))/"
_WHEEL_LIB = re.compile(rf"^{WHEEL_LIB_DIR}(.*)$")
# A wheel's script, which pip installs as a command (``X.data/scripts/NAME``)
WHEEL_SCRIPT = re.compile(r"^[^/]+\.data/scripts/[^/]+$")


@dataclass(frozen=True)
class Layout:
    """A wheel or an sdist, of which project."""

    wheel: bool
    pure: bool  # a none-any wheel (or an sdist): native code does not belong
    project: str


def layout_of(filename: str) -> Layout:
    """The layout an artifact's file name says."""
    if filename.lower().endswith(".whl"):
        try:
            name, _, _, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            return Layout(True, False, "")
        pure = all(t.abi == "none" and t.platform == "any" for t in tags)
        return Layout(True, pure, str(name))
    try:
        sname, _ = parse_sdist_filename(filename)
        project = str(sname)
    except InvalidSdistFilename:
        project = str(canonicalize_name(re.split(r"-\d", filename, maxsplit=1)[0]))
    return Layout(False, True, project)


def relative(name: str, layout: Layout) -> str:
    """The member path as the project sees it: an sdist's top directory dropped."""
    if layout.wheel:
        match = _WHEEL_LIB.match(name)
        return match.group(1) if match else name
    return name.split("/", 1)[1] if "/" in name else name


def wanted(layout: Layout) -> archives.Want:
    """What the scan reads of each member: sources whole, possible binaries' heads."""

    def want(name: str, size: int) -> str:
        lower = name.lower()
        if lower.endswith(SOURCE_SUFFIXES):
            return "read"
        if layout.wheel and WHEEL_SCRIPT.match(name):
            return "read"  # (a command, in Python or not: ``scanner`` tells)
        if not layout.wheel and relative(name, layout) in _SDIST_METADATA:
            return "read"
        if layout.wheel and lower.endswith(".dist-info/entry_points.txt"):
            return "read"
        if is_pickle_name(lower):
            return "whole"  # (a pickle is code: read as what it calls, ``pickles``)
        if lower.endswith(DISGUISE_SUFFIXES):
            return "head"  # (bytecode Python imports when its source is not there,
            # and anything kept under a bytecode, type-marker or certificate name)
        if not layout.pure or ".dist-info/" in name:
            return ""
        base = lower.rsplit("/", 1)[-1]
        if EXTENSION_MODULE.match(base):
            return "whole"
        return "head" if NATIVE_SUFFIXES.search(base) or "." not in base else ""

    return want
