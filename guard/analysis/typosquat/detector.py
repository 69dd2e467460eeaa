"""The detector: judges names against the popular list (``Detector.judge``), and
the detector in use (``default_detector``, ``detector_for``)."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name

from guard.analysis.typosquat.indices import Indices, build_indices
from guard.analysis.typosquat.matching import Hit, Matcher
from guard.analysis.typosquat.model import (
    COMBOSQUAT,
    CORE,
    GLUED_WORD,
    POLICY,
    POPULAR,
    STDLIB,
    Config,
    Match,
    NameResult,
)
from guard.analysis.typosquat.names import CORE_NAMES, canonical, is_project_name
from guard.analysis.typosquat.shipped import fingerprint, shipped_state

_COMBINED = frozenset((COMBOSQUAT, GLUED_WORD))
_Scored = tuple[float, Hit]


class Detector:
    """Judges names against a popular list; build once, then ``check`` many names."""

    def __init__(
        self, names: Sequence[str], config: Config | None = None, *, use_index: bool = True
    ) -> None:
        """``names`` are popular projects, most downloaded first (rank = position + 1).

        When ``names`` and ``config`` are those the shipped index was built from
        (the shipped popular list, the default configuration, this interpreter's
        standard library), the indices are loaded from it (unless ``use_index``
        is false); otherwise they are built.
        """
        self.config = config = config or Config()
        self._policy_names = frozenset(canonical(n) for n in config.protected)
        was_enabled = gc.isenabled()
        gc.disable()  # building allocates many small containers; collecting midway is waste
        try:
            state = shipped_state(fingerprint(names, config)) if use_index else None
            indices = build_indices(names, config) if state is None else Indices.restore(state)
            # Allocate nothing after gc.enable(): the first allocation would
            # trigger a collection over everything just built.
            self._indices = indices
            self._rank = indices.rank  # the popular list
            self._targets = indices.targets  # and the protected names, (notional) ranks
            self._word_only = indices.word_only  # protected names that are words in combos
            self._matcher = Matcher(indices, config)
        finally:
            if was_enabled:
                gc.enable()

    def state(self) -> tuple[Any, ...]:
        """The built indices, for the shipped index file (see ``index_text``)."""
        return self._indices.state()

    # -- public ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rank)

    def rank(self, name: str) -> int | None:
        """The popular-list rank of a project, None when it is not listed."""
        return self._rank.get(canonical(name))

    def target_rank(self, name: str) -> int | None:
        """The (notional) rank of a protected name: listed, core or stdlib."""
        return self._targets.get(canonical(name))

    def origin(self, target: str) -> str:
        """Why ``target`` is protected (see ``ORIGINS``; "" when it is not)."""
        name = canonical(target)
        if name in self._rank:
            return POPULAR
        if name in CORE_NAMES:
            return CORE
        if name in self._policy_names:
            return POLICY
        return STDLIB if name in self._targets else ""

    def check(self, name: str, config: Config | None = None) -> list[Match]:
        """Matches for one name, best first; empty when it imitates nothing.

        ``config`` overrides the judgement thresholds (scores, popular gap) of the
        one the detector was built with; its index parameters are not used.
        """
        return self.judge(name, config)[0]

    def judge(
        self, name: str, config: Config | None = None, near: int = 0
    ) -> tuple[list[Match], list[Match]]:
        """(the matches at or above the warn line, best first; up to ``near``
        of those below it, best first): ``check`` and ``check-names --verbose``."""
        own = canonical(name.strip())
        if not own or own in self._policy_names:
            return [], []  # nothing, or one of the team's own names
        config = config or self.config
        own_rank = self._rank.get(own)
        best = self._best(own, own_rank, config)
        weak = config.weak_score
        flagged = self._ranked((sh for sh in best.values() if sh[0] >= weak), own_rank, config)
        if not near:
            return flagged, []
        below = self._ranked((sh for sh in best.values() if sh[0] < weak), own_rank, config)
        return flagged, below[:near]

    def related_targets(self, name: str) -> tuple[NormalizedName, ...]:
        """The targets of the strong and weak matches of a name."""
        return tuple(m.target for m in self.check(name))

    def check_names(
        self, names: Iterable[str], config: Config | None = None, near: int = 0
    ) -> list[NameResult]:
        """Judge each name; one that is no valid project name is judged invalid
        instead (PyPI could not hold it, nor pip install it).  With ``near``,
        each result also holds up to that many matches below the warn line."""
        config = config or self.config
        results = []
        for n in names:
            if not is_project_name(n):
                results.append(NameResult(n, canonicalize_name(n), (), valid=False))
                continue
            flagged, below = self.judge(n, config, near)
            close = tuple(below) if near else None
            results.append(NameResult(n, canonicalize_name(n), tuple(flagged), near=close))
        return results

    # -- judgement ------------------------------------------------------------

    def _counts(self, hit: Hit, own: str, own_rank: int | None, config: Config) -> bool:
        """False for a hit that is no imitation: the name itself, a standard-library
        name inside a combination, or a popular name not far enough below its target."""
        if hit.target == own:
            return False
        if hit.target in self._word_only and (
            hit.transformation in _COMBINED or _COMBINED.intersection(hit.also)
        ):
            return False  # a standard-library name is a word in combinations
        # Both popular, and the gap is not wide enough?
        return own_rank is None or own_rank >= self._targets[hit.target] * config.popular_gap

    def _best(self, own: str, own_rank: int | None, config: Config) -> dict[str, _Scored]:
        """The best-scoring hit per target."""
        best: dict[str, _Scored] = {}
        for hit in self._matcher.hits(own):
            if not self._counts(hit, own, own_rank, config):
                continue
            score = hit.points + config.weights.magnet(self._targets[hit.target])
            current = best.get(hit.target)
            if current is None or score > current[0]:
                best[hit.target] = (score, hit)
        return best

    def _ranked(
        self, scored: Iterable[_Scored], own_rank: int | None, config: Config
    ) -> list[Match]:
        """Scored hits as matches, best first."""
        matches = [
            Match(
                target=NormalizedName(hit.target),
                target_rank=self._targets[hit.target],
                transformation=hit.transformation,
                detail=hit.detail,
                strong=score >= config.strong_score and own_rank is None,
                score=round(score, 3),
                also=hit.also,
                origin=self.origin(hit.target),
            )
            for score, hit in scored
        ]
        matches.sort(key=lambda m: (-m.score, m.target_rank))
        return matches


# ----------------------------------------------------------------------------
# The detector in use


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector built from the popular list in use (user copy or shipped)."""
    from guard.index import popular  # noqa: PLC0415 - keeps import of this module cheap

    return Detector(popular.load().names)


@lru_cache(maxsize=4)
def _protecting(names: tuple[str, ...]) -> Detector:
    from guard.index import popular  # noqa: PLC0415 - keeps import of this module cheap

    return Detector(popular.load().names, Config(protected=names))


def detector_for(protected: Iterable[str] = ()) -> Detector:
    """The default detector, or one that also protects the policy's ``protected``
    names (built, not loaded from the shipped index: about 0.1 s, once)."""
    names = tuple(sorted({canonical(n) for n in protected if n.strip()}))
    return _protecting(names) if names else default_detector()


def check_names(
    names: Iterable[str],
    detector: Detector | None = None,
    config: Config | None = None,
    near: int = 0,
) -> list[NameResult]:
    """Judge names alone (``safepip check-names``): offline and fast."""
    return (detector or default_detector()).check_names(names, config, near)


def related_targets(name: str, detector: Detector | None = None) -> tuple[NormalizedName, ...]:
    """Targets whose index metadata the pipeline should fetch for the exemptions."""
    return (detector or default_detector()).related_targets(name)
