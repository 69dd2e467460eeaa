"""Typosquat and look-alike detection against the popular-projects list: pure, offline.

How a name is judged
--------------------
The protected targets are the popular list plus names every Python user has
without installing them (``protected_names``): ``python`` and the installer's
tools at a notional rank 1, the standard library's public modules at a notional
rank 3,000, and the names a team's policy protects (``Config.protected``: its
own internal projects, at rank 1).  These extra names are targets of typos and
affixes of the whole name only: inside combinations they are plain words.

A candidate is reduced to *views*: its compact form (separators removed), the
same with one repeated letter taken out (a doubled letter on top of another
typo), the *cores* left after stripping well-known affixes (``python-``, ``py``,
``-sdk``, a trailing version digit, a plural ``s``...), the word spans of a
multi-word name (combosquats) and the halves of a glued word.  Each view is
looked up in indices built once from the protected names: compact form, word
multiset (word order), visual skeleton (homoglyphs: ``rn``/``m``, ``l``/``1``,
``0``/``o``...) and a pigeonhole index that finds the names within a
Damerau-Levenshtein distance (optimal string alignment) whose bound depends on
length: none below ``min_edit_length`` characters, one edit below
``two_edit_length`` (8), two from there on (against targets popular enough for
two edits to reach ``weak_score``).  A single edit is named by its shape:
adjacent swap, repeated character, omitted character, keyboard neighbour,
homoglyph, or a plain edit; a pair of edits by the shapes of both, and it counts
as its weaker edit (``two_edits``): a swap plus an omitted letter is two slips
of the same hand, two plain substitutions more often another word.  The
singular of a plural popular name is indexed too, one edit from it at most: a
typo that also drops the final ``s`` (``requst``) is a pair of slips.  A core
left after stripping one affix or two stacked ones (``python3-x-dev``) is also
compared with the cores of popular names, so one affix may replace another
(``libfoo``, ``foo-python3`` or ``pyfoo-dev`` for ``python-foo``).

Every match scores ``transformation + magnet + specificity`` points (``Weights``):

* transformation: how rarely a benign author produces that relation by
  accident.  A swap of two letters or a changed separator is rarely innocent; a
  popular word plus another word (``flask-login``) usually is;
* magnet: typosquatters imitate the most-downloaded projects.  The target's rank
  gives ``magnet_base - magnet_per_decade * log10(rank)``: rank 1 counts 2.1
  points, each tenfold drop in downloads costs 0.75, so rank 14,000 counts -1.0;
* specificity: edits on short names and combinations with words that many
  popular projects share (``django-*``, ``*-utils``) happen by chance, so they
  lose points; long names gain a little.  A changed first letter names another
  project (``ujson``, ``zconfig``) more often than it is a slip, as does a
  first letter of a later word replaced by a letter that is not its keyboard
  neighbour (``requests-sock``), and a singular or plural inside a combination
  (``math-tokenizer``) is a word, not a typo: all lose points.

At or above ``strong_score`` (4) a match is strong (the rule blocks); at or
above ``weak_score`` (2) it is weak (capped at warn). A candidate that is itself
popular is never strong, and is weak only when its target is at least
``popular_gap`` times more popular, so ``pyaml`` is not a typosquat of
``pyyaml``, nor ``tomli`` of ``toml``."""

from __future__ import annotations

import base64
import gc
import hashlib
import marshal
import math
import re
import sys
import zlib
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import chain, islice
from typing import Any, TypeVar

from packaging.utils import NormalizedName, canonicalize_name

# Transformation ids (stable: they appear in JSON output and findings).
EDIT_DISTANCE = "edit-distance"
ADJACENT_SWAP = "adjacent-swap"
REPEATED_CHAR = "repeated-char"
OMITTED_CHAR = "omitted-char"
KEYBOARD_NEIGHBOUR = "keyboard-neighbour"
HOMOGLYPH = "homoglyph"
SEPARATOR = "separator"
WORD_ORDER = "word-order"
AFFIX = "affix"
COMBOSQUAT = "combosquat"
GLUED_WORD = "glued-word"
VERSION_DIGIT = "version-digit"  # an edit that only changes or adds a version digit

TRANSFORMATIONS = (
    EDIT_DISTANCE,
    ADJACENT_SWAP,
    REPEATED_CHAR,
    OMITTED_CHAR,
    KEYBOARD_NEIGHBOUR,
    HOMOGLYPH,
    SEPARATOR,
    WORD_ORDER,
    AFFIX,
    COMBOSQUAT,
    GLUED_WORD,
    VERSION_DIGIT,
)

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
_COMBINED = frozenset((COMBOSQUAT, GLUED_WORD))
_PREFIX_WORDS = frozenset(VARIANT_PREFIXES)
_SUFFIX_WORDS = frozenset(VARIANT_SUFFIXES + DESCRIPTIVE_SUFFIXES)
_DESCRIPTIVE = frozenset(DESCRIPTIVE_SUFFIXES)
# Affixes that are glued on without a separator ("pythonkafka", "cryptographylib").
_GLUED_PREFIX = re.compile(r"^(python3|python|py3|py|lib)([a-z0-9]{3,})$")
_GLUED_SUFFIX = re.compile(r"^([a-z0-9]{3,}?)(python3|python|py3|py|lib|pkgs|pkg|sdk|api|[0-9])$")
_AFFIX_STARTS = ("py", "lib")
_PLURAL = re.compile(r"^[a-z0-9]{4,}[^su]s$")  # a name whose last 's' may be a plural
_AFFIX_ENDS = ("py", "python3", "py3", "lib", "pkg", "pkgs", "sdk", "api", *"0123456789")
# Names every Python user has without installing them: the interpreter and the
# installer's own tools.  A project imitating one preys on the same confusion as a
# typo of a popular project (``pyhton``, ``easyinstall``).
CORE_NAMES = ("python", "pip", "setuptools", "wheel", "easy-install")
_CANONICAL = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PROJECT_NAME = re.compile(r"^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])\Z", re.IGNORECASE)
_ALL_CANONICAL = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*\n)*[a-z0-9]+(?:-[a-z0-9]+)*\Z")

