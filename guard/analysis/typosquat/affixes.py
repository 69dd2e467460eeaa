"""Affixes: the words that make a variant of a name (``python-``, ``py``,
``-sdk``, a trailing version digit, a plural ``s``...) and the cores left once
they are stripped."""

from __future__ import annotations

import re
from functools import lru_cache

# Affixes that make a variant of the same name (a republish, a wrapper, a port).
VARIANT_PREFIXES = ("python3", "python2", "python", "py3", "py", "lib", "pypi")
VARIANT_SUFFIXES = ("python3", "python", "py3", "py", "lib", "pkg", "pkgs", "package", "3", "2")
# Affixes that describe an add-on: legitimate third parties use them too.
DESCRIPTIVE_SUFFIXES = (
    "dev",
    "sdk",
    "api",
    "cli",
    "client",
    "official",
    "plus",
    "pro",
    "lite",
    "new",
    "latest",
    "fixed",
)
PREFIX_WORDS = frozenset(VARIANT_PREFIXES)
SUFFIX_WORDS = frozenset(VARIANT_SUFFIXES + DESCRIPTIVE_SUFFIXES)
DESCRIPTIVE = frozenset(DESCRIPTIVE_SUFFIXES)
# Affixes that are glued on without a separator ("pythonkafka", "cryptographylib").
_GLUED_PREFIX = re.compile(r"^(python3|python|py3|py|lib)([a-z0-9]{3,})$")
_GLUED_SUFFIX = re.compile(r"^([a-z0-9]{3,}?)(python3|python|py3|py|lib|pkgs|pkg|sdk|api|[0-9])$")
AFFIX_STARTS = ("py", "lib")
PLURAL = re.compile(r"^[a-z0-9]{4,}[^su]s$")  # a name whose last 's' may be a plural
AFFIX_ENDS = ("py", "python3", "py3", "lib", "pkg", "pkgs", "sdk", "api", *"0123456789")


def _plural(last: str) -> bool:
    """True when ``last`` may end in a plural 's' (``requests``, not ``class``)."""
    return len(last) >= 5 and last[-1] == "s" and last[-2] not in "su"


def _separate(tokens: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    """A prefix or suffix word of a multi-word name (``python-foo``, ``foo-sdk``)."""
    out: list[tuple[tuple[str, ...], str]] = []
    if len(tokens) < 2:
        return out
    if tokens[0] in PREFIX_WORDS:
        out.append((tokens[1:], tokens[0] + "-"))
    if tokens[-1] in SUFFIX_WORDS or tokens[-1].isdigit():
        out.append((tokens[:-1], "-" + tokens[-1]))
    return out


def _glued(tokens: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    """An affix glued to the first or last word (``pythonkafka``, ``foolib``)."""
    out: list[tuple[tuple[str, ...], str]] = []
    head = _GLUED_PREFIX.match(tokens[0])
    if head:
        out.append(((head.group(2), *tokens[1:]), head.group(1)))
    tail = _GLUED_SUFFIX.match(tokens[-1])
    if tail:
        out.append(((*tokens[:-1], tail.group(1)), tail.group(2)))
    return out


def strip_affix(tokens: tuple[str, ...], plural: bool = False) -> list[tuple[tuple[str, ...], str]]:
    """(remaining words, affix) for each way of removing one affix; with
    ``plural``, a trailing plural 's' counts as one (candidates only: the
    popular ``requests`` does not make ``request`` one of its variants)."""
    out: list[tuple[tuple[str, ...], str]] = []
    last = tokens[-1]
    if plural and _plural(last):
        out.append(((*tokens[:-1], last[:-1]), "s"))
    return out + _separate(tokens) + _glued(tokens)


def affix_words(affix: str) -> list[str]:
    """The words of one affix or of stacked ones (``"py -dev"`` -> ``py``, ``dev``)."""
    return [part.strip("-") for part in affix.split()]


@lru_cache(maxsize=65536)
def cores(name: str, depth: int = 2) -> tuple[tuple[str, str], ...]:
    """(compact core, affixes) once one, or up to ``depth``, affixes are stripped."""
    tokens = tuple(name.split("-"))
    found: dict[str, str] = {}
    layer = [(tokens, "")]
    for _ in range(depth):
        deeper: list[tuple[tuple[str, ...], str]] = []
        for words, before in layer:
            for rest, affix in strip_affix(words, plural=True):
                label = f"{before} {affix}".strip()
                found.setdefault("".join(rest), label)
                deeper.append((rest, label))
        layer = deeper
    found.pop("".join(tokens), None)
    return tuple(found.items())


def has_affix_shape(tokens: tuple[str, ...]) -> bool:
    """True when a popular name's words may carry an affix worth stripping: one
    word, or a first or last word that is or looks like an affix."""
    return len(tokens) == 1 or (
        tokens[0] in PREFIX_WORDS
        or tokens[-1] in SUFFIX_WORDS
        or tokens[0].startswith(AFFIX_STARTS)
        or tokens[-1].endswith(AFFIX_ENDS)
    )
