"""Hits that only a pair of behaviours in one file makes."""

from __future__ import annotations

from guard.analysis.scan.python.hits import DROPPER, INSTALL_TIME_CODE, Hit

_NETWORK = frozenset({"network"})
_RUNS = frozenset({"spawn", "spawn-shell", "exec"})
_SURE_RUNS = frozenset({"spawn-shell", "exec"})
_HOST_DATA = frozenset({"identity", "env-secret", "environ-dump", "credential"})


def combinations(hits: list[Hit]) -> list[Hit]:
    """A download with a process or exec (dropper); host data with a network call."""
    network = _of_kinds(hits, _NETWORK)
    if not network:
        return []
    first = min(network, key=lambda h: (h.deferred, h.line))
    out: list[Hit] = []
    runs = _of_kinds(hits, _RUNS)
    if runs:
        sure = bool(_of_kinds(runs, _SURE_RUNS))
        out.append(_paired(first, runs, DROPPER, "download-run", 3.0 if sure else 2.0))
    data = _of_kinds(hits, _HOST_DATA)
    if data:
        out.append(_paired(first, data, INSTALL_TIME_CODE, "send-host-data", 2.0))
    return out


def _of_kinds(hits: list[Hit], kinds: frozenset[str]) -> list[Hit]:
    return [h for h in hits if h.kind in kinds]


_TEXTS = {
    "download-run": "downloads and runs something",
    "send-host-data": "collects host data and talks to the network",
}


def _paired(first: Hit, others: list[Hit], rule: str, kind: str, weight: float) -> Hit:
    """The pair's hit, at the first network call; deferred unless both parts run."""
    deferred = first.deferred or all(h.deferred for h in others)
    return Hit(rule, kind, weight, first.line, first.snippet, _TEXTS[kind], deferred)