# Why a target is protected (``Detector.origin``).
POPULAR = "popular"  # on the popular list
CORE = "core"  # CORE_NAMES
STDLIB = "stdlib"  # a standard-library module
POLICY = "policy"  # named by the team's policy (``Config.protected``)
ORIGINS = (POPULAR, CORE, STDLIB, POLICY)

# Visual confusions, applied to the compact form: multi-letter ones first.
_VISUAL_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_VISUAL_CHARS = str.maketrans({"0": "o", "1": "l", "i": "l", "5": "s"})
_HOMOGLYPH_SINGLE = frozenset(
    frozenset(pair) for pair in (("0", "o"), ("1", "l"), ("1", "i"), ("i", "l"), ("5", "s"))
)

_KEY_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


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


def _keyboard() -> dict[str, frozenset[str]]:
    """QWERTY neighbours: same row +-1; row r col c touches row r+1 cols c-1 and c."""
    near: dict[str, set[str]] = {}
    for r, row in enumerate(_KEY_ROWS):
        for c, key in enumerate(row):
            keys = near.setdefault(key, set())
            keys.update(row[i] for i in (c - 1, c + 1) if 0 <= i < len(row))
            if r + 1 < len(_KEY_ROWS):
                below = _KEY_ROWS[r + 1]
                for i in (c - 1, c):
                    if 0 <= i < len(below):
                        keys.add(below[i])
                        near.setdefault(below[i], set()).add(key)
    return {key: frozenset(keys) for key, keys in near.items()}


_NEIGHBOURS = _keyboard()


def _default_transformation_weights() -> dict[str, float]:
    return {
        SEPARATOR: 4.0,
        WORD_ORDER: 3.0,
        HOMOGLYPH: 4.5,
        ADJACENT_SWAP: 4.0,
        REPEATED_CHAR: 4.0,
        KEYBOARD_NEIGHBOUR: 3.5,
        OMITTED_CHAR: 3.5,
        EDIT_DISTANCE: 3.0,  # one other substitution or insertion
        VERSION_DIGIT: 1.5,
        AFFIX: 3.5,  # a variant affix: python-, py, -py, lib, a trailing 3...
        GLUED_WORD: 2.5,
        COMBOSQUAT: 1.5,
    }


@dataclass(frozen=True)
class Weights:
    """The points a match collects; see the module docstring."""

    transformation: Mapping[str, float] = field(default_factory=_default_transformation_weights)
    descriptive_affix: float = -1.0  # -sdk, -api, -cli... instead of py, python-, lib
    second_edit: float = -1.5  # a second edit (distance 2) on top of the first
    in_affixed: float = -0.5  # a typo inside an affixed name
    in_combo: float = -1.5  # a typo inside a combosquat or glued name
    separators_differ: float = -1.0  # a typo that also moves separators
    magnet_base: float = 2.1
    magnet_per_decade: float = 0.75
    # Specificity of edits: a short name has many accidental neighbours.
    short_name: tuple[tuple[int, float], ...] = ((4, -2.0), (5, -1.0), (6, -0.5))
    long_name: tuple[int, float] = (10, 0.5)
    # Specificity of combos: words many popular projects share are not a brand.
    shared_word: tuple[tuple[int, float], ...] = ((20, -3.0), (8, -2.0), (4, -1.0))
    short_core: tuple[int, float] = (4, -1.0)  # a core this short or shorter
    many_extras: float = -0.5  # per extra word beyond the first in a combosquat
    plural: float = -0.5  # a plural 's' is an affix of its own, a weak one
    plural_in_combo: float = -1.5  # 'tokenizer' in a combination is a word, not a typo
    repeat_and_edit: float = -1.5  # a repeated letter on top of another edit
    glued_in_words: float = -1.0  # a glued word that is one word of several
    # A different first letter names another project more often than it is a
    # slip (``ujson``/``orjson``, ``zconfig``): typists get the first key right.
    first_letter: float = -1.0

    def magnet(self, rank: int) -> float:
        return self.magnet_base - self.magnet_per_decade * math.log10(max(rank, 1))

    def length(self, length: int) -> float:
        for limit, points in self.short_name:
            if length <= limit:
                return points
        return self.long_name[1] if length >= self.long_name[0] else 0.0

    def shared(self, count: int) -> float:
        for limit, points in self.shared_word:
            if count >= limit:
                return points
        return 0.0


@dataclass(frozen=True)
class Config:
    """Thresholds of the judgement (the rule maps its policy keys onto these)."""

    strong_score: float = 4.0
    weak_score: float = 2.0
    popular_gap: float = 200.0  # a popular candidate needs rank >= gap * target rank
    min_edit_length: int = 4  # compact names shorter than this get no edit matches
    two_edit_length: int = 8  # compact length from which distance 2 is allowed
    weights: Weights = field(default_factory=Weights)
    # The protected vocabulary beyond the popular list (see ``protected_names``):
    # notional ranks, or 0 to leave that part out.
    core_rank: int = 1  # python, pip, setuptools, wheel, easy-install
    stdlib_rank: int = 3000  # the standard library's public module names
    # Names the team's policy protects (its internal projects: a typo of one on
    # the public index is a trap), at ``protected_rank``.
    protected: tuple[str, ...] = ()
    protected_rank: int = 1


