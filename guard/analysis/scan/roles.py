"""Which file runs when: install time, start-up, import time, deeper, or never.

``roles`` gives each source member one of (see ``guard.analysis.scan.score``):

- ``install``: an sdist's ``setup.py``, an in-tree PEP 517 backend
  (``backend-path`` in ``pyproject.toml``) and the hooks a backend runs
  (``hook_files``); the scanner adds ``helper`` for the tree files these pull in
  (``local_files``);
- ``startup``: a wheel's ``.pth`` files in site-packages;
- ``import``: top-level modules and top-level packages' ``__init__.py``;
- ``module``: the rest of the package;
- ``other``: tests, docs, examples, benchmarks, and sdist directories that are
  not packages (scripts, tools, CI);
- ``skip``: a wheel's ``.dist-info``.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping

from guard.analysis.pth import lands_in_site_packages
from guard.analysis.scan.layout import WHEEL_LIB_DIR, Layout, relative

OTHER_DIRS = frozenset(
    [
        "test",
        "tests",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "benchmarks",
        "benchmark",
        "bench",
    ]
)
_OTHER_FILES = frozenset({"conftest.py", "noxfile.py", "tasks.py", "fabfile.py"})
_WHEEL_SCRIPTS = re.compile(r"^[^/]+\.data/scripts/")
# A module the interpreter imports at every start-up when it sits in site-packages
_STARTUP_MODULE = re.compile(rf"^(?:{WHEEL_LIB_DIR})?(?:sitecustomize|usercustomize)\.py$")


def is_startup_module(name: str) -> bool:
    """A wheel member that installs as ``sitecustomize.py`` or ``usercustomize.py``."""
    return _STARTUP_MODULE.match(name) is not None


MAX_PYPROJECT = 1024 * 1024


def roles(
    contents: Mapping[str, bytes], layout: Layout, by_rel: Mapping[str, str]
) -> dict[str, str]:
    """The role of each member read (``by_rel``: member by project path)."""
    packages = packages_of(by_rel)
    out = {name: role(name, layout, packages) for name in contents}
    named = None if layout.wheel else _build_text(contents, by_rel)
    dirs: dict[str, bool] = {}  # (dotted directory -> named: one search per directory)
    for rel, name in by_rel.items():
        if out.get(name) == "module" and _namespace_top(rel, packages, named):
            out[name] = "import"
        elif out.get(name) == "other" and named and _named_package_dir(rel, named, dirs):
            out[name] = "module"
    if not layout.wheel:
        pyproject = contents.get(by_rel.get("pyproject.toml", ""))
        members = set(by_rel)
        setup_cfg = contents.get(by_rel.get("setup.cfg", ""))
        hooks = [*hook_files(pyproject, members), *cfg_command_files(setup_cfg, members)]
        for rel in [*backend_files(pyproject, members), *hooks]:
            if by_rel[rel] in out:
                out[by_rel[rel]] = "install"
    return out


def packages_of(rels: Iterable[str]) -> set[str]:
    """The directories (project paths) that hold an ``__init__.py``."""
    return {rel.rsplit("/", 1)[0] for rel in rels if rel.endswith("/__init__.py")}


def _namespace_top(rel: str, packages: set[str], named: str | None = None) -> bool:
    """The ``__init__.py`` of the first package under namespace directories
    (``google/cloud/storage/__init__.py`` with no ``google/__init__.py``): what
    ``import google.cloud.storage`` runs, a top-level package's as much as any.
    In an sdist (``named``: its build files' text), only if the build files name
    the namespace: other directories of an sdist (tests, tools) are not installed.
    Only a path of identifiers: no ``import`` statement names ``site-packages``."""
    if not rel.endswith("/__init__.py"):
        return False
    if not all(part.isidentifier() for part in _package_parts(rel)[:-1]):
        return False  # (``venv/Lib/site-packages/x/__init__.py``: no import reaches it)
    top = _package_parts(rel)[0]
    if named is not None and not re.search(rf"""["']{re.escape(top)}[."'*/]""", named):
        return False
    parts = rel.split("/")[:-1]
    return not any("/".join(parts[:cut]) in packages for cut in range(1, len(parts)))


def _named_package_dir(rel: str, named: str, dirs: dict[str, bool]) -> bool:
    """An sdist's file in a directory without ``__init__.py`` that the build files
    name as a package (``packages=["tool"]``, quoted, dotted): setuptools installs
    it all the same, so it is package code, not a folder of scripts or tests.
    (``dirs``: the answers so far, by dotted directory.)"""
    parts = _package_parts(rel)
    if len(parts) < 2 or is_other(rel):
        return False
    dotted = ".".join(parts[:-1])
    known = dirs.get(dotted)
    if known is None:
        found = re.search(rf"""["']{re.escape(dotted)}["']""", named)
        known = dirs[dotted] = found is not None
    return known


BUILD_FILES = ("setup.py", "setup.cfg", "pyproject.toml")


def _build_text(contents: Mapping[str, bytes], by_rel: Mapping[str, str]) -> str:
    """The text of an sdist's build files (where its packages are named)."""
    found = (contents.get(by_rel.get(rel, ""), b"") for rel in BUILD_FILES)
    return "\n".join(data[:MAX_PYPROJECT].decode("utf-8", "replace") for data in found)


def is_other(rel: str) -> bool:
    """Tests, docs, examples and benchmarks: files that do not run when installed."""
    parts = rel.lower().split("/")
    base = parts[-1]
    return (
        any(p in OTHER_DIRS for p in parts[:-1])
        or base.startswith("test_")
        or base.endswith("_test.py")
        or base in _OTHER_FILES
    )


def role(name: str, layout: Layout, packages: set[str]) -> str:
    """install, startup, import, module, other or skip (see guard.analysis.scan.score).

    In an sdist, a file counts as package code only in a directory with an
    ``__init__.py`` (``packages``) or under ``src/``; other directories (scripts,
    tools, CI, build helpers) are not installed, and run only if setup.py pulls
    them in.
    """
    rel = relative(name, layout)
    if rel.lower().endswith(".pth"):
        if layout.wheel:
            return "startup" if lands_in_site_packages(name) else "import"
        return "other" if is_other(rel) else "import"  # an sdist's test fixtures
    if layout.wheel:
        return _wheel_role(name, rel)
    return _sdist_role(rel, packages)


def _package_parts(rel: str) -> list[str]:
    """The path's parts, without a leading ``src``."""
    parts = rel.split("/")
    return parts[1:] if parts[0] == "src" and len(parts) > 1 else parts


def _wheel_role(name: str, rel: str) -> str:
    if ".dist-info/" in name:
        return "skip"
    if is_other(rel):
        return "other"
    parts = _package_parts(rel)
    if _WHEEL_SCRIPTS.match(name):
        return "module"
    if is_startup_module(name):
        return "startup"
    if len(parts) == 1:
        return "import"
    return _package_role(parts)


def _sdist_role(rel: str, packages: set[str]) -> str:
    if rel == "setup.py":
        return "install"
    if is_other(rel):
        return "other"
    parts = _package_parts(rel)
    if len(parts) == 1 and rel.startswith("src/"):
        return "import"
    if len(parts) > 1 and rel.rsplit("/", 1)[0] not in packages and not rel.startswith("src/"):
        # (under ``src/``, setuptools' discovery installs directories without an
        # ``__init__.py`` too: namespace packages)
        return "other"
    return _package_role(parts)


def _package_role(parts: list[str]) -> str:
    return "import" if len(parts) == 2 and parts[1] == "__init__.py" else "module"


def backend_files(data: bytes | None, members: set[str]) -> list[str]:
    """The members of an in-tree PEP 517 backend named by pyproject.toml."""
    spec = _backend_spec(data)
    if spec is None:
        return []
    module, paths = spec
    found: list[str] = []
    for base in paths:
        if isinstance(base, str):
            found.extend(_backend_candidates(module, base, members))
    return found


def hook_files(data: bytes | None, members: set[str]) -> list[str]:
    """The tree files a build backend runs besides the backend: hatch's custom build
    and metadata hooks (``hatch_build.py``, or the ``path`` given), pdm-backend's
    ``pdm_build.py``, poetry's build ``script``, the modules of setuptools'
    ``[tool.setuptools.cmdclass]``."""
    doc = pyproject_doc(data)
    if doc is None:
        return []
    backend = table_get(doc, "build-system", "build-backend")
    backend = backend if isinstance(backend, str) else ""
    tool = table_get(doc, "tool")
    paths = _hatch_hooks(table_get(tool, "hatch")) if backend.startswith("hatchling") else []
    if backend.startswith("pdm.backend"):
        paths.append("pdm_build.py")
    script = table_get(tool, "poetry", "build", "script")
    if isinstance(script, str):
        paths.append(script)
    paths.extend(_command_modules(table_get(tool, "setuptools", "cmdclass")))
    found = [p.replace("\\", "/").lstrip("./") for p in paths]
    return [p for p in dict.fromkeys(found) if p in members]


def _hatch_hooks(hatch: object) -> list[str]:
    """The files of hatch's custom hooks: build, metadata, and each target's."""
    hooks = [
        table_get(hatch, "build", "hooks", "custom"),
        table_get(hatch, "metadata", "hooks", "custom"),
    ]
    targets = table_get(hatch, "build", "targets")
    if isinstance(targets, dict):
        hooks.extend(table_get(t, "hooks", "custom") for t in targets.values())
    paths = [h.get("path", "hatch_build.py") for h in hooks if isinstance(h, dict)]
    return [p if isinstance(p, str) else "hatch_build.py" for p in paths]


def _command_modules(commands: object) -> list[str]:
    """Where the modules of ``{"install": "tools.cmds.Install"}`` would be."""
    if not isinstance(commands, dict):
        return []
    modules = [t.rsplit(".", 1)[0] for t in commands.values() if isinstance(t, str) and "." in t]
    return [f for module in modules for f in _module_files(module)]


def cfg_command_files(data: bytes | None, members: set[str]) -> list[str]:
    """The modules of the commands ``setup.cfg`` overrides (``[options] cmdclass =
    install = tools.cmds.Install``): setuptools runs them as it builds."""
    if data is None or len(data) > MAX_PYPROJECT:
        return []
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(data.decode("utf-8", "replace"))
        value = parser.get("options", "cmdclass", fallback="")
    except configparser.Error:
        return []
    found: list[str] = []
    for line in value.splitlines():
        target = line.partition("=")[2].strip()
        if "." in target:
            found.extend(f for f in _module_files(target.rsplit(".", 1)[0]) if f in members)
    return found


def table_get(doc: object, *keys: str) -> object:
    """``doc[k1][k2]...`` of a parsed TOML document, or None where a key is missing."""
    for key in keys:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


def pyproject_doc(data: bytes | None) -> dict[str, object] | None:
    """A pyproject.toml parsed (up to ``MAX_PYPROJECT``), or None."""
    if data is None or len(data) > MAX_PYPROJECT:
        return None
    try:
        return tomllib.loads(data.decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError:
        return None


def _backend_spec(data: bytes | None) -> tuple[str, list[object]] | None:
    """The backend's module path and ``backend-path`` of a pyproject.toml, if in-tree."""
    doc = pyproject_doc(data)
    if doc is None:
        return None
    system = doc.get("build-system")
    if not isinstance(system, dict):
        return None
    backend = system.get("build-backend")
    paths = system.get("backend-path")
    if not isinstance(backend, str) or not isinstance(paths, list):
        return None
    return backend.split(":", 1)[0].strip().replace(".", "/"), paths


def _backend_candidates(module: str, base: str, members: set[str]) -> Iterator[str]:
    prefix = base.strip("./").strip("/")
    for candidate in (f"{module}.py", f"{module}/__init__.py"):
        full = f"{prefix}/{candidate}" if prefix else candidate
        if full in members:
            yield full


def local_files(names: tuple[str, ...], members: set[str]) -> Iterator[str]:
    """Tree files that setup.py pulls in: ``import x``, ``exec(open('x.py'))``..."""
    for name in names:
        if name.endswith(".py"):
            path = name.replace("\\", "/").lstrip("./")
            if path in members:
                yield path
        else:
            yield from (c for c in _module_files(name) if c in members)


def _module_files(module: str) -> tuple[str, ...]:
    """Where a module of the tree would be: ``x/y.py`` or ``x/y/__init__.py``, maybe in src."""
    base = module.replace(".", "/")
    return tuple(
        f"{prefix}{base}{suffix}" for prefix in ("", "src/") for suffix in (".py", "/__init__.py")
    )


def resolve(name: str, importer: str, members: set[str]) -> tuple[str, str] | None:
    """The tree file a dotted name (``util.prepare``, ``pkg.mod``) refers to, seen from
    the file ``importer``, and the rest of the name (``prepare``); None if none."""
    parts = name.split(".")
    here = importer.rsplit("/", 1)[0] + "/" if "/" in importer else ""
    for cut in range(len(parts), 0, -1):
        base = "/".join(parts[:cut])
        for prefix in (here, "", "src/"):
            found = _module_file(f"{prefix}{base}", members)
            if found:
                return found, ".".join(parts[cut:])
    return None


def _module_file(path: str, members: set[str]) -> str:
    for candidate in (f"{path}.py", f"{path}/__init__.py"):
        if candidate in members:
            return candidate
    return ""
