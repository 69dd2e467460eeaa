"""Unicode tricks: bidi controls, and identifiers that mix scripts or fold to others."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator

from guard.analysis.scan.hits import OBFUSCATED_CODE, Hit, snippet

# Embeddings, overrides and isolates: what reorders code on screen (Trojan Source),
# and the Arabic letter mark. (Not the right-to-left mark U+200F: right-to-left
# text needs it, Arabic, Persian and Kurdish date formats in a locale file, and it
# reorders no code.)
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u061c]")
NON_ASCII_LETTERS = re.compile(r"[^\W\x00-\x7f]+")
NON_ASCII = re.compile(r"[^\x00-\x7f]+")
MAX_WORDS = 200
_LOOK_ALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})
# The letters of those scripts that pass for Latin ones (after Unicode's
# confusables: Cyrillic U+0430 for "a", Greek U+03BF for "o"); Cherokee letters
# all count. A Greek letter a reader sees as Greek (mu in a unit, sigma, lambda)
# is notation, not disguise. Written as escapes: the letters themselves would
# be the very trick this detects.
_PASSES_FOR_LATIN = frozenset(  # Cyrillic lower, upper; Greek lower, upper; Armenian
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0455\u0456\u0458\u0501\u04bb"
    "\u051b\u051d\u04cf\u0475\u04af\u0432\u043a\u043c\u043d\u0442"
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0405"
    "\u0406\u0408\u0423\u051a\u051c\u04ae"
    "\u03bf\u03b9\u03bd\u03c1\u03ba\u03c5\u03b1\u03b3"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4"
    "\u03a5\u03a7"
    "\u0585\u057d\u0581\u0570\u0578\u0566"
)


def unicode_hits(source: str, lines: list[str], names: set[str] | None) -> Iterator[Hit]:
    """Bidi controls anywhere; identifiers that mix scripts or fold to other names.

    ``names`` are the identifiers the parser saw (already NFKC-folded by Python);
    a word of the text counts as an identifier when its folded form is one of
    them. Without a parse (``None``) every word counts.
    """
    if source.isascii():
        return
    bidi = BIDI.search(source)
    if bidi:
        line = source.count("\n", 0, bidi.start()) + 1
        what = f"bidirectional control character U+{ord(bidi.group(0)):04X}"
        yield Hit(OBFUSCATED_CODE, "bidi", 3.5, line, snippet(lines, line), what)
    for start, word, folded in _identifiers(source, names):
        what = _trick(word, folded)
        if what:
            line = source.count("\n", 0, start) + 1
            yield Hit(OBFUSCATED_CODE, "homoglyph", 3.0, line, snippet(lines, line), what)
            return


def _identifiers(source: str, names: set[str] | None) -> Iterator[tuple[int, str, str]]:
    """(start, word, NFKC-folded word) of the first ``MAX_WORDS`` non-ASCII words
    that are identifiers."""
    for start, word in _words(source):
        folded = unicodedata.normalize("NFKC", word)
        if names is None or folded in names:
            yield start, word, folded


def _words(source: str) -> Iterator[tuple[int, str]]:
    """(start, word) of the words around the first ``MAX_WORDS`` runs of non-ASCII
    letters, each word once; numbers left out."""
    seen: set[int] = set()
    for match in itertools.islice(_non_ascii_letters(source), MAX_WORDS):
        start, end = _word_bounds(source, match.start(), match.end())
        if start not in seen:
            seen.add(start)
            word = source[start:end]
            if word and not word[0].isdigit():
                yield start, word


def _word_bounds(source: str, start: int, end: int) -> tuple[int, int]:
    """The whole word (letters, digits, ``_``) around ``source[start:end]``."""
    while start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_"):
        start -= 1
    while end < len(source) and (source[end].isalnum() or source[end] == "_"):
        end += 1
    return start, end


def _trick(word: str, folded: str) -> str:
    """What is wrong with an identifier, or ''."""
    if _folds_to_ascii(word, folded):
        return f"identifier {word!r} is read by Python as {folded!r}"
    scripts = _scripts(word)
    if "LATIN" in scripts and scripts & _LOOK_ALIKE_SCRIPTS and _disguised(word):
        return f"identifier {word!r} mixes scripts ({', '.join(sorted(scripts))})"
    return ""


def _disguised(word: str) -> bool:
    """A letter of the word passes for a Latin one (see ``_PASSES_FOR_LATIN``)."""
    return any(ch in _PASSES_FOR_LATIN or "\u13a0" <= ch <= "\u13ff" for ch in word)


def _folds_to_ascii(word: str, folded: str) -> bool:
    """Non-ASCII letters that Python reads as an ASCII name (NFKC)."""
    return (
        folded != word
        and len(folded) >= 3
        and folded.isascii()
        and any(not ch.isascii() and unicodedata.category(ch).startswith("L") for ch in word)
    )


def _scripts(word: str) -> set[str]:
    found = set()
    for ch in word:
        if ch.isalpha():
            try:
                found.add(unicodedata.name(ch).split()[0])
            except ValueError:
                found.add("?")
    return found


def _non_ascii_letters(source: str) -> Iterator[re.Match[str]]:
    """The ``NON_ASCII_LETTERS`` matches in order, looked for only inside runs of
    non-ASCII characters (a much quicker search than theirs)."""
    for run in NON_ASCII.finditer(source):
        yield from NON_ASCII_LETTERS.finditer(source, run.start(), run.end())
