"""Files the user runs though nothing imports them: entry points, ``__main__.py``,
an sdist's ``py_modules``.

- a console or GUI script (``name = pkg.cli:main`` in a wheel's
  ``entry_points.txt``, an sdist's ``setup.py``, ``setup.cfg`` or
  ``pyproject.toml``) imports its module when the user runs the command;
- ``pkg/__main__.py`` runs as ``python -m pkg``;
- an sdist's top-level module named in ``py_modules`` is a top-level module once
  installed, as it is in a wheel.

The scanner counts the module-level code of these files as import-time code
(``user_run`` names them). Only their own module-level code: not the entry
function, not the main guard, not what they import or call in other modules.
From a program's entry the whole program is reachable, and what a program does
when its user asks (fetch, run a command, read a cookie store: the purpose of
many tools) is no act of installing or importing it; code that acts as soon
as the file is loaded, before any command is parsed, is.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping

from guard.analysis.scan.layout import Layout, relative
from guard.analysis.scan.roles import resolve

# ``name = package.module:function`` (the object reference of an entry point)
_ENTRY = re.compile(r"""^\s*["']?[\w.\- \[\]]+?\s*=\s*([A-Za-z_][\w.]*)\s*:\s*([A-Za-z_][\w.]*)""")
_QUOTED_ENTRY = re.compile(r"""["']\s*[\w.\-]+\s*=\s*([A-Za-z_][\w.]*)\s*:\s*([A-Za-z_][\w.]*)""")
_PY_MODULES = re.compile(r"""py_modules\s*=\s*[\[(]([^\])]*)[\])]""")
_NAME = re.compile(r"""["']([A-Za-z_][\w.]*)["']""")
_SCRIPTS = frozenset({"console_scripts", "gui_scripts"})
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
MAX_METADATA = 256 * 1024


def user_run(contents: Mapping[str, bytes], layout: Layout, by_rel: Mapping[str, str]) -> set[str]:
    """The members the user runs."""
    members = set(by_rel)
    found = {name for rel, name in by_rel.items() if rel.rsplit("/", 1)[-1] == "__main__.py"}
    for module in _entry_modules(contents, layout, by_rel):
        target = resolve(module, "", members)
        if target is not None and not target[1]:
            found.add(by_rel[target[0]])
    return found


def _entry_modules(
    contents: Mapping[str, bytes], layout: Layout, by_rel: Mapping[str, str]
) -> Iterator[str]:
    """The modules of the entry points and of ``py_modules``."""
    yield from (module for module, _ in _entry_points(contents, layout))
    if not layout.wheel:
        yield from _py_modules(contents.get(by_rel.get("setup.py", "")))


def _entry_points(contents: Mapping[str, bytes], layout: Layout) -> Iterator[tuple[str, str]]:
    """(module, function) of each entry point the metadata declares."""
    for name, data in contents.items():
        if len(data) > MAX_METADATA:
            continue
        rel = relative(name, layout)
        if layout.wheel and name.endswith(".dist-info/entry_points.txt"):
            yield from _ini_entries(_text(data), lambda section: section in _SCRIPTS)
        elif not layout.wheel and rel == "setup.cfg":
            yield from _ini_entries(_text(data), lambda section: section == "options.entry_points")
        elif not layout.wheel and rel == "setup.py":
            yield from ((m.group(1), m.group(2)) for m in _QUOTED_ENTRY.finditer(_text(data)))
        elif not layout.wheel and rel == "pyproject.toml":
            yield from _pyproject_entries(data)


def _ini_entries(text: str, accept: Callable[[str], bool]) -> Iterator[tuple[str, str]]:
    """Entry points in an ini file, in the sections ``accept`` takes."""
    for _, line in section_lines(text, accept):
        entry = _ENTRY.match(line)
        if entry:
            yield entry.group(1), entry.group(2)


def section_lines(text: str, accept: Callable[[str], bool]) -> Iterator[tuple[int, str]]:
    """(1-based number, line) of the lines of an ini file in the sections ``accept``
    takes (by name), section headers left out."""
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        section = _SECTION.match(line)
        if section:
            inside = accept(section.group(1).strip())
        elif inside:
            yield number, line


def _pyproject_entries(data: bytes) -> Iterator[tuple[str, str]]:
    for _, value in pyproject_scripts(_text(data)):
        if ":" in value:
            module, _, function = value.partition(":")
            yield module.strip(), function.strip().split("[")[0].strip()


