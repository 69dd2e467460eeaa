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
(``STRICTER`` says which direction is stricter for each known threshold; a
threshold whose direction is unknown may not be changed at all), a deny entry,
``on-network-error = "block"``. Loosening is everything else: a lower action,
a laxer threshold, a new allow entry, ``on-network-error = "warn"`` over
"block", another ``pypi-url``, ``allow-loosen = true``. Without permission a
loosening is an error naming each key and the file that tried it, never a
silent ignore.

URL layers: ``https://`` only (plain ``http://`` for loopback hosts, for tests).
``fetch_policy`` is the only function here that touches the network. A fetched
policy is cached under ``<cache dir>/policies/<sha256 of the URL>``; a pinned
URL whose cached copy matches the pin is used without asking the network again.
When a fetch fails, the cached copy is used if it matches the pin (or, unpinned,
if there is one), with a note; else the ``settings.on-network-error`` of the
extending file decides: "block" (the default) is an error, "warn" goes on
without that layer, with a note.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import requests

from guard.errors import PolicyError
from guard.files import atomic_write
from guard.index.cache import default_cache_dir
from guard.index.http import make_session, timeout_from_env
from guard.models import Action
from guard.policy import model as _policy
from guard.rules import RULES, by_id
from guard.rules.base import Rule, Threshold

BUILTIN = "built-in default"
MAX_DEPTH = 8  # layers in one chain, the project's own included
MAX_POLICY_BYTES = 1 << 20  # a fetched policy larger than this is refused
MAX_REDIRECTS = 5
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LAYER_KEYS = frozenset({"extends", "layering"})  # top-level keys only layering reads
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

# Which way is stricter, for every threshold safepip knows:
#   "higher" / "lower": numbers; "true" / "false": the stricter boolean;
#   "superset" / "subset": lists (more blocked statuses is stricter; fewer
#   accepted hooks is stricter).
# A threshold not listed here has no known direction: a later layer that
# changes it loosens (fail closed), unless the team allows loosening.
Direction = Literal["higher", "lower", "true", "false", "superset", "subset"]
STRICTER: Mapping[tuple[str, str], Direction] = {
    ("source-build", "allow-established"): "false",
    ("source-build", "established-age-days"): "higher",
    ("source-build", "established-releases"): "higher",
    ("new-project", "min-age-days"): "higher",
    ("new-release", "min-age-days"): "higher",
    ("record-mismatch", "max-hash-mb"): "higher",
    ("install-hook", "known-hooks"): "subset",
    ("install-hook", "established-age-days"): "higher",
    ("install-hook", "established-releases"): "higher",
    ("stdlib-shadow", "warn-backports"): "true",
    ("stdlib-shadow", "established-age-days"): "higher",
    ("stdlib-shadow", "established-releases"): "higher",
    ("stdlib-shadow", "backports"): "subset",
    ("dormant-revival", "silence-days"): "lower",
    ("dormant-revival", "recent-days"): "higher",
    ("maintainers-changed", "block-partial"): "true",
    ("few-releases", "max-releases"): "higher",
    ("few-releases", "single-score"): "higher",
    ("few-releases", "few-score"): "higher",
    ("empty-description", "min-length"): "higher",
    ("empty-description", "score"): "higher",
    ("no-source-repo", "score"): "higher",
    ("suspicious-author-email", "score"): "higher",
    ("weak-signals", "block-score"): "lower",
    ("weak-signals", "very-young-days"): "higher",
    ("weak-signals", "very-young-score"): "higher",
    ("weak-signals", "young-days"): "higher",
    ("weak-signals", "young-score"): "higher",
    ("project-status", "block-statuses"): "superset",
    ("project-status", "ignore-statuses"): "subset",
    ("typosquat", "strong-score"): "lower",
    ("typosquat", "weak-score"): "lower",
    ("typosquat", "popular-gap"): "lower",
    ("typosquat", "protect"): "superset",
    ("install-time-code", "block-score"): "lower",
    ("install-time-code", "warn-score"): "lower",
    ("install-time-code", "time-budget"): "higher",
}

# The settings' built-in values, and which way is stricter ("pypi-url" has no
# direction: pointing the vetting elsewhere is a loosening).
DEFAULT_SETTINGS: Mapping[str, object] = {"on-network-error": "block"}
_NETWORK_ERROR_RANK = {"warn": 0, "block": 1}


