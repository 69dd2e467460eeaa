"""Edit distances between names and the shapes of their edits.

``osa_distance`` is the Damerau-Levenshtein distance (optimal string
alignment), bounded; ``edit_kind`` names a single edit by its shape (adjacent
swap, repeated character, omitted character, keyboard neighbour, homoglyph,
version digit, or a plain edit) and ``two_edits`` names both edits of a pair."""

from __future__ import annotations

from guard.analysis.typosquat.model import (
    ADJACENT_SWAP,
    EDIT_DISTANCE,
    HOMOGLYPH,
    KEYBOARD_NEIGHBOUR,
    OMITTED_CHAR,
    REPEATED_CHAR,
    VERSION_DIGIT,
)

_HOMOGLYPH_SINGLE = frozenset(
    frozenset(pair) for pair in (("0", "o"), ("1", "l"), ("1", "i"), ("i", "l"), ("5", "s"))
)

_KEY_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard() -> dict[str, frozenset[str]]:
    """QWERTY neighbours: same row +-1; row r col c touches row r+1 cols c-1 and c."""
    near: dict[str, set[str]] = {}
    for r, row in enumerate(_KEY_ROWS):
        below = _KEY_ROWS[r + 1] if r + 1 < len(_KEY_ROWS) else ""
        for c, key in enumerate(row):
            keys = near.setdefault(key, set())
            keys.update(row[i] for i in (c - 1, c + 1) if 0 <= i < len(row))
            for i in (c - 1, c):
                if 0 <= i < len(below):
                    keys.add(below[i])
                    near.setdefault(below[i], set()).add(key)
    return {key: frozenset(keys) for key, keys in near.items()}


_NEIGHBOURS = _keyboard()


def _mismatch(a: str, b: str) -> int:
    """Index of the first character where ``a`` and ``b`` differ."""
    i, n = 0, min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _swapped_at(a: str, b: str, i: int) -> bool:
    """True when ``a`` and ``b`` have the two characters at ``i`` swapped."""
    return i + 1 < min(len(a), len(b)) and a[i] == b[i + 1] and a[i + 1] == b[i]


def within_one(a: str, b: str) -> bool:
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


def _rests(a: str, b: str) -> list[tuple[str, str]]:
    """What is left of ``a`` and ``b`` after each way of spending one edit at
    their first mismatch: a substitution, a deletion, an insertion or a swap."""
    i = _mismatch(a, b)
    options = [(a[i + 1 :], b[i + 1 :]), (a[i + 1 :], b[i:]), (a[i:], b[i + 1 :])]
    if _swapped_at(a, b, i):
        options.append((a[i + 2 :], b[i + 2 :]))
    return options


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
    if within_one(a, b):
        return 1
    if bound == 1:
        return 2
    options = _rests(a, b)
    if bound == 2:
        return 2 if any(within_one(x, y) for x, y in options) else 3
    return min(bound + 1, 1 + min(osa_distance(x, y, bound - 1) for x, y in options))


def _substitution_kind(candidate: str, target: str) -> tuple[str, str] | None:
    """The shape of a same-length edit: a swap or one substituted character."""
    diffs = [i for i, (x, y) in enumerate(zip(candidate, target, strict=True)) if x != y]
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
        i = diffs[0]
        return ADJACENT_SWAP, f"'{target[i : i + 2]}' swapped to '{candidate[i : i + 2]}'"
    if len(diffs) != 1:
        return None
    got, want = candidate[diffs[0]], target[diffs[0]]
    if frozenset((got, want)) in _HOMOGLYPH_SINGLE:
        return HOMOGLYPH, f"'{want}' replaced by the look-alike '{got}'"
    if got.isdigit() and want.isdigit():
        return VERSION_DIGIT, f"version digit '{want}' changed to '{got}'"
    if got in _NEIGHBOURS.get(want, ()):
        return KEYBOARD_NEIGHBOUR, f"'{want}' replaced by its keyboard neighbour '{got}'"
    return EDIT_DISTANCE, f"'{want}' replaced by '{got}'"


def _insertion_kind(candidate: str, target: str) -> tuple[str, str] | None:
    """The shape of one character added to ``target``."""
    for i in range(len(candidate)):
        if candidate[:i] + candidate[i + 1 :] != target:
            continue
        before = candidate[i - 1] if i > 0 else ""
        after = candidate[i + 1] if i + 1 < len(candidate) else ""
        return _extra_kind(candidate[i], before, after)
    return None


def _extra_kind(extra: str, before: str, after: str) -> tuple[str, str]:
    """The shape of an ``extra`` character inserted between ``before`` and ``after``."""
    if extra.isdigit() and (not after or before.isdigit() or after.isdigit()):
        return VERSION_DIGIT, f"version digit '{extra}' added"  # cu12 -> cu112
    if extra in (before, after):
        return REPEATED_CHAR, f"'{extra}' repeated"
    if before in _NEIGHBOURS.get(extra, ()) or after in _NEIGHBOURS.get(extra, ()):
        return KEYBOARD_NEIGHBOUR, f"extra '{extra}' next to a neighbouring key"
    return EDIT_DISTANCE, f"extra '{extra}' inserted"


def _omission_kind(candidate: str, target: str) -> tuple[str, str] | None:
    """The shape of one character of ``target`` left out."""
    for i in range(len(target)):
        if target[:i] + target[i + 1 :] != candidate:
            continue
        near = target[i - 1 : i] + target[i + 1 : i + 2]
        if target[i].isdigit() and (i == len(target) - 1 or any(map(str.isdigit, near))):
            return VERSION_DIGIT, f"version digit '{target[i]}' dropped"
        return OMITTED_CHAR, f"'{target[i]}' left out"
    return None


def edit_kind(candidate: str, target: str) -> tuple[str, str]:
    """Name the single edit that turns ``target`` into ``candidate``."""
    found: tuple[str, str] | None = None
    if len(candidate) == len(target):
        found = _substitution_kind(candidate, target)
    elif len(candidate) == len(target) + 1:
        found = _insertion_kind(candidate, target)
    elif len(candidate) + 1 == len(target):
        found = _omission_kind(candidate, target)
    return found or (EDIT_DISTANCE, "one character changed")


def _middles(candidate: str, target: str) -> list[str]:
    """``target`` after one edit at the first mismatch: an omission, a
    substitution, a swap or an insertion (the first of two edits)."""
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
    return middles


def two_edits(candidate: str, target: str) -> list[tuple[tuple[str, str], str]]:
    """For a ``candidate`` two edits away from ``target`` (optimal string
    alignment), each way of getting there: the shapes of the two edits (as
    ``edit_kind`` names them) and a description.  The first edit is made at the
    first mismatch (an omission, a substitution, a swap or an insertion), the
    second is what is left."""
    out: list[tuple[tuple[str, str], str]] = []
    for middle in _middles(candidate, target):
        if middle not in (candidate, target) and within_one(candidate, middle):
            first, first_detail = edit_kind(middle, target)
            second, second_detail = edit_kind(candidate, middle)
            out.append(((first, second), f"{first_detail}, then {second_detail}"))
    return out


def squeezed(text: str) -> list[str]:
    """``text`` with one letter of a repeated run taken out, for each such run."""
    out: list[str] = []
    for i in range(1, len(text)):
        last_of_run = i + 1 == len(text) or text[i + 1] != text[i]
        if text[i] == text[i - 1] and last_of_run and text[i].isalpha():
            out.append(text[:i] + text[i + 1 :])
    return out


def changes_word_start(text: str, other: str, target: str, whole: str) -> bool:
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
