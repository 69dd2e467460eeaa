"""Names as the typosquat detector sees them: canonical and valid project names,
the visual skeleton of a name (homoglyphs), and the names every Python user has
without installing them (``protected_names``)."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from packaging.utils import canonicalize_name

from guard.analysis.typosquat.model import Config

# Names every Python user has without installing them: the interpreter and the
# installer's own tools.  A project imitating one preys on the same confusion as a
# typo of a popular project (``pyhton``, ``easyinstall``).
CORE_NAMES = ("python", "pip", "setuptools", "wheel", "easy-install")
_CANONICAL = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PROJECT_NAME = re.compile(r"^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])\Z", re.IGNORECASE)
_ALL_CANONICAL = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*\n)*[a-z0-9]+(?:-[a-z0-9]+)*\Z")

# Visual confusions, applied to the compact form: multi-letter ones first.
_VISUAL_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_VISUAL_CHARS = str.maketrans({"0": "o", "1": "l", "i": "l", "5": "s"})


def stdlib_names() -> tuple[str, ...]:
    """The standard library's public top-level modules, canonical (``sqlite3``, ``telnetlib``)."""
    modules = (m for m in sorted(sys.stdlib_module_names) if not m.startswith("_"))
    return tuple(dict.fromkeys(canonicalize_name(m) for m in modules))


def protected_names(config: Config) -> dict[str, int]:
    """Targets protected besides the popular list, with their notional ranks.

    Core names count as the most popular projects; standard-library modules as
    moderately popular ones (a typo of ``telnetlib`` or ``sqlite3`` aims at users
    who think the module needs installing).  These names are plain words
    (``python``, ``string``, ``token``, ``select``) inside other names, so they
    are targets of typos and affixes of the whole name only, never of
    combinations, and their own affix-stripped cores get no typo matching.
    """
    out: dict[str, int] = {}
    if config.core_rank > 0:
        out.update(dict.fromkeys(CORE_NAMES, config.core_rank))
    for name in config.protected:
        out.setdefault(canonical(name), config.protected_rank)
    if config.stdlib_rank > 0:
        for name in stdlib_names():
            out.setdefault(name, config.stdlib_rank)
    return out


# ----------------------------------------------------------------------------
# Name views


def is_project_name(name: str) -> bool:
    """True for a valid project name (PEP 508: ASCII letters and digits, with
    '.', '_' or '-' inside)."""
    return bool(_PROJECT_NAME.match(name))


def canonical(name: str) -> str:
    """The canonical form (fast path for names that already are)."""
    return name if _CANONICAL.match(name) else canonicalize_name(name)


def visual(text: str) -> str:
    """A skeleton in which visually confusable spellings coincide."""
    for pair, single in _VISUAL_PAIRS:
        if pair in text:
            text = text.replace(pair, single)
    return text.translate(_VISUAL_CHARS)


def canonical_list(names: Sequence[str]) -> tuple[Sequence[str], str]:
    """(``names`` in canonical form, joined by newlines); ``names`` itself when
    all are canonical already (one regular-expression match over the joined text)."""
    joined = "\n".join(names)
    if not _ALL_CANONICAL.match(joined):
        names = [canonical(raw) for raw in names]
        joined = "\n".join(names)
    return names, joined
