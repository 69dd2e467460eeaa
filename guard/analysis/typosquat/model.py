"""The typosquat detector's vocabulary: transformation ids, origins, the
scoring weights and thresholds (``Weights``, ``Config``) and its results
(``Match``, ``NameResult``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.utils import NormalizedName

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

# Why a target is protected (``Detector.origin``).
POPULAR = "popular"  # on the popular list
CORE = "core"  # CORE_NAMES
STDLIB = "stdlib"  # a standard-library module
POLICY = "policy"  # named by the team's policy (``Config.protected``)
ORIGINS = (POPULAR, CORE, STDLIB, POLICY)


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
    # A popular candidate is flagged only when its rank >= gap * its target's rank; the
    # default is larger than the popular list is long, so no popular project is flagged
    # by name (the other rules judge established projects).
    popular_gap: float = 20_000.0
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
            "strength": self._strength(),
            "matches": [m.to_json() for m in self.matches],
            **self._near_json(),
        }

    def _strength(self) -> str | None:
        if not self.matches:
            return None
        return "strong" if self.strong else "weak"

    def _near_json(self) -> dict[str, object]:
        """The matches below the warn line, when they were asked for."""
        return {} if self.near is None else {"near": [_below(m) for m in self.near]}


def _below(match: Match) -> dict[str, object]:
    """A match below the warn line, in JSON: it has no strength."""
    return {**match.to_json(), "strength": None}
