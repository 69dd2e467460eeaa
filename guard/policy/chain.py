"""Collecting a chain of policy layers: the project's file, the file or URL it
``extends``, and so on down to the base, at most ``MAX_DEPTH`` layers; a cycle
is an error.

Local files are read here; URLs are asked of a ``Fetch`` given by the caller
(``guard.index.policies.PolicyFetcher`` in a real run), so this module makes no
network call. When a URL cannot be fetched, the ``settings.on-network-error``
of the extending file decides: "block" (the default) is an error, "warn" goes
on without that layer, with a note.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from guard.errors import GuardError, PolicyError
from guard.files import read_regular
from guard.index.policies import MAX_POLICY_BYTES, FetchFailed, display_url
from guard.policy.load import Layer, read_layer
from guard.policy.refs import Ref
from guard.rules.base import Declaration

MAX_DEPTH = 8  # layers in one chain, the project's own included


class Fetch(Protocol):
    """Gets a policy URL's bytes and a note (empty unless a cached copy stands in);
    raises FetchFailed when it cannot, PolicyError on a pin mismatch."""

    def get(self, url: str, sha256: str = "") -> tuple[bytes, str]: ...


def _read_path(ref: Ref) -> tuple[bytes, str]:
    path = Path(ref.target)
    try:
        body = read_regular(path, MAX_POLICY_BYTES)
    except GuardError as exc:
        raise PolicyError([str(exc)]) from exc
    digest = hashlib.sha256(body).hexdigest()
    if ref.sha256 and digest != ref.sha256:
        raise PolicyError(
            [
                f"{path}: sha256 mismatch: the extends pin expects {ref.sha256}, "
                f"the file has {digest}"
            ]
        )
    return body, ""


def _on_network_error(layer: Layer) -> str:
    settings = layer.data.get("settings")
    value = settings.get("on-network-error") if isinstance(settings, dict) else None
    return value if value in {"warn", "block"} else "block"


class _Skipped(Exception):
    """An unreachable layer skipped because its extender says "warn"."""


@dataclass
class _Chain:
    """The layers read so far (project first), with notes and problems."""

    fetch: Fetch
    rules: Sequence[Declaration]
    layers: list[Layer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)

    def check_room(self, ref: Ref) -> None:
        if ref.key in self.seen:
            names = [*self.seen.values(), self.seen[ref.key]]
            raise PolicyError(
                [
                    f"{self.layers[-1].source}: extends: a cycle: {' -> '.join(names)}",
                    *self.problems,
                ]
            )
        if len(self.layers) >= MAX_DEPTH:
            raise PolicyError(
                [f"{self.layers[-1].source}: extends: more than {MAX_DEPTH} layers", *self.problems]
            )

    def fetched(self, ref: Ref) -> tuple[bytes, str]:
        try:
            return self.fetch.get(ref.target, ref.sha256)
        except FetchFailed as exc:
            extender, shown = self.layers[-1], display_url(ref.target)
            if _on_network_error(extender) == "warn":
                self.notes.append(
                    f"the policy {shown} that {extender.source} extends could not be fetched "
                    f"({exc}) and is not cached; going on WITHOUT it, because "
                    f'{extender.source} sets on-network-error = "warn"'
                )
                raise _Skipped from exc
            raise PolicyError(
                [
                    f"{extender.source}: extends: {shown} could not be fetched ({exc}) "
                    "and no cached copy matches; on-network-error is "
                    '"block" (set it to "warn" in this file to go on without that layer)',
                    *self.problems,
                ]
            ) from exc

    def read(self, ref: Ref) -> tuple[bytes, str]:
        try:
            return _read_path(ref)
        except PolicyError as exc:
            if self.layers:
                exc.problems[0] = f"{self.layers[-1].source}: extends: {exc.problems[0]}"
            raise PolicyError([*exc.problems, *self.problems]) from exc

    def add(self, ref: Ref) -> Ref | None:
        """Read the layer at ``ref``; return the ref it extends."""
        self.check_room(ref)
        try:
            body, note = self.fetched(ref) if ref.kind == "url" else self.read(ref)
        except _Skipped:
            return None
        if note:
            self.notes.append(note)
        layer, parent = read_layer(body, ref, self.rules, self.problems)
        self.seen[ref.key] = layer.source
        self.layers.append(layer)
        return parent


def collect(
    path: Path, fetch: Fetch, rules: Sequence[Declaration]
) -> tuple[list[Layer], list[str], list[str]]:
    """The chain from the project's file down to its base: layers, notes, problems."""
    chain = _Chain(fetch, rules)
    ref: Ref | None = Ref("path", str(path))
    while ref is not None:
        ref = chain.add(ref)
    return chain.layers, chain.notes, chain.problems
