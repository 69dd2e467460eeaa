"""Typosquat and look-alike detection against the popular-projects list: pure, offline.

How a name is judged
--------------------
A candidate is reduced to *views*: its compact form (separators removed), the
*cores* left after stripping well-known affixes (``python-``, ``py``, ``-sdk``,
a trailing version digit...), the word spans of a multi-word name (combosquats)
and the halves of a glued word.  Each view is looked up in indices built once
from the popular list: compact form, word multiset (word order), visual skeleton
(homoglyphs: ``rn``/``m``, ``l``/``1``, ``0``/``o``...) and a pigeonhole index
that finds the names within a Damerau-Levenshtein distance (optimal string
alignment) whose bound depends on length: none below ``min_edit_length``
characters, one edit up to ``two_edit_length``, two beyond.  A single edit is
named by its shape: adjacent swap, repeated character, omitted character,
keyboard neighbour, homoglyph, or a plain edit.

Every match scores ``transformation + magnet + specificity`` points (``Weights``):

* transformation: how rarely a benign author produces that relation by
  accident.  A swap of two letters or a changed separator is rarely innocent; a
  popular word plus another word (``flask-login``) usually is;
* magnet: typosquatters imitate the most-downloaded projects.  The target's rank
  gives ``magnet_base - magnet_per_decade * log10(rank)``: rank 1 counts 2 points,
  each tenfold drop in downloads costs 0.75, so rank 14,000 counts -1.1;
* specificity: edits on short names and combinations with words that many
  popular projects share (``django-*``, ``*-utils``) happen by chance, so they
  lose points; long names gain a little.

At or above ``strong_score`` a match is strong (the rule blocks); at or above
``weak_score`` it is weak (capped at warn).  A candidate that is itself popular
is never strong, and is weak only when its target is at least ``popular_gap``
times more popular, so ``pyaml`` is not a typosquat of ``pyyaml``, nor ``tomli``
of ``toml``.
"""

from __future__ import annotations

import gc
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

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
_PREFIX_WORDS = frozenset(VARIANT_PREFIXES)
_SUFFIX_WORDS = frozenset(VARIANT_SUFFIXES + DESCRIPTIVE_SUFFIXES)
_DESCRIPTIVE = frozenset(DESCRIPTIVE_SUFFIXES)
# Affixes that are glued on without a separator ("pythonkafka", "cryptographylib").
_GLUED_PREFIX = re.compile(r"^(python3|python|py3|py|lib)([a-z0-9]{3,})$")
_GLUED_SUFFIX = re.compile(r"^([a-z0-9]{3,}?)(python3|python|py3|py|lib|pkgs|pkg|sdk|api|[0-9])$")
_AFFIX_STARTS = ("py", "lib")
_AFFIX_ENDS = ("py", "python3", "py3", "lib", "pkg", "pkgs", "sdk", "api", *"0123456789")
_CANONICAL = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ALL_CANONICAL = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*\n)*[a-z0-9]+(?:-[a-z0-9]+)*\Z")

# Visual confusions, applied to the compact form: multi-letter ones first.
_VISUAL_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_VISUAL_CHARS = str.maketrans({"0": "o", "1": "l", "i": "l", "5": "s"})
_HOMOGLYPH_SINGLE = frozenset(
    frozenset(pair) for pair in (("0", "o"), ("1", "l"), ("1", "i"), ("i", "l"), ("5", "s"))
)

_KEY_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


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
    in_affixed: float = -1.0  # a typo inside an affixed name
    in_combo: float = -1.5  # a typo inside a combosquat or glued name
    separators_differ: float = -1.0  # a typo that also moves separators
    magnet_base: float = 2.0
    magnet_per_decade: float = 0.75
    # Specificity of edits: a short name has many accidental neighbours.
    short_name: tuple[tuple[int, float], ...] = ((4, -2.0), (5, -1.0), (6, -0.5))
    long_name: tuple[int, float] = (10, 0.5)
    # Specificity of combos: words many popular projects share are not a brand.
    shared_word: tuple[tuple[int, float], ...] = ((20, -3.0), (8, -2.0), (4, -1.0))
    short_core: tuple[int, float] = (4, -1.0)  # a core this short or shorter
    many_extras: float = -0.5  # per extra word beyond the first in a combosquat

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
    two_edit_length: int = 9  # compact length from which distance 2 is allowed
    weights: Weights = field(default_factory=Weights)


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

    @property
    def transformations(self) -> tuple[str, ...]:
        return (self.transformation, *self.also)


