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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace

from guard.analysis.typosquat import Config, Detector, Match, detector_for
from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import MAX_COUNT, MAX_SCORE, Context, Param, RuleBase, Threshold
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
        "same source repository exempt a match."
    )
    default_action = Action.BLOCK
    params = (
        Param("strong-score", Config.strong_score, "float", "lower", maximum=MAX_SCORE),
        Param("weak-score", Config.weak_score, "float", "lower", maximum=MAX_SCORE),
        Param("popular-gap", Config.popular_gap, "float", "lower", maximum=MAX_COUNT),
        Param("protect", (), "names", "more"),
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
        message = (
            f"{candidate.name} looks like {best.describe()}: "
            f"{how}, {best.detail}; did you mean {best.target}?"
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
        yield Finding(
            rule=RULE_ID,
            message=message,
            remedy=(
                f"If you meant {best.target}, install that. If {candidate.name} is "
                "really what you want, allow it by name in the policy."
            ),
            weak=not best.strong,
            evidence=tuple(evidence),
            score=best.score,
        )


RULE = TyposquatRule()
