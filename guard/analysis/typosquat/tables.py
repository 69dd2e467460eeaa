"""Tables built in bulk: values grouped by key with C-level passes where the
keys are unique (start-up time matters: the indices hold some 40,000 keys)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import TypeVar

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


def grouped(keys: Sequence[_K], values: Sequence[_V]) -> dict[_K, list[_V]]:
    """``values`` grouped by ``keys``, in order; built in bulk, since most keys
    are unique and only the repeated ones need a Python-level pass."""
    table = {key: [value] for key, value in zip(keys, values, strict=True)}
    if len(table) < len(keys):
        repeated = {key for key, count in Counter(keys).items() if count > 1}
        for key in repeated:
            table[key] = []
        for key, value in zip(keys, values, strict=True):
            if key in repeated:
                table[key].append(value)
    return table


def columns(rows: Sequence[tuple[_K, _V]]) -> tuple[list[_K], list[_V]]:
    """The keys and the values of ``rows``, as two lists."""
    return [key for key, _ in rows], [value for _, value in rows]
