"""What every report format shares: the order of packages and the words for decisions."""

from __future__ import annotations

from collections.abc import Sequence

from guard.models import Action, Judged, PackageVerdict

_WORDS = {Action.BLOCK: "block", Action.WARN: "warn", Action.IGNORE: "allow"}


def ordered(packages: Sequence[PackageVerdict]) -> list[PackageVerdict]:
    """Blocked packages first, then warned, then allowed; by name within each."""
    return sorted(packages, key=lambda p: (-int(p.action), p.candidate.name))


def decision_word(action: Action) -> str:
    """block, warn or allow: a package's decision in reports."""
    return _WORDS[action]


def version_text(p: PackageVerdict) -> str:
    v = str(p.candidate.version)
    return "?" if v == "0" and not p.candidate.filename else v


def summary(p: PackageVerdict) -> str:
    """The project's one-line summary, from the index or else from the candidate."""
    return (p.project.summary if p.project else "") or p.candidate.summary


def shown(judged: Sequence[Judged]) -> list[Judged]:
    """The findings a report lists: every one that acts, and every one the policy waived."""
    return [j for j in judged if j.action is not Action.IGNORE or j.allowed_because]


def strictest_first(judged: Sequence[Judged]) -> list[Judged]:
    """The shown findings, blocks before warnings before waivers."""
    return sorted(shown(judged), key=lambda j: -int(j.action))
