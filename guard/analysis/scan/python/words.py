"""Finding any of many words in one search of a text (the quick looks' tool)."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters from the rarest in (lower-cased) Python source to the most common, as
# counted in popular projects' files; a character that is not listed counts as rarest.
_RARITY = "^$&?;~!%<+@|*7}{98zj5>/6\\4q3#`][21-k0wxv'by=:)g(\"h,.mufp_dcloinarste "


def any_in(source: str, words: tuple[str, ...]) -> bool:
    """One of ``words`` is in ``source`` (plain ``in`` looks, for the few words a
    quick look asks about once: cheaper than a pattern)."""
    for word in words:  # noqa: SIM110 - a loop, not any() of a generator: called per file
        if word in source:
            return True
    return False


def anchor(word: str) -> int:
    """The offset in ``word`` of its rarest character (where ``any_of`` stops)."""
    ranks = [_RARITY.find(c) for c in word]
    return ranks.index(min(ranks))


def any_of(words: Iterable[str]) -> re.Pattern[str]:
    """A regular expression that finds any of ``words`` (non-empty) in one pass.

    Each alternative starts with its word's rarest character, matches the rest of
    the word after it, then checks the whole word with a look-behind, so that the
    search only stops where one of those few characters is, and most stops end at
    the next character: much faster than a search per word, or than an alternation
    of the words, which stops at nearly every character.
    """
    by_char: dict[str, list[str]] = {}
    for word in words:
        at = anchor(word)
        whole = f"(?<={re.escape(word)})" if at else ""
        by_char.setdefault(word[at], []).append(re.escape(word[at + 1 :]) + whole)
    return re.compile("|".join(f"{re.escape(c)}(?:{'|'.join(a)})" for c, a in by_char.items()))


def whole_words(words: Iterable[str], after: str = "") -> str:
    """A regular expression (text) for any of ``words`` as a whole word (``\\b``
    before it) followed by ``after``: the same language as
    ``\\b(?:w1|w2)after``, but each alternative starts with its word's rarest
    character and checks the start behind it (as ``any_of`` does), so the search
    stops at those few characters only. A pattern that starts with ``\\b`` is
    tried at every place of the text: four to ten times slower. (For a search
    of a whole text: one that starts inside a word sees the letters before.)"""
    branches = []
    for word in words:
        at = anchor(word)
        branches.append(
            f"{re.escape(word[at])}(?<=\\b{re.escape(word[: at + 1])})"
            f"{re.escape(word[at + 1 :])}{f'(?:{after})' if after else ''}"
        )
    return "|".join(branches)


def trie(words: Iterable[str]) -> str:
    """A regular expression (text) that matches exactly ``words``, as a tree of
    their shared starts: at each place the engine tries the one branch of the
    next character, not every word in turn (twice as fast as the plain
    alternation for ``could_act``'s hundred words)."""
    unique = sorted(set(words))
    if not unique:
        return ""
    if "" in unique:
        rest = trie(w for w in unique if w)
        return f"(?:{rest})?" if rest else ""
    by_first: dict[str, list[str]] = {}
    for word in unique:
        by_first.setdefault(word[0], []).append(word[1:])
    branches = [re.escape(first) + trie(tails) for first, tails in by_first.items()]
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