@dataclass(frozen=True)
class Ref:
    """Where a layer comes from: a local path or a URL, maybe pinned by sha256."""

    kind: Literal["path", "url"]
    target: str  # an absolute path, or the URL
    sha256: str = ""

    @property
    def key(self) -> str:
        """Identity for cycle detection."""
        return self.target if self.kind == "url" else str(Path(self.target).resolve())


@dataclass(frozen=True)
class Layer:
    """One policy file of a chain, split into its policy and its layering keys."""

    source: str  # the display name: a path (with " [tool.safepip]"), or a URL
    data: Mapping[str, object]  # the policy keys (what from_mapping reads)
    layering: Mapping[str, object]
    remote: bool = False


@dataclass(frozen=True)
class LayeredPolicy:
    """The merged policy of a chain of layers, and where every value came from.

    ``mapping`` is what ``guard.policy.model.from_mapping`` accepts (no ``extends``
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


class FetchFailed(Exception):
    """A policy URL could not be fetched (network, HTTP status): maybe use the cache."""


# --- the network edge -------------------------------------------------------------


def check_url(url: str, where: str) -> None:
    """Only https URLs, or plain http to a loopback host; else a PolicyError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return
    raise PolicyError(
        [f"{where}: {display_url(url)}: only https:// URLs (plain http:// only to 127.0.0.1)"]
    )


def display_url(url: str) -> str:
    """The URL without any password in it (it is shown, noted and printed)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def fetch_policy(session: requests.Session, url: str, timeout: float) -> bytes:
    """GET a policy file: the one network call of layering.

    Redirects are followed by hand (at most ``MAX_REDIRECTS``), each target
    checked like the URL itself. Raises FetchFailed when the server cannot be
    reached or does not answer 200, PolicyError for a forbidden redirect or a
    body larger than ``MAX_POLICY_BYTES``.
    """
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            with session.get(
                current,
                timeout=timeout,
                stream=True,
                allow_redirects=False,
                headers={"Accept": "application/toml, text/plain;q=0.9, */*;q=0.1"},
            ) as response:
                if response.is_redirect:
                    location = response.headers.get("Location", "")
                    current = urllib.parse.urljoin(current, location)
                    check_url(current, f"{display_url(url)} redirects")
                    continue
                if response.status_code != 200:
                    raise FetchFailed(f"HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_content(chunk_size=65536):
                    body.extend(chunk)
                    if len(body) > MAX_POLICY_BYTES:
                        raise PolicyError(
                            [f"{display_url(url)}: larger than {MAX_POLICY_BYTES} bytes"]
                        )
                return bytes(body)
        except requests.RequestException as exc:
            raise FetchFailed(f"{type(exc).__name__}: {exc}") from exc
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_path(cache_dir: Path, url: str) -> Path:
    """Where a fetched policy is kept: ``<cache dir>/policies/<sha256 of the URL>``."""
    return cache_dir / "policies" / sha256_hex(url.encode())


class _Fetcher:
    """Fetches URL layers through one lazily made session, with the cache."""

    def __init__(
        self,
        session_factory: Callable[[], requests.Session],
        cache_dir: Path,
        timeout: float,
    ) -> None:
        self._factory = session_factory
        self._session: requests.Session | None = None
        self._cache_dir = cache_dir
        self._timeout = timeout

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _cached(self, url: str) -> bytes | None:
        try:
            return cache_path(self._cache_dir, url).read_bytes()
        except OSError:
            return None

    def get(self, ref: Ref) -> tuple[bytes, str]:
        """The body and a note (empty unless a cached copy stands in)."""
        url, shown = ref.target, display_url(ref.target)
        cached = self._cached(url)
        if ref.sha256 and cached is not None and sha256_hex(cached) == ref.sha256:
            return cached, ""  # the pinned bytes themselves: no need to ask again
        try:
            if self._session is None:
                self._session = self._factory()
            body = fetch_policy(self._session, url, self._timeout)
        except FetchFailed as exc:
            if cached is not None and not ref.sha256:
                return cached, (
                    f"{shown} could not be fetched ({exc}); using the copy cached earlier, "
                    "which may be out of date (pin it with sha256 to be sure of its contents)"
                )
            raise
        if ref.sha256 and sha256_hex(body) != ref.sha256:
            raise PolicyError(
                [
                    f"{shown}: sha256 mismatch: the extends pin expects {ref.sha256}, "
                    f"the server sent {sha256_hex(body)}"
                ]
            )
        with suppress(OSError):  # a cache that cannot be written only costs offline use
            atomic_write(cache_path(self._cache_dir, url), body)
        return body, ""


# --- reading one layer ------------------------------------------------------------


def _parse_ref(raw: object, source: str, base: Ref, problems: list[str]) -> Ref | None:
    """The ``extends`` value of a layer, resolved against the layer's location."""
    where = f"{source}: extends"
    url: object = None
    path: object = None
    pin: object = ""
    if isinstance(raw, str):
        if raw.startswith(("https://", "http://")):
            url = raw
        elif "://" in raw:
            problems.append(f"{where}: {raw}: only https:// URLs (plain http:// only to 127.0.0.1)")
            return None
        else:
            path = raw
    elif isinstance(raw, dict):
        for unknown in sorted(set(raw) - {"url", "path", "sha256"}):
            problems.append(f"{where}.{unknown}: unknown key (known: path, sha256, url)")
        url, path, pin = raw.get("url"), raw.get("path"), raw.get("sha256", "")
        if (url is None) == (path is None):
            problems.append(f"{where}: give exactly one of url or path")
            return None
    else:
        problems.append(
            f'{where}: must be a path or URL string, or {{ url = "...", sha256 = ... }}'
        )
        return None
    if not isinstance(pin, str) or (pin and not _HEX64.match(pin.lower())):
        problems.append(f"{where}.sha256: must be 64 hexadecimal digits")
        return None
    pin = pin.lower()
    if url is not None:
        if not isinstance(url, str) or not url:
            problems.append(f"{where}.url: must be a URL string")
            return None
        try:
            check_url(url, where)
        except PolicyError as exc:
            problems.extend(exc.problems)
            return None
        return Ref("url", url, pin)
    if not isinstance(path, str) or not path:
        problems.append(f"{where}.path: must be a path string")
        return None
    if base.kind == "url":
        if raw != path or Path(path).is_absolute():
            problems.append(f"{where}: a policy fetched from a URL may only extend a URL")
            return None
        joined = urllib.parse.urljoin(base.target, path)  # relative to the URL
        try:
            check_url(joined, where)
        except PolicyError as exc:
            problems.extend(exc.problems)
            return None
        return Ref("url", joined, pin)
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = Path(base.target).parent / target
    return Ref("path", os.path.normpath(target), pin)


