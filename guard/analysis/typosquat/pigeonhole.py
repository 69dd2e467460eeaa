"""The pigeonhole index that finds the popular strings within one or two edits
of a name: each popular string is indexed by its two halves (one edit leaves
one half intact), or by its three thirds when two edits are allowed against it
(two edits leave one third intact, the middle one shifted by at most two).
``piece_index`` builds it; ``probes`` lists the keys to look a name up by."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from guard.analysis.typosquat.tables import columns, grouped

Pieces = dict[str, int | list[int]]  # key -> text number, a list only for shared keys


def _half_keys(halves: Sequence[tuple[int, str]]) -> list[str]:
    """The prefix keys of ``halves``' texts, then their suffix keys."""
    cut2 = [(len(t), len(t) // 2, t) for _, t in halves]
    keys = [f"p{m}:{t[:h]}" for m, h, t in cut2]
    keys += [f"s{m}:{t[h:]}" for m, h, t in cut2]
    return keys


def _third_keys(thirds: Sequence[tuple[int, str]]) -> list[str]:
    """The keys of the first, middle and last thirds of ``thirds``' texts."""
    cut3 = [(m, m // 3, 2 * m // 3, t) for m, t in ((len(t), t) for _, t in thirds)]
    keys = [f"a{m}:{t[:c1]}" for m, c1, _, t in cut3]
    keys += [f"b{m}:{t[c1:c2]}" for m, c1, c2, t in cut3]
    keys += [f"c{m}:{t[c2:]}" for m, _, c2, t in cut3]
    return keys


def piece_index(halves: Sequence[tuple[int, str]], thirds: Sequence[tuple[int, str]]) -> Pieces:
    """Keys for each (number, text): halves for ``halves``, thirds for ``thirds``."""
    keys = _half_keys(halves) + _third_keys(thirds)
    numbers = [n for n, _ in halves] * 2 + [n for n, _ in thirds] * 3
    # Most keys hold one number: an int, a list only for shared keys.
    pieces: Pieces = dict(zip(keys, numbers, strict=True))
    if len(pieces) < len(keys):
        shared = {key for key, count in Counter(keys).items() if count > 1}
        rows = [row for row in zip(keys, numbers, strict=True) if row[0] in shared]
        pieces.update(grouped(*columns(rows)))
    return pieces


def probes(text: str, min_length: int, two_edit_length: int) -> Iterator[str]:
    """Keys under which popular strings within the edit bound of ``text`` are indexed.

    Pigeonhole: a popular string is indexed by its two halves, or by its three
    thirds when two edits are allowed against it (see ``piece_index``).  One
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


def numbers_near(pieces: Pieces, text: str, min_length: int, two_edit_length: int) -> set[int]:
    """The numbers of the texts that share a key with ``text`` (candidates
    within the edit bound, and some beyond it)."""
    numbers: set[int] = set()
    for key in probes(text, min_length, two_edit_length):
        held = pieces.get(key)
        if held is None:
            continue
        if isinstance(held, int):
            numbers.add(held)
        else:
            numbers.update(held)
    return numbers
