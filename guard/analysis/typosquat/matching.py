"""The matches of one name against the indices: each view of the name (compact
form, squeezed repeats, affix-stripped cores, word spans, glued halves) looked
up in the indices, and scored for its transformation and specificity (the
magnet of the target's rank is the detector's)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from guard.analysis.typosquat.affixes import (
    DESCRIPTIVE,
    PREFIX_WORDS,
    SUFFIX_WORDS,
    affix_words,
    cores,
)
from guard.analysis.typosquat.distance import (
    changes_word_start,
    edit_kind,
    osa_distance,
    squeezed,
    two_edits,
)
from guard.analysis.typosquat.indices import Indices
from guard.analysis.typosquat.model import (
    AFFIX,
    COMBOSQUAT,
    EDIT_DISTANCE,
    GLUED_WORD,
    HOMOGLYPH,
    OMITTED_CHAR,
    REPEATED_CHAR,
    SEPARATOR,
    WORD_ORDER,
    Config,
)
from guard.analysis.typosquat.names import visual
from guard.analysis.typosquat.pigeonhole import numbers_near


@dataclass(frozen=True)
class Hit:
    """A target a view of the name matches, before the target's magnet."""

    target: str
    transformation: str
    also: tuple[str, ...]
    detail: str
    points: float  # transformation and specificity points, before the magnet


@dataclass(frozen=True, slots=True)
class _Near:
    """A string indexed for edits (``other``, of ``target``) within the bound of ``text``."""

    text: str
    other: str
    target: str
    whole: str  # the target's compact form
    singular: bool  # ``other`` is the singular of a plural target
    distance: int


