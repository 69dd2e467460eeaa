"""Layered policies: a policy may ``extends`` another one, by path or by URL.

A project's ``safepip.toml`` (or ``[tool.safepip]``) names the team's policy::

    extends = "../team/safepip.toml"                          # a path, relative to this file
    extends = "https://policies.example.com/team.toml"        # a URL, cached for offline use
    extends = { url = "https://...", sha256 = "<64 hex>" }   # a URL pinned by its sha256
    extends = { path = "team.toml", sha256 = "<64 hex>" }    # a path, pinned too

Chains are allowed (the team's policy may extend the organisation's), up to
``MAX_DEPTH`` layers; a cycle is an error. Layers are merged base first, the
project last: **later layers win**, key by key (settings, each rule's action
and thresholds); allow and deny entries accumulate.

The team decides whether a later (more local) layer may loosen it, in its own
policy::

    [layering]
    allow-loosen = false    # the default: later layers may only tighten

Tightening is: a higher action (ignore < warn < block), a stricter threshold
(each threshold's declaration, ``guard.rules.base.Param.stricter``, says which
direction is stricter; a threshold whose direction is unknown may not be
changed at all; lists of project names compare in canonical form), a deny
entry, ``on-network-error = "block"``. Loosening is
everything else: a lower action, a laxer threshold, a new allow entry,
``on-network-error = "warn"`` over "block", another ``pypi-url``,
``allow-loosen = true``. Without permission a loosening is an error naming
each key and the file that tried it, never a silent ignore.

URL layers: ``https://`` only (plain ``http://`` for loopback hosts, for tests).
The fetching lives in ``guard.index.policies``; this package receives the bytes
(``guard.policy.chain.Fetch``). A fetched policy is cached under
``<cache dir>/policies/<sha256 of the URL>``; a pinned URL whose cached copy
matches the pin is used without asking the network again.
When a fetch fails, the cached copy is used if it matches the pin (or, unpinned,
if there is one), with a note; else the ``settings.on-network-error`` of the
extending file decides: "block" (the default) is an error, "warn" goes on
without that layer, with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from guard.deadline import Deadline
from guard.errors import PolicyError
from guard.index.cache import default_cache_dir
from guard.index.http import make_session, timeout_from_env
from guard.index.policies import PolicyFetcher, SessionFactory, cache_path, display_url
from guard.models import Action
from guard.policy.chain import MAX_DEPTH, collect
from guard.policy.config import Policy
from guard.policy.load import Layer
from guard.policy.validate import from_mapping
from guard.rules import RULES
from guard.rules.base import Declaration, Param

__all__ = [
    "BUILTIN",
    "MAX_DEPTH",
    "Layer",
    "LayeredPolicy",
    "cache_path",
    "display_url",
    "load",
    "merge",
    "policy_source",
    "resolve_layers",
]

BUILTIN = "built-in default"

# The settings' built-in values, and which way is stricter ("pypi-url" has no
# direction: pointing the vetting elsewhere is a loosening).
DEFAULT_SETTINGS: Mapping[str, object] = {"on-network-error": "block"}
_NETWORK_ERROR_RANK = {"warn": 0, "block": 1}


@dataclass(frozen=True)
class LayeredPolicy:
    """The merged policy of a chain of layers, and where every value came from.

    ``mapping`` is what ``guard.policy.validate.from_mapping`` accepts (no ``extends``
    or ``layering``). ``provenance`` maps a dotted key (``settings.pypi-url``,
    ``rules.new-project.action``, ``rules.new-project.min-age-days``,
    ``allow[0]``, ``deny[2]``, ``layering.allow-loosen``) to the layer that set
    it; a key it lacks has its built-in value. ``layers`` is base first, the
    project last: later layers win. ``remote`` names the layers fetched from a
    URL, whose text is external.
    """

    mapping: Mapping[str, object]
    provenance: Mapping[str, str]
    layers: tuple[str, ...]
    notes: tuple[str, ...] = ()
    remote: frozenset[str] = field(default_factory=frozenset)
    allow_loosen: bool = False

    def source_of(self, key: str) -> str:
        return self.provenance.get(key, BUILTIN)


# --- which way is stricter -----------------------------------------------------------


def _normal(value: object, names: bool = False) -> object:
    """A list as a tuple; a list of project names in canonical form (``Foo_Bar``
    and ``foo-bar`` protect the same project)."""
    items = tuple(value) if isinstance(value, list) else value
    if names and isinstance(items, tuple):
        return tuple(canonicalize_name(v) if isinstance(v, str) else v for v in items)
    return items


def _number_tightens(higher: bool, below: object, value: object) -> bool | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if not isinstance(below, int | float) or isinstance(below, bool):
        return False
    return value >= below if higher else value <= below


def _flag_tightens(higher: bool, below: object, value: object) -> bool | None:
    if not isinstance(value, bool):
        return None
    return value is higher  # "higher": true is the stricter value


def _list_tightens(more: bool, below: object, value: object) -> bool | None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        return None
    mine = set(value)
    theirs = {str(v) for v in below} if isinstance(below, tuple) else set()
    return mine >= theirs if more else mine <= theirs


_TIGHTENS: Mapping[str, Callable[[bool, object, object], bool | None]] = {
    "bool": _flag_tightens,
    "strings": _list_tightens,
    "names": _list_tightens,
}


def _tightens(param: Param | None, below: object, value: object) -> bool | None:
    """True: as strict or stricter; False: looser; None: the value is malformed
    (from_mapping reports it, so no loosening is claimed)."""
    names = param is not None and param.kind == "names"
    below, value = _normal(below, names), _normal(value, names)
    if value == below:
        return True
    if param is None or param.stricter is None:
        return False
    compare = _TIGHTENS.get(param.kind, _number_tightens)
    return compare(param.stricter in {"higher", "more"}, below, value)


def _action_rank(value: object) -> int | None:
    try:
        return int(Action.parse(str(value)))
    except KeyError:
        return None


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _setting_loosens(key: str, below: object, value: object) -> bool:
    if _normal(value) == _normal(below):
        return False
    if key != "on-network-error":
        return True  # no known direction (pypi-url: vetting elsewhere)
    rank = _NETWORK_ERROR_RANK.get(str(value))
    return rank is not None and rank < _NETWORK_ERROR_RANK.get(str(below), 1)


def _params(rule: Declaration | None) -> Mapping[str, Param]:
    return {param.key: param for param in rule.params} if rule else {}


# --- merging ---------------------------------------------------------------------------


@dataclass
class _Merge:
    """Mutable state while layers are laid on top of each other."""

    rules: Mapping[str, Declaration]
    settings: dict[str, object] = field(default_factory=dict)
    rule_tables: dict[str, dict[str, object]] = field(default_factory=dict)
    allow: list[object] = field(default_factory=list)
    deny: list[object] = field(default_factory=list)
    version: object = None
    allow_loosen: bool = False
    provenance: dict[str, str] = field(default_factory=dict)
    loosened: list[str] = field(default_factory=list)

    def _loosens(self, layer: Layer, key: str, below: object, value: object, why: str) -> None:
        self.loosened.append(
            f"{layer.source}: {key}: {_fmt(value)} loosens {_fmt(below)} "
            f"(from {self.provenance.get(key, BUILTIN)}){why}"
        )

    def add(self, layer: Layer, first: bool) -> None:
        checking = not first and not self.allow_loosen
        if "version" in layer.data:
            self.version = layer.data["version"]
            self.provenance["version"] = layer.source
        self._add_layering(layer, checking)
        self._add_settings(layer, checking)
        tables = layer.data.get("rules")
        for rule_id, table in tables.items() if isinstance(tables, dict) else ():
            if isinstance(table, dict):
                self._add_rule(layer, checking, str(rule_id), table)
        self._add_entries(layer, checking, "allow", self.allow)
        self._add_entries(layer, checking, "deny", self.deny)

    def _add_layering(self, layer: Layer, checking: bool) -> None:
        value = layer.layering.get("allow-loosen")
        if not isinstance(value, bool):
            return
        if checking and value:  # refused, and not granted to the layers above either
            self._loosens(layer, "layering.allow-loosen", False, True, "")
        else:
            self.allow_loosen = value
        self.provenance["layering.allow-loosen"] = layer.source

    def _add_settings(self, layer: Layer, checking: bool) -> None:
        settings = layer.data.get("settings")
        for key, value in settings.items() if isinstance(settings, dict) else ():
            below = self.settings.get(key, DEFAULT_SETTINGS.get(key))
            if checking and _setting_loosens(key, below, value):
                self._loosens(layer, f"settings.{key}", below, value, "")
            self.settings[key] = value
            self.provenance[f"settings.{key}"] = layer.source

    def _add_entries(self, layer: Layer, checking: bool, key: str, entries: list[object]) -> None:
        raw = layer.data.get(key)
        for item in raw if isinstance(raw, list) else ():
            if checking and key == "allow" and item not in entries:
                name = item.get("name", "?") if isinstance(item, dict) else "?"
                self.loosened.append(
                    f"{layer.source}: allow: an exception for {name} (allow entries loosen)"
                )
            self.provenance[f"{key}[{len(entries)}]"] = layer.source
            entries.append(item)

    def _add_rule(
        self, layer: Layer, checking: bool, rule_id: str, table: dict[str, object]
    ) -> None:
        rule = self.rules.get(rule_id)
        merged = self.rule_tables.setdefault(rule_id, {})
        for key, value in table.items():
            dotted = f"rules.{rule_id}.{key}"
            if checking and key == "action":
                below = merged.get("action", rule.default_action.label if rule else "block")
                self._check_action(layer, dotted, below, value)
            elif checking:
                param = _params(rule).get(key)
                below = merged.get(key, param.default if param else None)
                self._check_threshold(layer, dotted, param, below, value)
            merged[key] = value
            self.provenance[dotted] = layer.source

    def _check_action(self, layer: Layer, dotted: str, below: object, value: object) -> None:
        new, old = _action_rank(value), _action_rank(below)
        if new is not None and old is not None and new < old:
            self._loosens(layer, dotted, below, value, " (ignore < warn < block)")

    def _check_threshold(
        self, layer: Layer, dotted: str, param: Param | None, below: object, value: object
    ) -> None:
        if _tightens(param, below, value) is False:
            known = param is not None and param.stricter is not None
            why = "" if known else " (safepip does not know which way is stricter)"
            self._loosens(layer, dotted, below, value, why)

    def mapping(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.version is not None:
            out["version"] = self.version
        if self.settings:
            out["settings"] = dict(self.settings)
        if self.rule_tables:
            out["rules"] = {rule_id: dict(table) for rule_id, table in self.rule_tables.items()}
        if self.allow:
            out["allow"] = list(self.allow)
        if self.deny:
            out["deny"] = list(self.deny)
        return out


def merge(
    layers: Sequence[Layer], notes: Sequence[str] = (), rules: Sequence[Declaration] = RULES
) -> LayeredPolicy:
    """Lay ``layers`` (base first) on top of each other; raise on any loosening
    the layers below do not allow, listing each key and the file that tried.

    ``merge([])`` is the built-in default (for ``safepip policy show`` when no
    policy file is found)."""
    state = _Merge({rule.id: rule for rule in rules})
    for index, layer in enumerate(layers):
        state.add(layer, first=index == 0)
    if state.loosened:
        base = layers[0].source
        raise PolicyError(
            [
                *state.loosened,
                f"{base}: the team policy does not let later layers loosen it "
                "(only its [layering] allow-loosen = true would); tighten instead, "
                "or ask the team to add an exception",
            ]
        )
    return LayeredPolicy(
        mapping=state.mapping(),
        provenance=dict(state.provenance),
        layers=tuple(layer.source for layer in layers),
        notes=tuple(notes),
        remote=frozenset(layer.source for layer in layers if layer.remote),
        allow_loosen=state.allow_loosen,
    )


# --- reading and merging a chain -----------------------------------------------------


def resolve_layers(
    path: Path,
    session_factory: SessionFactory = make_session,
    cache_dir: Path | None = None,
    *,
    timeout: float | None = None,
    rules: Sequence[Declaration] = RULES,
    deadline: Deadline | None = None,
) -> LayeredPolicy:
    """Read ``path`` and every policy it extends; merge them, base first.

    Raises PolicyError listing every problem found in every layer (with the
    layer's file or URL and the key), every loosening that is not allowed, a
    cycle, a pin mismatch, or an unreachable layer when on-network-error is
    "block". A session is made (by ``session_factory``) only if a URL layer
    needs fetching, and closed before returning.
    """
    fetcher = PolicyFetcher(
        session_factory,
        cache_dir if cache_dir is not None else default_cache_dir(),
        timeout if timeout is not None else timeout_from_env(),
        deadline,
    )
    try:
        chain, notes, problems = collect(path, fetcher, rules)
    finally:
        fetcher.close()
    layers = list(reversed(chain))
    try:
        layered = merge(layers, notes, rules)
    except PolicyError as exc:
        raise PolicyError([*problems, *exc.problems]) from exc
    if problems:
        raise PolicyError(problems)
    return layered


def policy_source(layered: LayeredPolicy) -> str:
    """A name for the merged policy: the project's file, and what it extends."""
    if not layered.layers:
        return BUILTIN
    *below, top = layered.layers
    return top if not below else f"{top} (extends {' < '.join(reversed(below))})"


def load(
    path: Path,
    session_factory: SessionFactory = make_session,
    cache_dir: Path | None = None,
    *,
    timeout: float | None = None,
    rules: Sequence[Declaration] = RULES,
    deadline: Deadline | None = None,
) -> tuple[Policy, LayeredPolicy]:
    """``resolve_layers`` and then ``guard.policy.validate.from_mapping`` of the result."""
    layered = resolve_layers(
        path, session_factory, cache_dir, timeout=timeout, rules=rules, deadline=deadline
    )
    return from_mapping(layered.mapping, policy_source(layered), rules), layered