def _policy_table(data: dict[str, object], name: str, is_pyproject: bool) -> dict[str, object]:
    if not is_pyproject:
        return data
    tool = data.get("tool")
    section = tool.get("safepip") if isinstance(tool, dict) else None
    if not isinstance(section, dict):
        raise PolicyError([f"{name}: has no [tool.safepip] table"])
    return section


def _read_path(ref: Ref) -> tuple[bytes, str]:
    path = Path(ref.target)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise PolicyError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    if ref.sha256 and sha256_hex(body) != ref.sha256:
        raise PolicyError(
            [
                f"{path}: sha256 mismatch: the extends pin expects {ref.sha256}, "
                f"the file has {sha256_hex(body)}"
            ]
        )
    return body, ""


def _layer_from_body(
    body: bytes, ref: Ref, rules: Sequence[Rule], problems: list[str]
) -> tuple[Layer, Ref | None]:
    """Parse one layer; validation problems go to ``problems`` (all at once)."""
    remote = ref.kind == "url"
    name = display_url(ref.target) if remote else ref.target
    is_pyproject = not remote and Path(ref.target).name == "pyproject.toml"
    source = f"{name} [tool.safepip]" if is_pyproject else name
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError([f"{name}: not UTF-8 text: {exc}"]) from exc
    table = _policy_table(_policy.parse_toml(text, name), name, is_pyproject)
    data = {k: v for k, v in table.items() if k not in LAYER_KEYS}
    try:
        _policy.from_mapping(data, source, rules)
    except PolicyError as exc:
        problems.extend(exc.problems)
    layering = table.get("layering", {})
    if not isinstance(layering, dict):
        problems.append(f"{source}: layering: must be a table")
        layering = {}
    for key in sorted(set(layering) - {"allow-loosen"}):
        problems.append(f"{source}: layering.{key}: unknown key (known: allow-loosen)")
    if "allow-loosen" in layering and not isinstance(layering["allow-loosen"], bool):
        problems.append(f"{source}: layering.allow-loosen: must be true or false")
    parent = None
    if "extends" in table:
        parent = _parse_ref(table["extends"], source, ref, problems)
    return Layer(source, data, layering, remote), parent