@dataclass(frozen=True)
class Match:
    """One popular project that a candidate name imitates, and how."""

    target: NormalizedName
    target_rank: int
    transformation: str  # the main transformation id (see TRANSFORMATIONS)
    detail: str  # a human explanation
    strong: bool
    score: float = 0.0
    also: tuple[str, ...] = ()  # transformations combined with the main one
    origin: str = POPULAR  # why the target is protected (see ORIGINS)

    @property
    def transformations(self) -> tuple[str, ...]:
        return (self.transformation, *self.also)

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "target_rank": self.target_rank,
            "origin": self.origin,
            "transformation": self.transformation,
            "also": list(self.also),
            "strength": "strong" if self.strong else "weak",
            "score": round(self.score, 2),
            "detail": self.detail,
        }

    def describe(self) -> str:
        """The target, with why it is protected, for messages."""
        if self.origin == CORE:
            return f"{self.target}, which every Python user has"
        if self.origin == STDLIB:
            return f"the standard-library module {self.target}"
        if self.origin == POLICY:
            return f"{self.target}, a name your policy protects"
        return f"the popular project {self.target} (rank {self.target_rank})"


@dataclass(frozen=True)
class NameResult:
    """The judgement on one name, for ``check-names``."""

    name: str
    canonical: NormalizedName
    matches: tuple[Match, ...]
    valid: bool = True  # a name PyPI could hold (letters, digits, '.', '_', '-')
    # Matches scored below the warn line, best first, when they were asked for
    # (``check-names --verbose``): what the name resembles, and by how far.
    near: tuple[Match, ...] | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.matches)

    @property
    def strong(self) -> bool:
        return any(m.strong for m in self.matches)

    def to_json(self) -> dict[str, object]:
        best = self.matches[0] if self.matches else None
        return {
            "name": self.name,
            "valid": self.valid,
            "flagged": self.flagged,
            "targets": [m.target for m in self.matches],
            "transformation": best.transformation if best else None,
            "strength": ("strong" if self.strong else "weak") if best else None,
            "matches": [m.to_json() for m in self.matches],
            **({} if self.near is None else {"near": [_below(m) for m in self.near]}),
        }


def _below(match: Match) -> dict[str, object]:
    """A match below the warn line, in JSON: it has no strength."""
    return {**match.to_json(), "strength": None}


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


def strip_affix(tokens: tuple[str, ...], plural: bool = False) -> list[tuple[tuple[str, ...], str]]:
    """(remaining words, affix) for each way of removing one affix; with
    ``plural``, a trailing plural 's' counts as one (candidates only: the
    popular ``requests`` does not make ``request`` one of its variants)."""
    out: list[tuple[tuple[str, ...], str]] = []
    last = tokens[-1]
    if plural and len(last) >= 5 and last[-1] == "s" and last[-2] not in "su":
        out.append(((*tokens[:-1], last[:-1]), "s"))
    if len(tokens) >= 2:
        if tokens[0] in _PREFIX_WORDS:
            out.append((tokens[1:], tokens[0] + "-"))
        if tokens[-1] in _SUFFIX_WORDS or tokens[-1].isdigit():
            out.append((tokens[:-1], "-" + tokens[-1]))
    head = _GLUED_PREFIX.match(tokens[0])
    if head:
        out.append(((head.group(2), *tokens[1:]), head.group(1)))
    tail = _GLUED_SUFFIX.match(tokens[-1])
    if tail:
        out.append(((*tokens[:-1], tail.group(1)), tail.group(2)))
    return out


def _affix_words(affix: str) -> list[str]:
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


def _mismatch(a: str, b: str) -> int:
    """Index of the first character where ``a`` and ``b`` differ."""
    i, n = 0, min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _within_one(a: str, b: str) -> bool:
    """True when one substitution, insertion, deletion or adjacent swap (or none)
    turns ``b`` into ``a``; after the first mismatch, C-level slice comparisons."""
    la, lb = len(a), len(b)
    i = _mismatch(a, b)
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la == lb + 1:
        return a[i + 1 :] == b[i:]
    if lb == la + 1:
        return a[i:] == b[i + 1 :]
    return False


def osa_distance(a: str, b: str, bound: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment) when at most
    ``bound``, else ``bound + 1``.  Bounds up to 2 (all the detector uses) are
    decided by branching on the first mismatch; larger ones by recursion."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    if a == b:
        return 0
    if bound == 0:
        return 1
    if _within_one(a, b):
        return 1
    if bound == 1:
        return 2
    i = _mismatch(a, b)
    options = [(a[i + 1 :], b[i + 1 :]), (a[i + 1 :], b[i:]), (a[i:], b[i + 1 :])]
    if i + 1 < min(len(a), len(b)) and a[i] == b[i + 1] and a[i + 1] == b[i]:
        options.append((a[i + 2 :], b[i + 2 :]))
    if bound == 2:
        return 2 if any(_within_one(x, y) for x, y in options) else 3
    return min(bound + 1, 1 + min(osa_distance(x, y, bound - 1) for x, y in options))


def edit_kind(candidate: str, target: str) -> tuple[str, str]:
    """Name the single edit that turns ``target`` into ``candidate``."""
    if len(candidate) == len(target):
        diffs = [i for i, (x, y) in enumerate(zip(candidate, target, strict=True)) if x != y]
        if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
            i = diffs[0]
            return ADJACENT_SWAP, f"'{target[i : i + 2]}' swapped to '{candidate[i : i + 2]}'"
        if len(diffs) == 1:
            got, want = candidate[diffs[0]], target[diffs[0]]
            if frozenset((got, want)) in _HOMOGLYPH_SINGLE:
                return HOMOGLYPH, f"'{want}' replaced by the look-alike '{got}'"
            if got.isdigit() and want.isdigit():
                return VERSION_DIGIT, f"version digit '{want}' changed to '{got}'"
            if got in _NEIGHBOURS.get(want, ()):
                return KEYBOARD_NEIGHBOUR, f"'{want}' replaced by its keyboard neighbour '{got}'"
            return EDIT_DISTANCE, f"'{want}' replaced by '{got}'"
    elif len(candidate) == len(target) + 1:
        for i in range(len(candidate)):
            if candidate[:i] + candidate[i + 1 :] == target:
                extra = candidate[i]
                before = candidate[i - 1] if i > 0 else ""
                after = candidate[i + 1] if i + 1 < len(candidate) else ""
                if extra.isdigit() and (not after or before.isdigit() or after.isdigit()):
                    return VERSION_DIGIT, f"version digit '{extra}' added"  # cu12 -> cu112
                if extra in (before, after):
                    return REPEATED_CHAR, f"'{extra}' repeated"
                if before in _NEIGHBOURS.get(extra, ()) or after in _NEIGHBOURS.get(extra, ()):
                    return KEYBOARD_NEIGHBOUR, f"extra '{extra}' next to a neighbouring key"
                return EDIT_DISTANCE, f"extra '{extra}' inserted"
    elif len(candidate) + 1 == len(target):
        for i in range(len(target)):
            if target[:i] + target[i + 1 :] == candidate:
                near = target[i - 1 : i] + target[i + 1 : i + 2]
                if target[i].isdigit() and (i == len(target) - 1 or any(map(str.isdigit, near))):
                    return VERSION_DIGIT, f"version digit '{target[i]}' dropped"
                return OMITTED_CHAR, f"'{target[i]}' left out"
    return EDIT_DISTANCE, "one character changed"


