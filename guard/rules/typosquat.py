"""The ``typosquat`` rule: a name that imitates a popular project.

The judgement on the name is ``guard.analysis.typosquat.Detector``'s (typos, look-alikes,
affixes, combinations, with scores that know about popularity).  This rule adds
what the index says: a candidate is not a typosquat of a target when the same
PyPI users or organization own both, or when both declare the same source
repository.  The pipeline makes the targets' metadata available in
``ctx.projects`` (it asks ``guard.analysis.typosquat.related_targets`` which to fetch).

The policy's ``protect`` list names the team's own projects (internal packages
on a private index): a typo or an affix of one of them is judged like one of
the most popular projects, since an attacker who learns an internal name
publishes its look-alikes on PyPI.

Typosquatting targets people who type a name. A look-alike the user did not ask
for, that only established projects (10 releases over at least a year, by default)
pull in, directly or
through packages that only they pull in, was not typed by this user: its finding
is a note (``Finding.note``), unless something else about the package is off or
the match is strong enough to block. Anything the user asked for, or that a new
or unknown project pulls in, is judged as before, so a malicious package cannot
hide a look-alike behind itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import replace

from packaging.utils import NormalizedName

from guard.analysis.typosquat import Config, Detector, Match, detector_for
from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import (
    MAX_COUNT,
    MAX_DAYS,
    MAX_SCORE,
    Context,
    Param,
    RuleBase,
    Threshold,
    long_history,
)
from guard.rules.repository import claimed_repos

RULE_ID = "typosquat"


def exemption(project: Project | None, target: Project | None) -> str:
    """Why the candidate may use a name close to its target ('' when it may not)."""
    if project is None or target is None:
        return ""
    if project.ownership.shares_owner_with(target.ownership):
        return f"owned by the same PyPI users or organization as {target.name}"
    shared = set(claimed_repos(project)) & set(claimed_repos(target))
    if shared:
        return f"declares the same source repository as {target.name} ({min(shared)})"
    return ""


def _through(
    name: NormalizedName, ctx: Context, seen: AbstractSet[NormalizedName]
) -> list[str] | None:
    """The established projects through which alone ``name`` is pulled in, or None
    when the user asked for it, nothing known pulls it in, or some path to it
    starts at a project without a long history."""
    if name in ctx.requirers.requested:
        return None
    parents = ctx.requirers.parents.get(name, ())
    if not parents:
        return None
    out: list[str] = []
    for parent in parents:
        project = ctx.projects.get(parent)
        history = long_history(project, ctx, TyposquatRule) if project is not None else ""
        if history:
            out.append(f"{parent} ({history})")
            continue
        deeper = _through(parent, ctx, seen | {parent}) if parent not in seen else None
        if deeper is None:
            return None
        out.extend(deeper)
    return list(dict.fromkeys(out))


def established_requirers(name: NormalizedName, ctx: Context) -> list[str]:
    """The established projects that alone pull ``name`` in (empty: the user asked
    for it, or something else pulls it in)."""
    return _through(name, ctx, frozenset({name})) or []


def protected(thresholds: Mapping[str, Mapping[str, Threshold]]) -> tuple[str, ...]:
    """The names the policy protects (``[rules.typosquat] protect``)."""
    value = thresholds.get(RULE_ID, {}).get("protect", ())
    return value if isinstance(value, tuple) else ()


class TyposquatRule(RuleBase):
    """See the module docstring."""

    id = RULE_ID
    summary = "The name imitates a popular project (typo, look-alike, affix or combination)."
    rationale = (
        "Most malicious uploads that target developers by name imitate a popular "
        "project; a strong match blocks, a weak one warns. The same owners or the "
        "same source repository exempt a match. A weak match that only established "
        "projects pull in (the user did not type it) is a note."
    )
    default_action = Action.BLOCK
    params = (
        Param("strong-score", Config.strong_score, "float", "lower", maximum=MAX_SCORE),
        Param("weak-score", Config.weak_score, "float", "lower", maximum=MAX_SCORE),
        Param("popular-gap", Config.popular_gap, "float", "lower", maximum=MAX_COUNT),
        Param("protect", (), "names", "more"),
        # What makes a requirer established: its look-alike dependencies are notes.
        Param("established-releases", 10, "int", "higher", maximum=MAX_COUNT),
        Param("established-days", 365, "int", "higher", maximum=MAX_DAYS),
    )
    modes = frozenset({"install", "audit"})

    def __init__(self, detector: Callable[[tuple[str, ...]], Detector] = detector_for) -> None:
        self._detector = detector  # the detector that also protects the given names

    def detector(self, ctx: Context) -> Detector:
        return self._detector(protected(ctx.thresholds))

    def config(self, ctx: Context) -> Config:
        base = self.detector(ctx).config
        return replace(
            base,
            strong_score=ctx.number(RULE_ID, "strong-score", base.strong_score),
            weak_score=ctx.number(RULE_ID, "weak-score", base.weak_score),
            popular_gap=ctx.number(RULE_ID, "popular-gap", base.popular_gap),
        )

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        detector = self.detector(ctx)
        matches = detector.check(candidate.name, self.config(ctx))
        kept: list[Match] = []
        waived: list[str] = []
        for match in matches:
            why = exemption(project, ctx.projects.get(match.target))
            if why:
                waived.append(why)
            else:
                kept.append(match)
        if not kept:
            return
        best = max(kept, key=lambda m: (m.strong, m.score))
        how = " + ".join(best.transformations)
        others = [m.target for m in kept if m is not best]
        through = established_requirers(candidate.name, ctx)
        message = f"{candidate.name} looks like {best.describe()}: {how}, {best.detail}; " + (
            "you did not ask for it, and only established projects pull it in: "
            + ", ".join(through)
            if through
            else f"did you mean {best.target}?"
        )
        evidence = [
            ("target", best.target),
            ("target-rank", str(best.target_rank)),
            ("target-origin", best.origin),
            ("transformation", how),
            ("score", f"{best.score:.2f}"),
        ]
        if others:
            evidence.append(("also-like", ", ".join(others)))
        evidence.extend(("exempt", why) for why in waived)
        if through:
            evidence.append(("pulled-in-by", ", ".join(through)))
        yield Finding(
            rule=RULE_ID,
            message=message,
            note=bool(through),
            remedy=(
                f"If you meant {best.target}, install that. If {candidate.name} is "
                "really what you want, allow it by name in the policy."
            ),
            weak=not best.strong,
            evidence=tuple(evidence),
            score=best.score,
        )


RULE = TyposquatRule()
