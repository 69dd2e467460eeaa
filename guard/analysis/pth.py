"""What safepip knows about ``.pth`` files, shared by the rules that read wheels
(``install-hook``), the static scan and the audit of installed environments:
which lines run, where a wheel member lands as a ``.pth`` file, which hooks are
known, and which code an honest start-up hook has no use for. This is the one
copy; the others import it.

Python's ``site`` module reads every ``*.pth`` file at the top of site-packages
at each interpreter start and executes each line that starts with ``import``
followed by a space or a tab. Most ``.pth`` files only add paths; a few popular
projects need a start-up hook, and setuptools generates namespace-package shims.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

_EXECUTED = ("import ", "import\t")  # how a line ``site`` executes starts
_EXECUTED_BYTES = tuple(start.encode("ascii") for start in _EXECUTED)


def is_executed(line: str) -> bool:
    """True for a line ``site`` executes (exactly as ``site.addpackage`` decides)."""
    return line.startswith(_EXECUTED)


def executed_lines(data: bytes) -> list[tuple[int, bytes]]:
    """(line number, line) of the lines ``site`` executes: those starting with ``import``
    followed by a space or a tab, exactly as ``site.addpackage`` decides."""
    return [
        (number, line)
        for number, line in enumerate(data.splitlines(), start=1)
        if line.startswith(_EXECUTED_BYTES)
    ]


# Where a wheel member lands in site-packages (so Python reads it as a .pth):
# the wheel's root, its purelib/platlib data directories, and a data-scheme path
# that ends in site-packages (which installs into the environment's site-packages).
_WHEEL_MEMBER = re.compile(
    r"^(?:[^/]+\.pth"
    r"|[^/]+\.data/(?:purelib|platlib)/[^/]+\.pth"
    r"|[^/]+\.data/data/(?:.+/)?site-packages/[^/]+\.pth)$",
    re.IGNORECASE,
)


def lands_in_site_packages(member: str) -> bool:
    """True for a wheel member that installs as a ``.pth`` file of site-packages."""
    return _WHEEL_MEMBER.match(member) is not None


# Techniques (THREATS.md) that an honest start-up hook has no use for.
_SUSPICIOUS = re.compile(
    r"\b(?:exec|eval|compile|b64decode|base64|marshal|zlib|subprocess|popen|system|"
    r"socket|urllib|urlopen|https?:|requests|ctypes)",
    re.IGNORECASE,
)


def is_suspicious(line: str) -> bool:
    """True for hook code that execs, decodes or fetches more code."""
    return _SUSPICIOUS.search(line) is not None


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


# .pth files with code that well-known distributions install on purpose, for the
# audit of an installed environment (``guard.analysis.integrity``). Exempt only
# when that distribution owns the file and the file still matches its RECORD (a
# modified copy is reported all the same).
KNOWN_PTH: Mapping[str, str] = {
    "distutils-precedence.pth": "setuptools",  # setuptools' _distutils_hack shim
    "a1_coverage.pth": "coverage",  # coverage >= 7.10, measurement of subprocesses
}
# virtualenv (the tool, not a distribution in the env) writes this file when it
# creates an environment; no RECORD lists it. Exempt only with exactly this content.
VIRTUALENV_PTH = ("_virtualenv.pth", b"import _virtualenv")
