"""The detector's indices over the protected names, built once.

Compact form (separators removed), word multiset (word order), visual skeleton
(homoglyphs), the cores of affixed names, the strings indexed for edits (whole
names, cores, the singular of a plural name) and their pigeonhole index, and
how many names use each word.  ``Indices.state`` is what the shipped index
file holds (see ``guard.analysis.typosquat.shipped``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from guard.analysis.typosquat.affixes import (
    AFFIX_ENDS,
    AFFIX_STARTS,
    DESCRIPTIVE,
    PLURAL,
    has_affix_shape,
    strip_affix,
)
from guard.analysis.typosquat.model import EDIT_DISTANCE, Config
from guard.analysis.typosquat.names import canonical_list, protected_names, visual
from guard.analysis.typosquat.pigeonhole import Pieces, piece_index
from guard.analysis.typosquat.tables import columns, grouped

Texts = list[tuple[str, str]]  # (target, string indexed for edits), numbered by position


@dataclass(frozen=True)
class Indices:
    """The look-up tables of one detector."""

    rank: dict[str, int]  # the popular list
    targets: dict[str, int]  # the popular list and the protected names, (notional) ranks
    word_only: frozenset[str]  # protected names that are words inside combinations
    by_compact: dict[str, list[str]]
    by_visual: dict[str, list[str]]
    by_words: dict[tuple[str, ...], list[str]]
    by_core: dict[str, list[tuple[str, str]]]
    texts: Texts
    pieces: Pieces
    word_count: Mapping[str, int]

    def state(self) -> tuple[Any, ...]:
        """The indices as plain data, for the shipped index file."""
        return (
            len(self.rank),
            self.targets,
            tuple(sorted(self.word_only)),  # a set's order varies from run to run
            self.by_compact,
            self.by_visual,
            self.by_words,
            self.by_core,
            self.texts,
            self.pieces,
            dict(sorted(self.word_count.items())),  # counted from sets: order varies
        )

    @classmethod
    def restore(cls, state: tuple[Any, ...]) -> Indices:
        """The indices from ``state()``."""
        popular, targets, word_only, *tables, word_count = state
        by_compact, by_visual, by_words, by_core, texts, pieces = tables
        return cls(
            rank=dict(islice(targets.items(), popular)),
            targets=targets,
            word_only=frozenset(word_only),
            by_compact=by_compact,
            by_visual=by_visual,
            by_words=by_words,
            by_core=by_core,
            texts=texts,
            pieces=pieces,
            word_count=word_count,
        )


def _ranked(names: Sequence[str]) -> tuple[dict[str, int], str]:
    """(canonical name: rank, the names joined by newlines); for duplicates the
    first (best) rank wins."""
    names, joined = canonical_list(names)
    rank = dict(zip(names, range(1, len(names) + 1), strict=True))
    if len(rank) != len(names):
        rank = {}
        for number, name in enumerate(names, start=1):
            rank.setdefault(name, number)
        joined = "\n".join(rank)
    return rank, joined


def _by_visual(ordered: Sequence[str], flats: Sequence[str]) -> dict[str, list[str]]:
    """Names by visual skeleton, only those whose skeleton differs from their compact form."""
    # One pass over a joined string is much faster than one call per name.
    skeletons = visual("\n".join(flats)).split("\n")
    return grouped(
        *columns([(k, n) for k, f, n in zip(skeletons, flats, ordered, strict=True) if k != f])
    )


def _affixed(ordered: Sequence[str], flats: Sequence[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(name, words) of the names that may carry an affix."""
    for name, flat in zip(ordered, flats, strict=True):
        if flat.startswith(AFFIX_STARTS) or flat.endswith(AFFIX_ENDS) or "-" in name:
            tokens = tuple(name.split("-"))
            if has_affix_shape(tokens):
                yield name, tokens


