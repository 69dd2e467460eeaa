"""``placeholder-name``: a name that is a placeholder, a retired name or an import
name of a popular project: "did you mean scikit-learn?".

People type the name they import (``sklearn``, ``cv2``, ``yaml``) or an old
project's name (``beautifulsoup``); on PyPI those are placeholders that refuse to
build, dummies that pull the real project in, unmaintained code, or nothing at
all. The rule says which project was meant, from data:

- the project's own metadata: a summary or the start of its description that
  says it is deprecated, a placeholder or a dummy, and points at another project
  ("deprecated sklearn package, use scikit-learn instead"). The project pointed
  at counts only when it is on the popular list and more popular than the name,
  so a package cannot steer users to a name of its choosing;
- a small shipped table (``guard/data/aliases.txt``) of import names and
  retired names whose metadata says nothing, or that are not on PyPI.

A name the user asked for warns; one that only a dependency pulls in, or a dummy
that pulls the meant project in itself, is a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache

from packaging.utils import NormalizedName, canonicalize_name

from guard import data
from guard.analysis.typosquat import default_detector
from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import Context, RuleBase

ALIASES_FILE = "aliases.txt"
DESCRIPTION_START = 800  # characters of the description read (where notices sit)
NEARBY = 250  # characters between the notice and the project it points at

# A notice about the package itself (not "the --foo option is deprecated").
_NOTICE = re.compile(
    r"\b(?:this|the)\s+(?:\w+\s+)?(?:package|project|library|module|distribution)\s+"
    r"(?:is|has\s+been|was)\s+(?:now\s+)?(?:deprecated|discontinued|renamed|obsolete|"
    r"superseded|replaced|moved|unmaintained)"
    r"|\b(?:deprecated|dummy|placeholder|obsolete)\s+(?:[\w.-]+\s+)?(?:package|project)\b"
    r"|\bdiscontinu\w*|\bno\s+longer\s+maintained|\bnamesquat\w*|^\s*deprecated\b",
    re.IGNORECASE,
)
_POINTER = re.compile(
    r"\b(?:use|install|replaced by|renamed to|moved to|superseded by|in favou?r of)\s+"
    r"(?:the\s+)?(?:pip\s+)?(?:package\s+|project\s+)?[`'\"*]*"
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def shipped_aliases() -> Mapping[NormalizedName, tuple[NormalizedName, str]]:
    """name -> (the project meant, why), from ``guard/data/aliases.txt``."""
    text = data.read_text(ALIASES_FILE)
    table: dict[NormalizedName, tuple[NormalizedName, str]] = {}
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split(None, 2) if not line.startswith("#") else []
        if len(parts) == 3:
            table[canonicalize_name(parts[0])] = (canonicalize_name(parts[1]), parts[2].strip())
    return table


def _more_popular(target: str, name: NormalizedName) -> bool:
    detector = default_detector()
    rank, own = detector.rank(target), detector.rank(name)
    return rank is not None and (own is None or rank < own)


def pointed_at(name: NormalizedName, project: Project) -> tuple[NormalizedName, str] | None:
    """(the project its metadata points at, the words that say so), when the
    project's summary or the start of its description says it is deprecated or
    a placeholder and names a more popular project to use instead."""
    for text in (project.summary, project.description[:DESCRIPTION_START]):
        for match in _POINTER.finditer(text):
            target = canonicalize_name(match.group("name"))
            start, end = max(0, match.start() - NEARBY), match.end() + NEARBY
            if target == name or not _NOTICE.search(text[start:end]):
                continue
            if _more_popular(target, name):
                return target, f"its metadata says: {_sentence(text, match.start())!r}"
    return None


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n\s*\n|^#+ ", re.MULTILINE)


def _sentence(text: str, at: int) -> str:
    """The sentence of ``text`` around position ``at``, on one line, at most 200 characters."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    start = max([e for e in ends if e <= at], default=0)
    end = min([e for e in ends if e > at], default=len(text))
    words = " ".join(text[start:end].split())
    return words if len(words) <= 200 else words[:199] + "…"


def _pulls_in(candidate: Candidate, target: NormalizedName) -> bool:
    return any(name == target for name, _ in candidate.required())


class PlaceholderName(RuleBase):
    id = "placeholder-name"
    summary = (
        "The name is a placeholder, a retired name or an import name of a popular project "
        "(did you mean it?)."
    )
    rationale = (
        "`pip install sklearn` or `cv2` installs a placeholder, a dummy or nothing: the "
        "project meant has another name, and saying which saves a failed build or a "
        "squatter's package."
    )
    explain = """\
Detects a name that is not the project people mean by it: the project's own
summary or description says it is deprecated, a placeholder or a dummy and points
at a more popular project ("deprecated sklearn package, use scikit-learn instead"),
or the name is in the shipped table of import names and retired names
(guard/data/aliases.txt: sklearn, cv2, yaml, pil, beautifulsoup, ...). The project
pointed at must be on the popular list and more popular than the name.

A name you asked for warns, with "did you mean"; a name only a dependency pulls in,
or a dummy that pulls the meant project in itself (bs4), is a note.
"""
    default_action = Action.WARN
    modes = frozenset({"install"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        found = pointed_at(candidate.name, project) if project is not None else None
        if found is None:
            found = shipped_aliases().get(candidate.name)
        if found is None:
            return
        target, why = found
        dummy = _pulls_in(candidate, target)
        shim = f"; it only pulls {target} in" if dummy else ""
        yield Finding(
            self.id,
            f"{candidate.name} is not the project you may mean: {why}{shim}; "
            f"did you mean {target}?",
            remedy=f"install {target} instead, and use that name in your requirements",
            evidence=(("meant", str(target)),),
            weak=True,
            note=dummy or not candidate.requested,
        )


RULE = PlaceholderName()