def _on_network_error(layer: Layer) -> str:
    settings = layer.data.get("settings")
    value = settings.get("on-network-error") if isinstance(settings, dict) else None
    return value if value in _NETWORK_ERROR_RANK else "block"


def _collect(
    path: Path, fetcher: _Fetcher, rules: Sequence[Rule]
) -> tuple[list[Layer], list[str], list[str]]:
    """The chain from the project's file down to its base: layers, notes, problems."""
    chain: list[Layer] = []
    notes: list[str] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    ref: Ref | None = Ref("path", str(path))
    while ref is not None:
        if ref.key in seen:
            names = [*seen.values(), seen[ref.key]]
            raise PolicyError(
                [f"{chain[-1].source}: extends: a cycle: {' -> '.join(names)}", *problems]
            )
        if len(chain) >= MAX_DEPTH:
            raise PolicyError(
                [f"{chain[-1].source}: extends: more than {MAX_DEPTH} layers", *problems]
            )
        if ref.kind == "url":
            try:
                body, note = fetcher.get(ref)
            except FetchFailed as exc:
                extender = chain[-1]
                shown = display_url(ref.target)
                if _on_network_error(extender) == "warn":
                    notes.append(
                        f"the policy {shown} that {extender.source} extends could not be fetched "
                        f"({exc}) and is not cached; going on WITHOUT it, because "
                        f'{extender.source} sets on-network-error = "warn"'
                    )
                    break
                raise PolicyError(
                    [
                        f"{extender.source}: extends: {shown} could not be fetched ({exc}) "
                        "and no cached copy matches; on-network-error is "
                        '"block" (set it to "warn" in this file to go on without that layer)',
                        *problems,
                    ]
                ) from exc
        else:
            try:
                body, note = _read_path(ref)
            except PolicyError as exc:
                if chain:
                    exc.problems[0] = f"{chain[-1].source}: extends: {exc.problems[0]}"
                raise PolicyError([*exc.problems, *problems]) from exc
        if note:
            notes.append(note)
        layer, parent = _layer_from_body(body, ref, rules, problems)
        seen[ref.key] = layer.source
        chain.append(layer)
        ref = parent
    return chain, notes, problems


# --- merging -----------------------------------------------------------------------


