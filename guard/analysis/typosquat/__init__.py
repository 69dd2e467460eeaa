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
``pyyaml``, nor ``tomli`` of ``toml``.

The package: ``model`` (ids, weights, thresholds, results), ``names`` (canonical
names, visual skeletons, the protected names), ``affixes``, ``distance`` (edit
distances and edit shapes), ``tables`` and ``pigeonhole`` (bulk tables, the
edit index), ``indices`` (building them), ``shipped`` (the precomputed index
file), ``matching`` (the views of a name, scored) and ``detector`` (the
judgement, and the detector in use)."""

from guard.analysis.typosquat.affixes import (
    DESCRIPTIVE_SUFFIXES,
    VARIANT_PREFIXES,
    VARIANT_SUFFIXES,
    cores,
    strip_affix,
)
from guard.analysis.typosquat.detector import (
    Detector,
    check_names,
    default_detector,
    detector_for,
    related_targets,
)
from guard.analysis.typosquat.distance import edit_kind, osa_distance, two_edits
from guard.analysis.typosquat.model import (
    ADJACENT_SWAP,
    AFFIX,
    COMBOSQUAT,
    CORE,
    EDIT_DISTANCE,
    GLUED_WORD,
    HOMOGLYPH,
    KEYBOARD_NEIGHBOUR,
    OMITTED_CHAR,
    ORIGINS,
    POLICY,
    POPULAR,
    REPEATED_CHAR,
    SEPARATOR,
    STDLIB,
    TRANSFORMATIONS,
    VERSION_DIGIT,
    WORD_ORDER,
    Config,
    Match,
    NameResult,
    Weights,
)
from guard.analysis.typosquat.names import (
    CORE_NAMES,
    canonical,
    is_project_name,
    protected_names,
    stdlib_names,
    visual,
)
from guard.analysis.typosquat.shipped import INDEX_FILE, INDEX_FORMAT, fingerprint, index_text

__all__ = [
    "ADJACENT_SWAP",
    "AFFIX",
    "COMBOSQUAT",
    "CORE",
    "CORE_NAMES",
    "DESCRIPTIVE_SUFFIXES",
    "EDIT_DISTANCE",
    "GLUED_WORD",
    "HOMOGLYPH",
    "INDEX_FILE",
    "INDEX_FORMAT",
    "KEYBOARD_NEIGHBOUR",
    "OMITTED_CHAR",
    "ORIGINS",
    "POLICY",
    "POPULAR",
    "REPEATED_CHAR",
    "SEPARATOR",
    "STDLIB",
    "TRANSFORMATIONS",
    "VARIANT_PREFIXES",
    "VARIANT_SUFFIXES",
    "VERSION_DIGIT",
    "WORD_ORDER",
    "Config",
    "Detector",
    "Match",
    "NameResult",
    "Weights",
    "canonical",
    "check_names",
    "cores",
    "default_detector",
    "detector_for",
    "edit_kind",
    "fingerprint",
    "index_text",
    "is_project_name",
    "osa_distance",
    "protected_names",
    "related_targets",
    "stdlib_names",
    "strip_affix",
    "two_edits",
    "visual",
]