def two_edits(candidate: str, target: str) -> list[tuple[tuple[str, str], str]]:
    """For a ``candidate`` two edits away from ``target`` (optimal string
    alignment), each way of getting there: the shapes of the two edits (as
    ``edit_kind`` names them) and a description.  The first edit is made at the
    first mismatch (an omission, a substitution, a swap or an insertion), the
    second is what is left."""
    i = _mismatch(candidate, target)
    middles: list[str] = []
    if i < len(target):
        middles.append(target[:i] + target[i + 1 :])
        if i < len(candidate):
            middles.append(target[:i] + candidate[i] + target[i + 1 :])
        if i + 1 < len(target):
            middles.append(target[:i] + target[i + 1] + target[i] + target[i + 2 :])
    if i < len(candidate):
        middles.append(target[:i] + candidate[i] + target[i:])
    out: list[tuple[tuple[str, str], str]] = []
    for middle in middles:
        if middle not in (candidate, target) and _within_one(candidate, middle):
            first, first_detail = edit_kind(middle, target)
            second, second_detail = edit_kind(candidate, middle)
            out.append(((first, second), f"{first_detail}, then {second_detail}"))
    return out


def _squeezed(text: str) -> list[str]:
    """``text`` with one letter of a repeated run taken out, for each such run."""
    out: list[str] = []
    for i in range(1, len(text)):
        last_of_run = i + 1 == len(text) or text[i + 1] != text[i]
        if text[i] == text[i - 1] and last_of_run and text[i].isalpha():
            out.append(text[:i] + text[i + 1 :])
    return out


def _probes(text: str, min_length: int, two_edit_length: int) -> Iterator[str]:
    """Keys under which popular strings within the edit bound of ``text`` are indexed.

    Pigeonhole: a popular string is indexed by its two halves, or by its three
    thirds when two edits are allowed against it (see ``Detector._build``).  One
    edit leaves one half intact, two edits leave one third intact (the middle one
    shifted by at most two), so any string within the bound shares a key.
    """
    n = len(text)
    for m in range(max(min_length, n - 2), n + 3):
        if abs(m - n) <= 1:
            h = m // 2
            yield f"p{m}:{text[:h]}"
            yield f"s{m}:{text[n - (m - h) :]}"
            if m == n and h >= 1:  # a swap across the middle damages both halves
                yield f"p{m}:{text[: h - 1]}{text[h]}"
                yield f"s{m}:{text[h - 1]}{text[h + 1 :]}"
        if m >= two_edit_length:
            c1, c2 = m // 3, 2 * m // 3
            yield f"a{m}:{text[:c1]}"
            yield f"c{m}:{text[n - (m - c2) :]}"
            for start in range(max(c1 - 2, 0), c1 + 3):
                yield f"b{m}:{text[start : start + c2 - c1]}"


# ----------------------------------------------------------------------------
# The detector

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


def _grouped(keys: Sequence[_K], values: Sequence[_V]) -> dict[_K, list[_V]]:
    """``values`` grouped by ``keys``, in order; built in bulk, since most keys
    are unique and only the repeated ones need a Python-level pass."""
    table = {key: [value] for key, value in zip(keys, values, strict=True)}
    if len(table) < len(keys):
        repeated = {key for key, count in Counter(keys).items() if count > 1}
        for key in repeated:
            table[key] = []
        for key, value in zip(keys, values, strict=True):
            if key in repeated:
                table[key].append(value)
    return table


def _columns(rows: Sequence[tuple[_K, _V]]) -> tuple[list[_K], list[_V]]:
    return [key for key, _ in rows], [value for _, value in rows]


@dataclass(frozen=True)
class _Hit:
    target: str
    transformation: str
    also: tuple[str, ...]
    detail: str
    points: float  # transformation and specificity points, before the magnet


