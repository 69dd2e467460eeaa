"""What safepip knows about ``.pth`` files, shared by the rules that read wheels
(``install-hook``), the static scan and the audit of installed environments.

Python's ``site`` module reads every ``*.pth`` file at the top of site-packages
at each interpreter start and executes each line that starts with ``import``
followed by a space or a tab. Most ``.pth`` files only add paths; a few popular
projects need a start-up hook, and setuptools generates namespace-package shims.
"""

from __future__ import annotations

import fnmatch
import re


def is_executed(line: str) -> bool:
    """True for a line ``site`` executes (exactly as ``site.addpackage`` decides)."""
    return line.startswith(("import ", "import\t"))


def _normalise_statement(statement: str) -> str:
    text = re.sub(r"'[A-Za-z0-9_.]*'", "'X'", statement.strip())
    return re.sub(r"\(\s*'X'(?:\s*,\s*'X')*\s*,?\s*\)", "T", text)


# setuptools' generated namespace-package shim (``*-nspkg.pth``), statement by
# statement, with names normalised; both the current and the older template.
_NSPKG_STATEMENTS = frozenset(
    _normalise_statement(s)
    for s in (
        "import sys, types, os",
        "has_mfs = sys.version_info > (3, 5)",
        "p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('x',))",
        "importlib = __import__('importlib.util')",
        "importlib = has_mfs and __import__('importlib.util')",
        "__import__('importlib.machinery')",
        "has_mfs and __import__('importlib.machinery')",
        "m = sys.modules.setdefault('x', importlib.util.module_from_spec("
        "importlib.machinery.PathFinder.find_spec('x', [os.path.dirname(p)])))",
        "m = has_mfs and sys.modules.setdefault('x', importlib.util.module_from_spec("
        "importlib.machinery.PathFinder.find_spec('x', [os.path.dirname(p)])))",
        "m = m or sys.modules.setdefault('x', types.ModuleType('x'))",
        "mp = (m or []) and m.__dict__.setdefault('__path__',[])",
        "(p not in mp) and mp.append(p)",
        "m and setattr(sys.modules['x'], 'x', m)",
        "",
    )
)


def is_namespace_shim(line: str) -> bool:
    """True for a line that is exactly setuptools' namespace-package shim."""
    return all(_normalise_statement(s) in _NSPKG_STATEMENTS for s in line.split(";"))


# Start-up hooks of popular projects. A survey of the newest wheel of each of the
# top 2,000 projects of guard/data/top-pypi-packages.csv (November 2026; zip
# directories read with HTTP range requests) found these, besides setuptools'
# namespace shims (recognised by content); pytest-cov's is from older releases.
KNOWN_HOOKS: tuple[str, ...] = (
    "setuptools:distutils-precedence.pth",
    "coverage:a1_coverage.pth",
    "pywin32:pywin32.pth",
    "coloredlogs:coloredlogs.pth",
    "pytest-cov:pytest-cov.pth",
    "pip-system-certs:pip_system_certs.pth",
    "pynvml:_pynvml_redirector.pth",
    "nvidia-cutlass-dsl:nvidia_cutlass_dsl_packages.pth",
)


def is_known_hook(
    project_name: str, pth_name: str, patterns: tuple[str, ...] = KNOWN_HOOKS
) -> bool:
    """True when ``project_name`` is known to ship ``pth_name`` (``project:glob`` patterns)."""
    for pattern in patterns:
        project, _, glob = pattern.partition(":")
        if project.strip().lower() == project_name and fnmatch.fnmatch(pth_name, glob.strip()):
            return True
    return False