def _core_rows(
    ordered: Sequence[str], flats: Sequence[str], protected: Mapping[str, int], min_edit: int
) -> tuple[list[tuple[str, tuple[str, str]]], Texts]:
    """(core, (name, affix)) for each affix a name may carry, and the cores
    long and distinctive enough to be indexed for edits."""
    rows: list[tuple[str, tuple[str, str]]] = []
    texts: Texts = []
    for name, tokens in _affixed(ordered, flats):
        for rest, affix in strip_affix(tokens):
            core = "".join(rest)
            rows.append((core, (name, affix)))
            if (
                len(core) > min_edit
                and affix.strip("-") not in DESCRIPTIVE
                and name not in protected
            ):
                texts.append((name, core))
    return rows, texts


def _edit_texts(
    ordered: Sequence[str],
    flats: Sequence[str],
    protected: Mapping[str, int],
    by_compact: Mapping[str, list[str]],
    min_edit: int,
) -> tuple[dict[str, list[tuple[str, str]]], Texts]:
    """(names by core, the strings indexed for edits: whole names, cores, singulars)."""
    texts: Texts = [
        (name, flat) for name, flat in zip(ordered, flats, strict=True) if len(flat) >= min_edit
    ]
    rows, core_texts = _core_rows(ordered, flats, protected, min_edit)
    texts += core_texts
    by_core = grouped(*columns(rows))
    # The singular of a plural name, for a typo that also drops its 's'
    # (``requst``): one edit from it at most (see ``Matcher._edits``).
    texts += [
        (name, flat[:-1])
        for name, flat in zip(ordered, flats, strict=True)
        if PLURAL.match(flat) and flat[:-1] not in by_compact and name not in protected
    ]
    return by_core, texts


def _reach(
    texts: Texts, targets: Mapping[str, int], config: Config
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The numbered texts to index by halves (one edit), and by thirds (two).

    Two plain edits can only reach weak_score against well-ranked targets: only
    those are indexed by thirds, the rest by halves (one edit, or two that leave
    a half intact).  A pair of slips scores more and could reach deeper, but
    indexing every long name by thirds makes the index a sixth larger and
    start-up slower for very few more matches.
    """
    w = config.weights
    best_two = w.transformation[EDIT_DISTANCE] + w.second_edit + w.long_name[1]
    rank_limit = 10 ** ((w.magnet_base + best_two - config.weak_score) / w.magnet_per_decade)
    halves: list[tuple[int, str]] = []
    thirds: list[tuple[int, str]] = []
    for number, (name, text) in enumerate(texts):
        if len(text) < config.two_edit_length or targets[name] > rank_limit:
            halves.append((number, text))
        else:
            thirds.append((number, text))
    return halves, thirds


def _words(
    ordered: Sequence[str], protected: Mapping[str, int]
) -> tuple[dict[tuple[str, ...], list[str]], Counter[str]]:
    """(multi-word names by their sorted words, how many popular names use each
    word: counted once per name, protected names left out)."""
    hyphenated = [(name, tuple(name.split("-"))) for name in ordered if "-" in name]
    multi = [tokens for name, tokens in hyphenated if name not in protected]
    by_words = grouped([tuple(sorted(t)) for _, t in hyphenated], [n for n, _ in hyphenated])
    return by_words, Counter(chain.from_iterable(map(frozenset, multi)))


def build_indices(names: Sequence[str], config: Config) -> Indices:
    """The indices over ``names`` (popular, best first) and the protected names.

    Bulk construction (comprehensions, C-level grouping): start-up matters.
    """
    rank, joined = _ranked(names)
    # Targets: the popular list, then the protected names it lacks.
    protected = protected_names(config)
    extras = [name for name in protected if name not in rank]
    targets = {**rank, **{name: protected[name] for name in extras}}
    ordered = list(targets)  # dicts keep insertion order: best rank first
    if extras:
        joined = "\n".join((joined, *extras))
    flats = joined.replace("-", "").split("\n")
    by_compact = grouped(flats, ordered)
    by_words, word_count = _words(ordered, protected)
    by_core, texts = _edit_texts(ordered, flats, protected, by_compact, config.min_edit_length)
    return Indices(
        rank=rank,
        targets=targets,
        word_only=frozenset(extras),
        by_compact=by_compact,
        by_visual=_by_visual(ordered, flats),
        by_words=by_words,
        by_core=by_core,
        texts=texts,
        pieces=piece_index(*_reach(texts, targets, config)),
        word_count=word_count,
    )