class Detector:
    """Judges names against a popular list; build once, then ``check`` many names."""

    _rank: dict[str, int]  # the popular list
    _targets: dict[str, int]  # the popular list and the protected names, (notional) ranks
    _word_only: frozenset[str]  # protected names that are words inside combinations
    _by_compact: dict[str, list[str]]
    _by_visual: dict[str, list[str]]
    _by_words: dict[tuple[str, ...], list[str]]
    _by_core: dict[str, list[tuple[str, str]]]
    _texts: list[tuple[str, str]]
    _pieces: dict[str, int | list[int]]
    _word_count: Mapping[str, int]

    def __init__(
        self, names: Sequence[str], config: Config | None = None, *, use_index: bool = True
    ) -> None:
        """``names`` are popular projects, most downloaded first (rank = position + 1).

        When ``names`` and ``config`` are those the shipped index was built from
        (the shipped popular list, the default configuration, this interpreter's
        standard library), the indices are loaded from it (unless ``use_index``
        is false); otherwise they are built.
        """
        self.config = config = config or Config()
        self._policy_names = frozenset(canonical(n) for n in config.protected)
        was_enabled = gc.isenabled()
        gc.disable()  # building allocates many small containers; collecting midway is waste
        try:
            state = _shipped_state(fingerprint(names, config)) if use_index else None
            if state is None:
                self._build(names)
            else:
                self._restore(state)
        finally:
            if was_enabled:
                gc.enable()

    def state(self) -> tuple[Any, ...]:
        """The built indices, for the shipped index file (see ``index_text``)."""
        return (
            len(self._rank),
            self._targets,
            tuple(sorted(self._word_only)),  # a set's order varies from run to run
            self._by_compact,
            self._by_visual,
            self._by_words,
            self._by_core,
            self._texts,
            self._pieces,
            dict(sorted(self._word_count.items())),  # counted from sets: order varies
        )

    def _restore(self, state: tuple[Any, ...]) -> None:
        (
            popular,
            self._targets,
            word_only,
            self._by_compact,
            self._by_visual,
            self._by_words,
            self._by_core,
            self._texts,
            self._pieces,
            self._word_count,
        ) = state
        self._word_only = frozenset(word_only)
        self._rank = dict(islice(self._targets.items(), popular))

    def _build(self, names: Sequence[str]) -> None:
        config = self.config
        joined = "\n".join(names)
        if not _ALL_CANONICAL.match(joined):
            names = [canonical(raw) for raw in names]
            joined = "\n".join(names)
        rank = dict(zip(names, range(1, len(names) + 1), strict=True))
        if len(rank) != len(names):  # duplicates: the first (best) rank wins
            rank = {}
            for number, name in enumerate(names, start=1):
                rank.setdefault(name, number)
            joined = "\n".join(rank)
        self._rank = rank
        # Targets: the popular list, then the protected names it lacks.
        protected = protected_names(config)
        extras = [name for name in protected if name not in rank]
        self._targets = {**rank, **{name: protected[name] for name in extras}}
        self._word_only = frozenset(extras)
        ordered = list(self._targets)  # dicts keep insertion order: best rank first
        if extras:
            joined = "\n".join((joined, *extras))
        rank = self._targets
        flats = joined.replace("-", "").split("\n")
        # One pass over a joined string is much faster than one call per name.
        skeletons = visual("\n".join(flats)).split("\n")
        min_edit, two_edit = config.min_edit_length, config.two_edit_length
        # Bulk construction (comprehensions, C-level grouping): start-up matters.
        by_compact = _grouped(flats, ordered)
        by_visual = _grouped(  # only names whose skeleton differs
            *_columns([(k, n) for k, f, n in zip(skeletons, flats, ordered, strict=True) if k != f])
        )
        hyphenated = [(name, tuple(name.split("-"))) for name in ordered if "-" in name]
        by_words = _grouped([tuple(sorted(t)) for _, t in hyphenated], [n for n, _ in hyphenated])
        multi = [tokens for name, tokens in hyphenated if name not in protected]
        texts: list[tuple[str, str]] = [  # (popular name, string indexed for edits)
            (name, flat) for name, flat in zip(ordered, flats, strict=True) if len(flat) >= min_edit
        ]
        starts, ends = _AFFIX_STARTS, _AFFIX_ENDS
        affixed = [
            (name, tuple(name.split("-")))
            for name, flat in zip(ordered, flats, strict=True)
            if flat.startswith(starts) or flat.endswith(ends) or "-" in name
        ]
        core_rows: list[tuple[str, tuple[str, str]]] = []
        for name, tokens in affixed:
            if len(tokens) > 1 and not (
                tokens[0] in _PREFIX_WORDS
                or tokens[-1] in _SUFFIX_WORDS
                or tokens[0].startswith(starts)
                or tokens[-1].endswith(ends)
            ):
                continue
            for rest, affix in strip_affix(tokens):
                core = "".join(rest)
                core_rows.append((core, (name, affix)))
                if (
                    len(core) > min_edit
                    and affix.strip("-") not in _DESCRIPTIVE
                    and name not in protected
                ):
                    texts.append((name, core))
        by_core = _grouped(*_columns(core_rows))
        # The singular of a plural name, for a typo that also drops its 's'
        # (``requst``): one edit from it at most (see ``_edits``).
        texts += [
            (name, flat[:-1])
            for name, flat in zip(ordered, flats, strict=True)
            if _PLURAL.match(flat) and flat[:-1] not in by_compact and name not in protected
        ]
        # How many popular names use each word (counted once per name).
        word_count = Counter(chain.from_iterable(map(frozenset, multi)))
        # Two plain edits can only reach weak_score against well-ranked targets:
        # only those are indexed by thirds, the rest by halves (one edit, or two
        # that leave a half intact).  A pair of slips scores more and could reach
        # deeper, but indexing every long name by thirds makes the index a sixth
        # larger and start-up slower for very few more matches.
        w = config.weights
        best_two = w.transformation[EDIT_DISTANCE] + w.second_edit + w.long_name[1]
        rank_limit = 10 ** ((w.magnet_base + best_two - config.weak_score) / w.magnet_per_decade)
        halves: list[tuple[int, str]] = []
        thirds: list[tuple[int, str]] = []
        for number, (name, text) in enumerate(texts):
            if len(text) < two_edit or rank[name] > rank_limit:
                halves.append((number, text))
            else:
                thirds.append((number, text))
        cut2 = [(len(t), len(t) // 2, t) for _, t in halves]
        cut3 = [(m, m // 3, 2 * m // 3, t) for m, t in ((len(t), t) for _, t in thirds)]
        keys = [f"p{m}:{t[:h]}" for m, h, t in cut2]
        keys += [f"s{m}:{t[h:]}" for m, h, t in cut2]
        keys += [f"a{m}:{t[:c1]}" for m, c1, _, t in cut3]
        keys += [f"b{m}:{t[c1:c2]}" for m, c1, c2, t in cut3]
        keys += [f"c{m}:{t[c2:]}" for m, _, c2, t in cut3]
        numbers = [n for n, _ in halves] * 2 + [n for n, _ in thirds] * 3
        # Most keys hold one number: an int, a list only for shared keys.
        pieces: dict[str, int | list[int]] = dict(zip(keys, numbers, strict=True))
        if len(pieces) < len(keys):
            shared = {key for key, count in Counter(keys).items() if count > 1}
            rows = [row for row in zip(keys, numbers, strict=True) if row[0] in shared]
            pieces.update(_grouped(*_columns(rows)))
        self._by_compact = by_compact
        self._by_visual = by_visual
        self._by_words = by_words
        self._by_core = by_core
        self._texts = texts
        self._pieces = pieces
        self._word_count = word_count

    # -- public ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rank)

    def rank(self, name: str) -> int | None:
        """The popular-list rank of a project, None when it is not listed."""
        return self._rank.get(canonical(name))

    def target_rank(self, name: str) -> int | None:
        """The (notional) rank of a protected name: listed, core or stdlib."""
        return self._targets.get(canonical(name))

    def origin(self, target: str) -> str:
        """Why ``target`` is protected (see ``ORIGINS``; "" when it is not)."""
        name = canonical(target)
        if name in self._rank:
            return POPULAR
        if name in CORE_NAMES:
            return CORE
        if name in self._policy_names:
            return POLICY
        return STDLIB if name in self._targets else ""

    def check(self, name: str, config: Config | None = None) -> list[Match]:
        """Matches for one name, best first; empty when it imitates nothing.

        ``config`` overrides the judgement thresholds (scores, popular gap) of the
        one the detector was built with; its index parameters are not used.
        """
        return self.judge(name, config)[0]

    def judge(
        self, name: str, config: Config | None = None, near: int = 0
    ) -> tuple[list[Match], list[Match]]:
        """(the matches at or above the warn line, best first; up to ``near``
        of those below it, best first): ``check`` and ``check-names --verbose``."""
        own = canonical(name.strip())
        if not own or own in self._policy_names:
            return [], []  # nothing, or one of the team's own names
        config = config or self.config
        own_rank = self._rank.get(own)
        best: dict[str, tuple[float, _Hit]] = {}
        for hit in self._hits(own):
            if hit.target == own:
                continue
            if hit.target in self._word_only and (
                hit.transformation in _COMBINED or _COMBINED.intersection(hit.also)
            ):
                continue  # a standard-library name is a word in combinations
            target_rank = self._targets[hit.target]
            if own_rank is not None and own_rank < target_rank * config.popular_gap:
                continue  # both popular, and the gap is not wide enough
            score = hit.points + config.weights.magnet(target_rank)
            current = best.get(hit.target)
            if current is None or score > current[0]:
                best[hit.target] = (score, hit)

        def ranked(scored: Iterable[tuple[float, _Hit]]) -> list[Match]:
            matches = [
                Match(
                    target=NormalizedName(hit.target),
                    target_rank=self._targets[hit.target],
                    transformation=hit.transformation,
                    detail=hit.detail,
                    strong=score >= config.strong_score and own_rank is None,
                    score=round(score, 3),
                    also=hit.also,
                    origin=self.origin(hit.target),
                )
                for score, hit in scored
            ]
            matches.sort(key=lambda m: (-m.score, m.target_rank))
            return matches

        flagged = ranked(sh for sh in best.values() if sh[0] >= config.weak_score)
        if not near:
            return flagged, []
        below = ranked(sh for sh in best.values() if sh[0] < config.weak_score)
        return flagged, below[:near]

    def related_targets(self, name: str) -> tuple[NormalizedName, ...]:
        """The targets of the strong and weak matches of a name."""
        return tuple(m.target for m in self.check(name))

    def check_names(
        self, names: Iterable[str], config: Config | None = None, near: int = 0
    ) -> list[NameResult]:
        """Judge each name; one that is no valid project name is judged invalid
        instead (PyPI could not hold it, nor pip install it).  With ``near``,
        each result also holds up to that many matches below the warn line."""
        config = config or self.config
        results = []
        for n in names:
            if not is_project_name(n):
                results.append(NameResult(n, canonicalize_name(n), (), valid=False))
                continue
            flagged, below = self.judge(n, config, near)
            close = tuple(below) if near else None
            results.append(NameResult(n, canonicalize_name(n), tuple(flagged), near=close))
        return results

    # -- views ----------------------------------------------------------------

    def _hits(self, name: str) -> Iterator[_Hit]:
        w = self.config.weights.transformation
        tokens = tuple(name.split("-"))
        flat = "".join(tokens)
        # Separators and word order: the same letters, or the same words reordered.
        for target in self._by_compact.get(flat, ()):
            yield _Hit(target, SEPARATOR, (), "separators added, removed or changed", w[SEPARATOR])
        if len(tokens) > 1:
            for target in self._by_words.get(tuple(sorted(tokens)), ()):
                yield _Hit(target, WORD_ORDER, (), "the same words in another order", w[WORD_ORDER])
        # Homoglyphs over the whole name.
        skeleton = visual(flat)
        for target in (*self._by_compact.get(skeleton, ()), *self._by_visual.get(skeleton, ())):
            if target.replace("-", "") != flat:
                yield _Hit(target, HOMOGLYPH, (), "visually confusable characters", w[HOMOGLYPH])
        # Typos of the whole name, and of the name with one repeated letter
        # taken out (a doubled or tripled letter on top of another typo).
        yield from self._edits(flat, len(tokens), (), "", 0.0)
        extra = self.config.weights.repeat_and_edit
        for squeezed in _squeezed(flat):
            detail = "a letter repeated; "
            yield from self._edits(
                squeezed, len(tokens), (REPEATED_CHAR,), detail, extra, one_edit=True
            )
        # Affixes: the name is a popular name without its affix, or the name's
        # cores match popular names or their own cores.
        for target, theirs in self._by_core.get(flat, ()):
            points, _, wordy = self._affix_points(theirs)
            points += self._specific(flat, shared=wordy)
            yield _Hit(target, AFFIX, (), f"'{theirs}' of {target} left out", points)
        for core, affix in cores(name):
            yield from self._core_hits(core, affix)
        if len(tokens) > 1:
            yield from self._combos(tokens)
        # A glued word alone is a name; inside a longer name it is a compound word
        # of a description ("tokenspeed-tritonblas").
        inner = self.config.weights.glued_in_words if len(tokens) > 1 else 0.0
        for token in tokens:
            yield from self._glued(token, inner)

    def _specific(self, word: str, shared: bool) -> float:
        """Points for how distinctive a word is (negative for short or shared ones)."""
        weights = self.config.weights
        points = weights.shared(self._word_count.get(word, 0)) if shared else 0.0
        if len(word) <= weights.short_core[0]:
            points += weights.short_core[1]
        return points

    def _affix_points(self, *affixes: str) -> tuple[float, bool, bool]:
        """(points, descriptive, wordy): a descriptive affix (-sdk, a version
        digit) is weaker than a variant one; a wordy one (-sdk, not a digit)
        makes an add-on, so the core's popularity as a shared word counts."""
        weights = self.config.weights
        words = [word for affix in affixes for word in _affix_words(affix)]
        wordy = any(word in _DESCRIPTIVE for word in words)
        descriptive = wordy or any(word.isdigit() for word in words)
        points = weights.transformation[AFFIX] + (weights.descriptive_affix if descriptive else 0)
        if "s" in words:
            points += weights.plural
        return points - 0.5 * max(len(words) - 1, 0), descriptive, wordy

    def _core_hits(self, core: str, affix: str) -> Iterator[_Hit]:
        base, descriptive, wordy = self._affix_points(affix)
        specific = self._specific(core, shared=wordy)
        for target in self._by_compact.get(core, ()):
            yield _Hit(target, AFFIX, (), f"'{affix}' added to the name", base + specific)
        # Affix substitution: the target has an affix of its own (``python-foo``)
        # and ``affix`` (one or two stacked: ``pyfoo``, ``pyfoo-dev``) replaces it.
        for target, theirs in self._by_core.get(core, ()):
            points, _, _ = self._affix_points(affix, theirs)
            if not descriptive and theirs.strip("-").isdigit():
                # Only the candidate's own affix makes it an add-on (``-sdk``);
                # the target's version digit (``sqlite3``) says nothing of it.
                points -= self.config.weights.descriptive_affix
            detail = f"'{affix}' where {target} has '{theirs}'"
            yield _Hit(target, AFFIX, (), detail, points + specific)
        weights = self.config.weights
        extra = specific + weights.in_affixed + (weights.descriptive_affix if descriptive else 0)
        yield from self._edits(core, 1, (AFFIX,), f"'{affix}' added; ", extra)

    def _combos(self, tokens: tuple[str, ...]) -> Iterator[_Hit]:
        weights = self.config.weights
        n = len(tokens)
        for i in range(n):
            for j in range(i + 1, n + 1):
                if j - i == n:
                    continue
                span = "".join(tokens[i:j])
                extras = tokens[:i] + tokens[j:]
                if len(span) < 4 or all(e in _PREFIX_WORDS or e in _SUFFIX_WORDS for e in extras):
                    continue  # affixes are judged as affixes
                specific = self._specific(span, shared=True)
                specific += weights.many_extras * (len(extras) - 1)
                points = weights.transformation[COMBOSQUAT] + specific
                note = f"extra word(s) '{'-'.join(extras)}'"
                for target in self._by_compact.get(span, ()):
                    yield _Hit(target, COMBOSQUAT, (), note, points)
                # The core of an affixed popular name: a generic word once
                # ``python-`` or ``py`` is gone (``multipart``), but the brand
                # itself when only a version digit was (``beautifulsoup4``).
                for target, theirs in self._by_core.get(span, ()):
                    digit = theirs.strip("-").isdigit()
                    yield _Hit(target, COMBOSQUAT, (AFFIX,), note, points - (0 if digit else 0.5))
                if len(span) >= 6:
                    extra = specific + weights.in_combo
                    yield from self._edits(span, 1, (COMBOSQUAT,), f"{note}; ", extra)

    def _glued(self, token: str, extra: float) -> Iterator[_Hit]:
        weights = self.config.weights
        words = self._word_count
        if token in words or token in self._by_compact:
            return  # a known word on its own, not two glued together
        for k in range(2, len(token) - 1):
            head, tail = token[:k], token[k:]
            for part, rest in ((head, tail), (tail, head)):
                if len(part) < 5 or (rest not in words and rest not in self._by_compact):
                    continue
                points = weights.transformation[GLUED_WORD] + extra
                points += self._specific(part, shared=True)
                for target in self._by_compact.get(part, ()):
                    yield _Hit(target, GLUED_WORD, (), f"glued to '{rest}'", points)

    def _edits(
        self,
        text: str,
        words: int,
        also: tuple[str, ...],
        prefix: str,
        extra: float,
        one_edit: bool = False,
    ) -> Iterator[_Hit]:
        """Popular names (or their cores) within the length-dependent edit bound
        (one edit at most with ``one_edit``: the caller has spent the other)."""
        config = self.config
        weights = config.weights
        if len(text) < config.min_edit_length:
            return
        numbers: set[int] = set()
        for key in _probes(text, config.min_edit_length, config.two_edit_length):
            held = self._pieces.get(key)
            if held is None:
                continue
            if isinstance(held, int):
                numbers.add(held)
            else:
                numbers.update(held)
        letters = set(text)
        for number in numbers:
            target, other = self._texts[number]
            if other == text:
                continue
            whole = target.replace("-", "")
            singular = other + "s" == whole  # the plural 's' dropped too
            long = min(len(other), len(text)) >= config.two_edit_length
            bound = 2 if long and not one_edit and not singular else 1
            # Each edit changes the set of letters used by two at most: a cheap
            # filter before the alignment.
            if len(letters.symmetric_difference(other)) > 2 * bound:
                continue
            distance = osa_distance(text, other, bound)
            if distance > bound:
                continue
            shapes: tuple[str, ...] = ()
            if distance == 1:
                kind, detail = edit_kind(text, other)
                points = weights.transformation[kind]
            else:
                kind = EDIT_DISTANCE
                shapes, detail, points = self._pair(text, other)
            points += weights.length(len(other)) + extra
            if singular:  # a second slip: the last letter left out
                shapes = (*shapes, OMITTED_CHAR) if kind != OMITTED_CHAR else shapes
                detail = f"{detail}, and the final 's' left out"
                points += weights.second_edit
            first = text[0] != other[0] and kind != HOMOGLYPH
            if first or (kind == EDIT_DISTANCE and _changes_word_start(text, other, target, whole)):
                points += weights.first_letter
            if also and (other == text + "s" or text == other + "s"):
                points += weights.plural_in_combo
            if also[:1] in ((), (REPEATED_CHAR,)) and words != target.count("-") + 1:
                points += weights.separators_differ
            if other != whole and not also and not singular:
                in_core = f"{detail} (in '{other}')"
                yield _Hit(target, kind, (AFFIX, *shapes), in_core, points - 0.5)
            elif also:
                yield _Hit(target, also[0], (kind, *shapes), prefix + detail, points)
            else:
                yield _Hit(target, kind, shapes, detail, points)

    def _pair(self, candidate: str, target: str) -> tuple[tuple[str, ...], str, float]:
        """(the edits' shapes, detail, points) of a match two edits away: the best
        of its alignments, each counting as its weaker edit, never less than
        two plain edits."""
        weights = self.config.weights.transformation
        plain = weights[EDIT_DISTANCE]
        best: tuple[float, tuple[str, ...], str] | None = None
        for (first, second), detail in two_edits(candidate, target):
            points = max(plain, min(weights[first], weights[second]))
            if best is None or points > best[0]:
                shapes = tuple(k for k in dict.fromkeys((first, second)) if k != EDIT_DISTANCE)
                best = (points, shapes, detail)
        points, shapes, detail = best or (plain, (), "two characters changed")
        return shapes, detail, points + self.config.weights.second_edit


def _changes_word_start(text: str, other: str, target: str, whole: str) -> bool:
    """True when, in a multi-word name, a substitution changes the first letter
    of a later word (``requests-mock`` -> ``requests-sock``: another word, not
    a slip; a keyboard neighbour or a swap there is still a slip)."""
    if other != whole or len(text) != len(other) or "-" not in target:
        return False
    starts, at = set(), 0
    for word in target.split("-"):
        starts.add(at)
        at += len(word)
    return any(text[i] != other[i] for i in starts)


# ----------------------------------------------------------------------------
# The shipped index: the default detector's indices, precomputed
#
# Building the indices takes about 100 ms of Python-level work; loading them
# from ``guard/data/typosquat-index.txt`` takes a third of that.  The file is
# one header line with the fingerprint of the inputs (popular names, the
# configuration, the protected names of this interpreter, the format), then the
# zlib-compressed ``marshal`` of ``Detector.state()`` in base64.  It ships inside
# the package (the same trust as the code); any mismatch, or a blob this
# interpreter cannot read, means the indices are built instead.
# ``benchmarks/build_typosquat_index.py`` writes it.

INDEX_FILE = "typosquat-index.txt"
INDEX_FORMAT = 1
_INDEX_HEADER = "safepip typosquat index "


def fingerprint(names: Sequence[str], config: Config) -> str:
    """What the indices depend on, hashed."""
    digest = hashlib.sha256()
    for part in (
        f"{INDEX_FORMAT} {marshal.version}",
        repr(config),
        repr(sorted(protected_names(config).items())),
        "\n".join(names),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def index_text(detector: Detector, names: Sequence[str]) -> str:
    """The content of the shipped index file for ``detector`` built from ``names``."""
    blob = zlib.compress(marshal.dumps(detector.state()), 9)
    header = _INDEX_HEADER + fingerprint(names, detector.config)
    return header + "\n" + base64.encodebytes(blob).decode("ascii")


def _shipped_state(key: str) -> tuple[Any, ...] | None:
    """The shipped indices when their fingerprint is ``key``, else None."""
    try:
        text = resources.files("guard.data").joinpath(INDEX_FILE).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    header, _, body = text.partition("\n")
    if header != _INDEX_HEADER + key:
        return None
    try:
        blob = zlib.decompress(base64.decodebytes(body.encode("ascii")))
        state = marshal.loads(blob)  # noqa: S302 - our own file, shipped with the code
    except (ValueError, EOFError, TypeError, zlib.error):
        return None
    return state if isinstance(state, tuple) and len(state) == 10 else None


# ----------------------------------------------------------------------------
# The detector in use


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector built from the popular list in use (user copy or shipped)."""
    from guard.index import popular  # noqa: PLC0415 - keeps import of this module cheap

    return Detector(popular.load().names)


@lru_cache(maxsize=4)
def _protecting(names: tuple[str, ...]) -> Detector:
    from guard.index import popular  # noqa: PLC0415 - keeps import of this module cheap

    return Detector(popular.load().names, Config(protected=names))


def detector_for(protected: Iterable[str] = ()) -> Detector:
    """The default detector, or one that also protects the policy's ``protected``
    names (built, not loaded from the shipped index: about 0.1 s, once)."""
    names = tuple(sorted({canonical(n) for n in protected if n.strip()}))
    return _protecting(names) if names else default_detector()


def check_names(
    names: Iterable[str],
    detector: Detector | None = None,
    config: Config | None = None,
    near: int = 0,
) -> list[NameResult]:
    """Judge names alone (``safepip check-names``): offline and fast."""
    return (detector or default_detector()).check_names(names, config, near)


def related_targets(name: str, detector: Detector | None = None) -> tuple[NormalizedName, ...]:
    """Targets whose index metadata the pipeline should fetch for the exemptions."""
    return (detector or default_detector()).related_targets(name)