def _spans(tokens: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(span, the other words) for each run of words short of the whole name,
    unless the span is short or the other words are all affixes (judged as such)."""
    n = len(tokens)
    for i in range(n):
        for j in range(i + 1, n + 1):
            if j - i == n:
                continue
            span = "".join(tokens[i:j])
            extras = tokens[:i] + tokens[j:]
            if len(span) < 4 or all(e in PREFIX_WORDS or e in SUFFIX_WORDS for e in extras):
                continue  # affixes are judged as affixes
            yield span, extras


def _first_letter_changed(near: _Near, kind: str) -> bool:
    """True when the edit changes the first letter of the name, or (a plain
    substitution) the first letter of a later word of it."""
    text, other = near.text, near.other
    if text[0] != other[0] and kind != HOMOGLYPH:
        return True
    return kind == EDIT_DISTANCE and changes_word_start(text, other, near.target, near.whole)


class Matcher:
    """Finds and scores the matches of names against one detector's indices."""

    def __init__(self, indices: Indices, config: Config) -> None:
        self.config = config
        self._by_compact = indices.by_compact
        self._by_visual = indices.by_visual
        self._by_words = indices.by_words
        self._by_core = indices.by_core
        self._texts = indices.texts
        self._pieces = indices.pieces
        self._word_count = indices.word_count

    def hits(self, name: str) -> Iterator[Hit]:
        """Every match of a canonical name's views (a target may come more than once)."""
        tokens = tuple(name.split("-"))
        flat = "".join(tokens)
        yield from self._same_letters(tokens, flat)
        # Typos of the whole name, and of the name with one repeated letter
        # taken out (a doubled or tripled letter on top of another typo).
        yield from self._edits(flat, len(tokens), (), "", 0.0)
        extra = self.config.weights.repeat_and_edit
        for text in squeezed(flat):
            detail = "a letter repeated; "
            yield from self._edits(
                text, len(tokens), (REPEATED_CHAR,), detail, extra, one_edit=True
            )
        yield from self._affixed(name, flat)
        if len(tokens) > 1:
            yield from self._combos(tokens)
        # A glued word alone is a name; inside a longer name it is a compound word
        # of a description ("tokenspeed-tritonblas").
        inner = self.config.weights.glued_in_words if len(tokens) > 1 else 0.0
        for token in tokens:
            yield from self._glued(token, inner)

    def _same_letters(self, tokens: tuple[str, ...], flat: str) -> Iterator[Hit]:
        """Separators and word order (the same letters, or the same words
        reordered), and homoglyphs over the whole name."""
        w = self.config.weights.transformation
        for target in self._by_compact.get(flat, ()):
            yield Hit(target, SEPARATOR, (), "separators added, removed or changed", w[SEPARATOR])
        if len(tokens) > 1:
            for target in self._by_words.get(tuple(sorted(tokens)), ()):
                yield Hit(target, WORD_ORDER, (), "the same words in another order", w[WORD_ORDER])
        skeleton = visual(flat)
        for target in (*self._by_compact.get(skeleton, ()), *self._by_visual.get(skeleton, ())):
            if target.replace("-", "") != flat:
                yield Hit(target, HOMOGLYPH, (), "visually confusable characters", w[HOMOGLYPH])

    def _affixed(self, name: str, flat: str) -> Iterator[Hit]:
        """Affixes: the name is a popular name without its affix, or the name's
        cores match popular names or their own cores."""
        for target, theirs in self._by_core.get(flat, ()):
            points, _, wordy = self._affix_points(theirs)
            points += self._specific(flat, shared=wordy)
            yield Hit(target, AFFIX, (), f"'{theirs}' of {target} left out", points)
        for core, affix in cores(name):
            yield from self._core_hits(core, affix)

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
        words = [word for affix in affixes for word in affix_words(affix)]
        wordy = any(word in DESCRIPTIVE for word in words)
        descriptive = wordy or any(word.isdigit() for word in words)
        points = weights.transformation[AFFIX] + (weights.descriptive_affix if descriptive else 0)
        if "s" in words:
            points += weights.plural
        return points - 0.5 * max(len(words) - 1, 0), descriptive, wordy

    def _core_hits(self, core: str, affix: str) -> Iterator[Hit]:
        base, descriptive, wordy = self._affix_points(affix)
        specific = self._specific(core, shared=wordy)
        for target in self._by_compact.get(core, ()):
            yield Hit(target, AFFIX, (), f"'{affix}' added to the name", base + specific)
        # Affix substitution: the target has an affix of its own (``python-foo``)
        # and ``affix`` (one or two stacked: ``pyfoo``, ``pyfoo-dev``) replaces it.
        for target, theirs in self._by_core.get(core, ()):
            points, _, _ = self._affix_points(affix, theirs)
            if not descriptive and theirs.strip("-").isdigit():
                # Only the candidate's own affix makes it an add-on (``-sdk``);
                # the target's version digit (``sqlite3``) says nothing of it.
                points -= self.config.weights.descriptive_affix
            detail = f"'{affix}' where {target} has '{theirs}'"
            yield Hit(target, AFFIX, (), detail, points + specific)
        weights = self.config.weights
        extra = specific + weights.in_affixed + (weights.descriptive_affix if descriptive else 0)
        yield from self._edits(core, 1, (AFFIX,), f"'{affix}' added; ", extra)

    def _combos(self, tokens: tuple[str, ...]) -> Iterator[Hit]:
        weights = self.config.weights
        for span, extras in _spans(tokens):
            specific = self._specific(span, shared=True)
            specific += weights.many_extras * (len(extras) - 1)
            points = weights.transformation[COMBOSQUAT] + specific
            note = f"extra word(s) '{'-'.join(extras)}'"
            for target in self._by_compact.get(span, ()):
                yield Hit(target, COMBOSQUAT, (), note, points)
            # The core of an affixed popular name: a generic word once
            # ``python-`` or ``py`` is gone (``multipart``), but the brand
            # itself when only a version digit was (``beautifulsoup4``).
            for target, theirs in self._by_core.get(span, ()):
                digit = theirs.strip("-").isdigit()
                yield Hit(target, COMBOSQUAT, (AFFIX,), note, points - (0 if digit else 0.5))
            if len(span) >= 6:
                extra = specific + weights.in_combo
                yield from self._edits(span, 1, (COMBOSQUAT,), f"{note}; ", extra)

    def _glued(self, token: str, extra: float) -> Iterator[Hit]:
        weights = self.config.weights
        for part, rest in self._glued_parts(token):
            points = weights.transformation[GLUED_WORD] + extra
            points += self._specific(part, shared=True)
            for target in self._by_compact.get(part, ()):
                yield Hit(target, GLUED_WORD, (), f"glued to '{rest}'", points)

    def _glued_parts(self, token: str) -> Iterator[tuple[str, str]]:
        """(part, rest) for each split of ``token`` into a word of five letters or
        more and a known word, unless ``token`` is a known word itself."""
        words = self._word_count
        if token in words or token in self._by_compact:
            return  # a known word on its own, not two glued together
        for k in range(2, len(token) - 1):
            head, tail = token[:k], token[k:]
            for part, rest in ((head, tail), (tail, head)):
                if len(part) >= 5 and (rest in words or rest in self._by_compact):
                    yield part, rest

    def _edits(
        self,
        text: str,
        words: int,
        also: tuple[str, ...],
        prefix: str,
        extra: float,
        one_edit: bool = False,
    ) -> Iterator[Hit]:
        """Popular names (or their cores) within the length-dependent edit bound
        (one edit at most with ``one_edit``: the caller has spent the other)."""
        config = self.config
        if len(text) < config.min_edit_length:
            return
        two_edit = config.two_edit_length
        letters = set(text)
        for number in numbers_near(self._pieces, text, config.min_edit_length, two_edit):
            target, other = self._texts[number]
            if other == text:
                continue
            whole = target.replace("-", "")
            singular = other + "s" == whole  # the plural 's' dropped too
            long = min(len(other), len(text)) >= two_edit
            bound = 2 if long and not one_edit and not singular else 1
            # Each edit changes the set of letters used by two at most: a cheap
            # filter before the alignment.
            if len(letters.symmetric_difference(other)) > 2 * bound:
                continue
            distance = osa_distance(text, other, bound)
            if distance <= bound:
                near = _Near(text, other, target, whole, singular, distance)
                yield self._edit_hit(near, words, also, prefix, extra)

    def _edit_hit(
        self, near: _Near, words: int, also: tuple[str, ...], prefix: str, extra: float
    ) -> Hit:
        weights = self.config.weights
        kind, shapes, detail, points = self._shape(near.text, near.other, near.distance)
        points += weights.length(len(near.other)) + extra
        if near.singular:  # a second slip: the last letter left out
            shapes = (*shapes, OMITTED_CHAR) if kind != OMITTED_CHAR else shapes
            detail = f"{detail}, and the final 's' left out"
            points += weights.second_edit
        points = self._slip_points(points, near, kind, words, also)
        if near.other != near.whole and not also and not near.singular:
            in_core = f"{detail} (in '{near.other}')"
            return Hit(near.target, kind, (AFFIX, *shapes), in_core, points - 0.5)
        if also:
            return Hit(near.target, also[0], (kind, *shapes), prefix + detail, points)
        return Hit(near.target, kind, shapes, detail, points)

    def _shape(
        self, text: str, other: str, distance: int
    ) -> tuple[str, tuple[str, ...], str, float]:
        """(kind, the shapes of a pair of edits, detail, points) of an edit match."""
        if distance == 1:
            kind, detail = edit_kind(text, other)
            return kind, (), detail, self.config.weights.transformation[kind]
        shapes, detail, points = self._pair(text, other)
        return EDIT_DISTANCE, shapes, detail, points

    def _slip_points(
        self, points: float, near: _Near, kind: str, words: int, also: tuple[str, ...]
    ) -> float:
        """``points`` less what makes the edit look like another word rather than a
        slip: a changed first letter, a plural in a combination, moved separators."""
        weights = self.config.weights
        text, other, target = near.text, near.other, near.target
        if _first_letter_changed(near, kind):
            points += weights.first_letter
        if also and (other == text + "s" or text == other + "s"):
            points += weights.plural_in_combo
        if also[:1] in ((), (REPEATED_CHAR,)) and words != target.count("-") + 1:
            points += weights.separators_differ
        return points

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