@dataclass(frozen=True)
class NameResult:
    """The judgement on one name, for ``check-names``."""

    name: str
    canonical: NormalizedName
    matches: tuple[Match, ...]

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
            "flagged": self.flagged,
            "targets": [m.target for m in self.matches],
            "transformation": best.transformation if best else None,
            "strength": ("strong" if self.strong else "weak") if best else None,
            "matches": [
                {
                    "target": m.target,
                    "target_rank": m.target_rank,
                    "transformation": m.transformation,
                    "also": list(m.also),
                    "strength": "strong" if m.strong else "weak",
                    "score": round(m.score, 2),
                    "detail": m.detail,
                }
                for m in self.matches
            ],
        }


# ----------------------------------------------------------------------------
# Name views


def canonical(name: str) -> str:
    """The canonical form (fast path for names that already are)."""
    return name if _CANONICAL.match(name) else canonicalize_name(name)


def visual(text: str) -> str:
    """A skeleton in which visually confusable spellings coincide."""
    for pair, single in _VISUAL_PAIRS:
        if pair in text:
            text = text.replace(pair, single)
    return text.translate(_VISUAL_CHARS)


def strip_affix(tokens: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    """(remaining words, affix) for each way of removing one affix."""
    out: list[tuple[tuple[str, ...], str]] = []
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
            for rest, affix in strip_affix(words):
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
                if extra in (before, after):
                    return REPEATED_CHAR, f"'{extra}' repeated"
                if extra.isdigit() and not after:
                    return VERSION_DIGIT, f"version digit '{extra}' appended"
                if before in _NEIGHBOURS.get(extra, ()) or after in _NEIGHBOURS.get(extra, ()):
                    return KEYBOARD_NEIGHBOUR, f"extra '{extra}' next to a neighbouring key"
                return EDIT_DISTANCE, f"extra '{extra}' inserted"
    elif len(candidate) + 1 == len(target):
        for i in range(len(target)):
            if target[:i] + target[i + 1 :] == candidate:
                if target[i].isdigit() and i == len(target) - 1:
                    return VERSION_DIGIT, f"version digit '{target[i]}' dropped"
                return OMITTED_CHAR, f"'{target[i]}' left out"
    return EDIT_DISTANCE, "one character changed"


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


@dataclass(frozen=True)
class _Hit:
    target: str
    transformation: str
    also: tuple[str, ...]
    detail: str
    points: float  # transformation and specificity points, before the magnet


class Detector:
    """Judges names against a popular list; build once, then ``check`` many names."""

    def __init__(self, names: Sequence[str], config: Config | None = None) -> None:
        """``names`` are popular projects, most downloaded first (rank = position + 1)."""
        self.config = config = config or Config()
        was_enabled = gc.isenabled()
        gc.disable()  # building allocates many small containers; collecting midway is waste
        try:
            self._build(names)
        finally:
            if was_enabled:
                gc.enable()

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
        ordered = list(rank)  # dicts keep insertion order: best rank first
        flats = joined.replace("-", "").split("\n")
        # One pass over a joined string is much faster than one call per name.
        skeletons = visual("\n".join(flats)).split("\n")
        by_compact: dict[str, list[str]] = {}
        by_visual: dict[str, list[str]] = {}  # only names whose skeleton differs
        by_words: dict[tuple[str, ...], list[str]] = {}
        by_core: dict[str, list[tuple[str, str]]] = {}
        multi: list[tuple[str, ...]] = []
        min_edit, two_edit = config.min_edit_length, config.two_edit_length
        texts: list[tuple[str, str]] = [  # (popular name, string indexed for edits)
            (name, flat) for name, flat in zip(ordered, flats, strict=True) if len(flat) >= min_edit
        ]
        starts, ends = _AFFIX_STARTS, _AFFIX_ENDS
        for name, flat, skeleton in zip(ordered, flats, skeletons, strict=True):
            found = by_compact.get(flat)
            if found is None:
                by_compact[flat] = [name]
            else:
                found.append(name)
            if skeleton != flat:
                by_visual.setdefault(skeleton, []).append(name)
            if "-" in name:
                tokens = tuple(name.split("-"))
                by_words.setdefault(tuple(sorted(tokens)), []).append(name)
                multi.append(tokens)
                if not (
                    tokens[0] in _PREFIX_WORDS
                    or tokens[-1] in _SUFFIX_WORDS
                    or tokens[0].startswith(starts)
                    or tokens[-1].endswith(ends)
                ):
                    continue
            elif flat.startswith(starts) or flat.endswith(ends):
                tokens = (flat,)
            else:
                continue
            for rest, affix in strip_affix(tokens):
                core = "".join(rest)
                by_core.setdefault(core, []).append((name, affix))
                if len(core) > min_edit and affix.strip("-") not in _DESCRIPTIVE:
                    texts.append((name, core))
        # How many popular names use each word (counted once per name).
        word_count = Counter(chain.from_iterable(map(frozenset, multi)))
        # Two edits can only reach weak_score against well-ranked targets: only
        # those are indexed by thirds, the rest by halves (one edit).
        w = config.weights
        best_two = w.transformation[EDIT_DISTANCE] + w.second_edit + w.long_name[1]
        rank_limit = 10 ** ((w.magnet_base + best_two - config.weak_score) / w.magnet_per_decade)
        pieces: dict[str, int | list[int]] = {}
        for number, (name, text) in enumerate(texts):
            m = len(text)
            if m < two_edit or rank[name] > rank_limit:
                h = m // 2
                keys: tuple[str, ...] = (f"p{m}:{text[:h]}", f"s{m}:{text[h:]}")
            else:
                c1, c2 = m // 3, 2 * m // 3
                keys = (f"a{m}:{text[:c1]}", f"b{m}:{text[c1:c2]}", f"c{m}:{text[c2:]}")
            for key in keys:
                held = pieces.get(key)
                if held is None:
                    pieces[key] = number
                elif isinstance(held, int):
                    pieces[key] = [held, number]
                else:
                    held.append(number)
        self._by_compact = by_compact
        self._by_visual = by_visual
        self._by_words = by_words
        self._by_core = by_core
        self._texts = texts
        self._pieces = pieces
        self._word_count: Mapping[str, int] = word_count

    # -- public ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rank)

    def rank(self, name: str) -> int | None:
        return self._rank.get(canonical(name))

    def check(self, name: str, config: Config | None = None) -> list[Match]:
        """Matches for one name, best first; empty when it imitates nothing.

        ``config`` overrides the judgement thresholds (scores, popular gap) of the
        one the detector was built with; its index parameters are not used.
        """
        own = canonical(name.strip())
        if not own:
            return []
        config = config or self.config
        own_rank = self._rank.get(own)
        best: dict[str, tuple[float, _Hit]] = {}
        for hit in self._hits(own):
            if hit.target == own:
                continue
            target_rank = self._rank[hit.target]
            if own_rank is not None and own_rank < target_rank * config.popular_gap:
                continue  # both popular, and the gap is not wide enough
            score = hit.points + config.weights.magnet(target_rank)
            current = best.get(hit.target)
            if current is None or score > current[0]:
                best[hit.target] = (score, hit)
        matches = [
            Match(
                target=NormalizedName(hit.target),
                target_rank=self._rank[hit.target],
                transformation=hit.transformation,
                detail=hit.detail,
                strong=score >= config.strong_score and own_rank is None,
                score=round(score, 3),
                also=hit.also,
            )
            for score, hit in best.values()
            if score >= config.weak_score
        ]
        matches.sort(key=lambda m: (-m.score, m.target_rank))
        return matches

    def related_targets(self, name: str) -> tuple[NormalizedName, ...]:
        """The targets of the strong and weak matches of a name."""
        return tuple(m.target for m in self.check(name))

    def check_names(self, names: Iterable[str]) -> list[NameResult]:
        return [
            NameResult(name=n, canonical=canonicalize_name(n), matches=tuple(self.check(n)))
            for n in names
        ]

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
        # Typos of the whole name.
        yield from self._edits(flat, len(tokens), (), "", 0.0)
        # Affixes: the name is a popular name without its affix, or the name's
        # cores match popular names or their own cores.
        for target, theirs in self._by_core.get(flat, ()):
            points, descriptive = self._affix_points(theirs)
            points += self._specific(flat, shared=descriptive)
            yield _Hit(target, AFFIX, (), f"'{theirs}' of {target} left out", points)
        for core, affix in cores(name):
            yield from self._core_hits(core, affix)
        if len(tokens) > 1:
            yield from self._combos(tokens)
        for token in tokens:
            yield from self._glued(token)

    def _specific(self, word: str, shared: bool) -> float:
        """Points for how distinctive a word is (negative for short or shared ones)."""
        weights = self.config.weights
        points = weights.shared(self._word_count.get(word, 0)) if shared else 0.0
        if len(word) <= weights.short_core[0]:
            points += weights.short_core[1]
        return points

    def _affix_points(self, *affixes: str) -> tuple[float, bool]:
        weights = self.config.weights
        words = [word for affix in affixes for word in _affix_words(affix)]
        descriptive = any(word in _DESCRIPTIVE or word.isdigit() for word in words)
        points = weights.transformation[AFFIX] + (weights.descriptive_affix if descriptive else 0)
        return points - 0.5 * max(len(words) - 1, 0), descriptive

    def _core_hits(self, core: str, affix: str) -> Iterator[_Hit]:
        base, descriptive = self._affix_points(affix)
        specific = self._specific(core, shared=descriptive)
        for target in self._by_compact.get(core, ()):
            yield _Hit(target, AFFIX, (), f"'{affix}' added to the name", base + specific)
        if " " not in affix:  # one affix each side at most
            for target, theirs in self._by_core.get(core, ()):
                points, _ = self._affix_points(affix, theirs)
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
                for target, _ in self._by_core.get(span, ()):
                    yield _Hit(target, COMBOSQUAT, (AFFIX,), note, points - 0.5)
                if len(span) >= 6:
                    extra = specific + weights.in_combo
                    yield from self._edits(span, 1, (COMBOSQUAT,), f"{note}; ", extra)

    def _glued(self, token: str) -> Iterator[_Hit]:
        weights = self.config.weights
        words = self._word_count
        if token in words or token in self._by_compact:
            return  # a known word on its own, not two glued together
        for k in range(2, len(token) - 1):
            head, tail = token[:k], token[k:]
            for part, rest in ((head, tail), (tail, head)):
                if len(part) < 5 or (rest not in words and rest not in self._by_compact):
                    continue
                points = weights.transformation[GLUED_WORD] + self._specific(part, shared=True)
                for target in self._by_compact.get(part, ()):
                    yield _Hit(target, GLUED_WORD, (), f"glued to '{rest}'", points)

    def _edits(
        self, text: str, words: int, also: tuple[str, ...], prefix: str, extra: float
    ) -> Iterator[_Hit]:
        """Popular names (or their cores) within the length-dependent edit bound."""
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
        for number in numbers:
            target, other = self._texts[number]
            if other == text:
                continue
            bound = 2 if min(len(other), len(text)) >= config.two_edit_length else 1
            distance = osa_distance(text, other, bound)
            if distance > bound:
                continue
            if distance == 1:
                kind, detail = edit_kind(text, other)
                points = weights.transformation[kind]
            else:
                kind, detail = EDIT_DISTANCE, "two characters changed"
                points = weights.transformation[EDIT_DISTANCE] + weights.second_edit
            points += weights.length(len(other)) + extra
            if not also and words != target.count("-") + 1:
                points += weights.separators_differ
            if other != target.replace("-", "") and not also:
                yield _Hit(target, kind, (AFFIX,), f"{detail} (in '{other}')", points - 0.5)
            elif also:
                yield _Hit(target, also[0], (kind,), prefix + detail, points)
            else:
                yield _Hit(target, kind, (), detail, points)


# ----------------------------------------------------------------------------
# The detector in use


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector built from the popular list in use (user copy or shipped)."""
    from guard import popular  # noqa: PLC0415 - keeps import of this module cheap

    return Detector(popular.load().names)


def check_names(names: Iterable[str], detector: Detector | None = None) -> list[NameResult]:
    """Judge names alone (``safepip check-names``): offline and fast."""
    return (detector or default_detector()).check_names(names)


def related_targets(name: str, detector: Detector | None = None) -> tuple[NormalizedName, ...]:
    """Targets whose index metadata the pipeline should fetch for the exemptions."""
    return (detector or default_detector()).related_targets(name)