def _normal(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def _tightens(direction: Direction | None, below: object, value: object) -> bool | None:
    """True: as strict or stricter; False: looser; None: the value is malformed
    (from_mapping reports it, so no loosening is claimed)."""
    below, value = _normal(below), _normal(value)
    if value == below:
        return True
    if direction is None:
        return False
    if direction in {"higher", "lower"}:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        if not isinstance(below, int | float) or isinstance(below, bool):
            return False
        return value >= below if direction == "higher" else value <= below
    if direction in {"true", "false"}:
        if not isinstance(value, bool):
            return None
        return value is (direction == "true")
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        return None
    mine = set(value)
    theirs = {str(v) for v in below} if isinstance(below, tuple) else set()
    return mine >= theirs if direction == "superset" else mine <= theirs


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


@dataclass
class _Merge:
    """Mutable state while layers are laid on top of each other."""

    rules: Mapping[str, Rule]
    settings: dict[str, object] = field(default_factory=dict)
    rule_tables: dict[str, dict[str, object]] = field(default_factory=dict)
    allow: list[dict[str, object]] = field(default_factory=list)
    deny: list[dict[str, object]] = field(default_factory=list)
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
        data = layer.data
        if "version" in data:
            self.version = data["version"]
            self.provenance["version"] = layer.source
        value = layer.layering.get("allow-loosen")
        if isinstance(value, bool):
            if checking and value:  # refused, and not granted to the layers above either
                self._loosens(layer, "layering.allow-loosen", False, True, "")
            else:
                self.allow_loosen = value
            self.provenance["layering.allow-loosen"] = layer.source
        settings = data.get("settings")
        for key, value in settings.items() if isinstance(settings, dict) else ():
            below = self.settings.get(key, DEFAULT_SETTINGS.get(key))
            if checking and _normal(value) != _normal(below):
                if key == "on-network-error":
                    rank = _NETWORK_ERROR_RANK.get(str(value))
                    looser = rank is not None and rank < _NETWORK_ERROR_RANK.get(str(below), 1)
                else:
                    looser = True  # no known direction (pypi-url: vetting elsewhere)
                if looser:
                    self._loosens(layer, f"settings.{key}", below, value, "")
            self.settings[key] = value
            self.provenance[f"settings.{key}"] = layer.source
        tables = data.get("rules")
        for rule_id, table in tables.items() if isinstance(tables, dict) else ():
            if isinstance(table, dict):
                self._add_rule(layer, checking, str(rule_id), table)
        for list_key, entries in (("allow", self.allow), ("deny", self.deny)):
            raw = data.get(list_key)
            for item in raw if isinstance(raw, list) else ():
                if checking and list_key == "allow" and item not in entries:
                    name = item.get("name", "?") if isinstance(item, dict) else "?"
                    self.loosened.append(
                        f"{layer.source}: allow: an exception for {name} (allow entries loosen)"
                    )
                self.provenance[f"{list_key}[{len(entries)}]"] = layer.source
                entries.append(item)

    def _add_rule(
        self, layer: Layer, checking: bool, rule_id: str, table: dict[str, object]
    ) -> None:
        rule = self.rules.get(rule_id)
        merged = self.rule_tables.setdefault(rule_id, {})
        for key, value in table.items():
            dotted = f"rules.{rule_id}.{key}"
            if key == "action":
                below = merged.get("action", rule.default_action.label if rule else "block")
                new, old = _action_rank(value), _action_rank(below)
                if checking and new is not None and old is not None and new < old:
                    self._loosens(layer, dotted, below, value, " (ignore < warn < block)")
            else:
                default: Threshold | None = rule.defaults.get(key) if rule else None
                below = merged.get(key, default)
                direction = STRICTER.get((rule_id, key))
                if checking and _tightens(direction, below, value) is False:
                    why = "" if direction else " (safepip does not know which way is stricter)"
                    self._loosens(layer, dotted, below, value, why)
            merged[key] = value
            self.provenance[dotted] = layer.source

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
    layers: Sequence[Layer], notes: Sequence[str] = (), rules: Sequence[Rule] = RULES
) -> LayeredPolicy:
    """Lay ``layers`` (base first) on top of each other; raise on any loosening
    the layers below do not allow, listing each key and the file that tried.

    ``merge([])`` is the built-in default (for ``safepip policy show`` when no
    policy file is found)."""
    state = _Merge(by_id(rules))
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


def resolve_layers(
    path: Path,
    session_factory: Callable[[], requests.Session] = make_session,
    cache_dir: Path | None = None,
    *,
    timeout: float | None = None,
    rules: Sequence[Rule] = RULES,
) -> LayeredPolicy:
    """Read ``path`` and every policy it extends; merge them, base first.

    Raises PolicyError listing every problem found in every layer (with the
    layer's file or URL and the key), every loosening that is not allowed, a
    cycle, a pin mismatch, or an unreachable layer when on-network-error is
    "block". A session is made (by ``session_factory``) only if a URL layer
    needs fetching, and closed before returning.
    """
    fetcher = _Fetcher(
        session_factory,
        cache_dir if cache_dir is not None else default_cache_dir(),
        timeout if timeout is not None else timeout_from_env(),
    )
    try:
        chain, notes, problems = _collect(path, fetcher, rules)
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
    session_factory: Callable[[], requests.Session] = make_session,
    cache_dir: Path | None = None,
    *,
    timeout: float | None = None,
    rules: Sequence[Rule] = RULES,
) -> tuple[_policy.Policy, LayeredPolicy]:
    """``resolve_layers`` and then ``guard.policy.model.from_mapping`` of the result."""
    layered = resolve_layers(path, session_factory, cache_dir, timeout=timeout, rules=rules)
    return _policy.from_mapping(layered.mapping, policy_source(layered), rules), layered