def pyproject_scripts(text: str) -> Iterator[tuple[str, str]]:
    """(command, object reference: '' if none) of each script of ``pyproject.toml``'s
    ``[project.scripts]`` and ``[project.gui-scripts]``."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    project = doc.get("project")
    if not isinstance(project, dict):
        return
    for table in (project.get("scripts"), project.get("gui-scripts")):
        if isinstance(table, dict):
            for command, value in table.items():
                yield str(command), value if isinstance(value, str) else ""


def _py_modules(data: bytes | None) -> Iterator[str]:
    """The names in ``py_modules=[...]`` of a setup.py."""
    if data is None or len(data) > MAX_METADATA:
        return
    for found in _PY_MODULES.finditer(_text(data)):
        yield from _NAME.findall(found.group(1))


# ``scripts=[...]`` of a setup.py (setuptools installs each file named as a command)
_SCRIPTS_ARG = re.compile(r"""\bscripts\s*=\s*[\[(]([^\])]*)[\])]""")
_PATH = re.compile(r"""["']([^"'\n]+)["']""")


def installed_scripts(contents: Mapping[str, bytes], by_rel: Mapping[str, str]) -> list[str]:
    """The files of an sdist that its build installs as commands (project paths, as
    they are named): ``scripts=[...]`` of ``setup.py``, ``scripts`` of
    ``setup.cfg``'s ``[options]``, ``script-files`` of ``[tool.setuptools]``."""
    found: list[str] = []
    setup = contents.get(by_rel.get("setup.py", ""))
    if setup is not None and len(setup) <= MAX_METADATA:
        for listed in _SCRIPTS_ARG.finditer(_text(setup)):
            found.extend(_PATH.findall(listed.group(1)))
    cfg = contents.get(by_rel.get("setup.cfg", ""))
    if cfg is not None and len(cfg) <= MAX_METADATA:
        found.extend(_cfg_scripts(_text(cfg)))
    pyproject = contents.get(by_rel.get("pyproject.toml", ""))
    if pyproject is not None and len(pyproject) <= MAX_METADATA:
        found.extend(_pyproject_script_files(_text(pyproject)))
    return list(dict.fromkeys(path.strip().removeprefix("./") for path in found))


def _cfg_scripts(text: str) -> Iterator[str]:
    """``scripts =`` of ``[options]``: on its line and the indented lines after it."""
    listing = False
    for _, line in section_lines(text, lambda section: section == "options"):
        key, sep, value = line.partition("=")
        if sep and not line[:1].isspace():
            listing = key.strip() == "scripts"
            line = value
        elif line.strip() and not line[:1].isspace():
            listing = False
        if listing:
            yield from (word for word in line.replace(",", " ").split() if word)


def _pyproject_script_files(text: str) -> Iterator[str]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    tool = doc.get("tool")
    setuptools = tool.get("setuptools") if isinstance(tool, dict) else None
    files = setuptools.get("script-files") if isinstance(setuptools, dict) else None
    if isinstance(files, list):
        yield from (str(path) for path in files)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


MAX_DIRECT = 3  # modules of a small package the user imports by name


def used_directly(
    contents: Mapping[str, bytes], by_rel: Mapping[str, str], roles: Mapping[str, str]
) -> set[str]:
    """The modules of small top-level packages whose ``__init__.py`` imports none of
    them: the package gives its user nothing but those modules, so he imports them
    by name (``from tool import tool``), and their module-level code runs then."""
    found: set[str] = set()
    children: dict[str, list[str]] = {}
    for rel, name in by_rel.items():
        folder, _, base = rel.rpartition("/")
        is_module = base.endswith(".py") and base != "__init__.py"
        if folder and is_module and roles.get(name) == "module":
            children.setdefault(folder, []).append(name)
    for rel, name in by_rel.items():
        if roles.get(name) != "import" or not rel.endswith("/__init__.py"):
            continue
        folder = rel.removesuffix("/__init__.py")
        modules = children.get(folder, [])
        init = _text(contents.get(name, b""))
        if 0 < len(modules) <= MAX_DIRECT and not _imports_own(init, folder):
            found.update(modules)
    return found


def _imports_own(init: str, folder: str) -> bool:
    """The ``__init__.py`` imports from its own package (relatively or by name)."""
    package = folder.rsplit("/", 1)[-1]
    own = re.compile(
        rf"^\s*(?:from\s+(?:\.|{re.escape(package)}\b)|import\s+{re.escape(package)}\.)", re.M
    )
    return own.search(init) is not None
