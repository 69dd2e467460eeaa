"""Commands a package installs in place of the system's own (command-jacking).

A console or GUI script is a program put on the user's ``PATH`` as the package is
installed. Named ``ls``, ``git``, ``curl``, ``sudo`` or ``python``, it runs
whenever the user types that command, in place of the program he meant (with
his terminal, his tokens and, for ``sudo``, his password), and can pass the
command on to the real program so that nothing looks amiss. Honest packages
name their commands after themselves; the few that install a command of
another tool are that tool (``pip``'s ``pip3``, ``awscli``'s ``aws``: see
``guard.analysis.shadowing``, which the audit's ``script-shadow`` shares).

The scripts are read from a wheel's ``entry_points.txt`` and from an sdist's
``pyproject.toml``, ``setup.cfg`` and ``setup.py`` (the ``console_scripts`` and
``gui_scripts`` groups only: plugins' entry points put nothing on ``PATH``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from guard.analysis.scan.entry import MAX_METADATA, pyproject_scripts, section_lines
from guard.analysis.scan.hits import DROPPER, Hit
from guard.analysis.scan.layout import Layout, relative
from guard.analysis.shadowing import shadowed_command

_SCRIPT_GROUPS = frozenset({"console_scripts", "gui_scripts"})
_INI_ENTRY = re.compile(r"^\s*([^\s=#;][^=]*?)\s*=\s*[A-Za-z_][\w.]*\s*:")
_CFG_GROUP = re.compile(r"^([\w.-]+)\s*=\s*(.*)$")
_PY_GROUP = re.compile(r"""["'](console_scripts|gui_scripts)["']\s*:\s*[\[(]([^\])]*)[\])]""")
_PY_ENTRY = re.compile(r"""["']\s*([^"'=\s]+)\s*=\s*[A-Za-z_][\w.]*\s*:""")


def shadowed_commands(contents: Mapping[str, bytes], layout: Layout) -> Iterator[tuple[str, Hit]]:
    """(member, hit) for each script the package installs under a command of the
    system or of another tool."""
    for name, data in contents.items():
        if len(data) > MAX_METADATA:
            continue
        for command, line in _scripts(name, data, layout):
            base = shadowed_command(command, layout.project)
            if base:
                text = (
                    f"installs a command named {command!r}: typing it runs this package's "
                    f"code in place of the {base} program (command-jacking)"
                )
                yield name, Hit(DROPPER, "command-jacking", 5.0, line, "", text)


def _scripts(name: str, data: bytes, layout: Layout) -> Iterator[tuple[str, int]]:
    """(command, line) of each script a metadata file of the archive declares."""
    rel = relative(name, layout)
    if layout.wheel:
        # (the wheel's own .dist-info, at its top: a copy of a virtual environment's
        # deeper down installs no command)
        if rel.count("/") == 1 and rel.endswith(".dist-info/entry_points.txt"):
            yield from _ini_scripts(_text(data))
        return
    if rel == "setup.cfg":
        yield from _cfg_scripts(_text(data))
    elif rel == "setup.py":
        yield from _setup_py_scripts(_text(data))
    elif rel == "pyproject.toml":
        yield from _pyproject_scripts(_text(data))


def _ini_scripts(text: str) -> Iterator[tuple[str, int]]:
    """``entry_points.txt``: the names in its script sections."""
    for number, line in section_lines(text, _SCRIPT_GROUPS.__contains__):
        entry = _INI_ENTRY.match(line)
        if entry:
            yield entry.group(1).strip(), number


def _cfg_scripts(text: str) -> Iterator[tuple[str, int]]:
    """``setup.cfg``: ``[options.entry_points]``, its ``console_scripts =`` key and
    the indented lines that go on with it."""
    group = ""
    for number, line in section_lines(text, "options.entry_points".__eq__):
        if not line.strip():
            continue
        key = _CFG_GROUP.match(line) if not line[0].isspace() else None
        if key:
            group, line = key.group(1), key.group(2)
        entry = _INI_ENTRY.match(line)
        if group in _SCRIPT_GROUPS and entry:
            yield entry.group(1).strip(), number


def _setup_py_scripts(text: str) -> Iterator[tuple[str, int]]:
    """``setup.py``: the quoted entries of a ``"console_scripts": [...]`` list."""
    for group in _PY_GROUP.finditer(text):
        for entry in _PY_ENTRY.finditer(group.group(2)):
            yield entry.group(1), text.count("\n", 0, group.start(2) + entry.start()) + 1


def _pyproject_scripts(text: str) -> Iterator[tuple[str, int]]:
    """``pyproject.toml``: the keys of ``[project.scripts]`` and ``[project.gui-scripts]``."""
    for command, _ in pyproject_scripts(text):
        yield command, _line_of_key(text, command)


def _line_of_key(text: str, key: str) -> int:
    """The line where a TOML key is written (0 if not found as written)."""
    found = re.search(rf"""^\s*["']?{re.escape(key)}["']?\s*=""", text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else 0


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")
