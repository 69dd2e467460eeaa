"""What ``safepip policy`` does: validate, show, init.

* ``validate_files(paths)``: every problem of every file, layering included
  (each with its file or URL and key); an empty list means valid.
* ``show(layered)``: the effective merged policy as TOML, each value followed by
  a comment naming the layer it came from, and the layer order on top. The text
  is itself valid TOML (comments aside it is the merged policy, in full).
* ``STARTER_TOML`` / ``init_text()`` / ``init_file()``: a commented starter
  ``safepip.toml``.

Nothing here prints: the CLI does. Text from layers fetched from a URL is
external and goes through ``guard.report.sanitize.clean``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from guard.errors import PolicyError, UsageError
from guard.index.http import make_session
from guard.index.policies import SessionFactory
from guard.policy import layers
from guard.policy import model as policy
from guard.report.sanitize import clean
from guard.rules import RULES
from guard.rules.base import Declaration


def validate_files(
    paths: Iterable[Path],
    session_factory: SessionFactory = make_session,
    cache_dir: Path | None = None,
    *,
    timeout: float | None = None,
    rules: Sequence[Declaration] = RULES,
) -> list[str]:
    """Every problem of every file (and of every layer it extends); [] = valid."""
    problems: list[str] = []
    for path in paths:
        try:
            layers.load(path, session_factory, cache_dir, timeout=timeout, rules=rules)
        except PolicyError as exc:
            problems.extend(exc.problems)
    return problems


# --- show -------------------------------------------------------------------------


def _toml(value: object, external: bool) -> str:
    """A TOML literal; strings from external layers are cleaned first."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v, external) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{_key(k)} = {_toml(v, external)}" for k, v in value.items()) + " }"
        )
    text = clean(value, 2000) if external else str(value)
    return toml_string(text)


def toml_literal(value: object) -> str:
    """``value`` as TOML writes it (``[]``, ``4.0``, ``"x"``), for messages."""
    return _toml(value, external=False)


def _key(key: object) -> str:
    text = str(key)
    if text and all(c.isascii() and (c.isalnum() or c in "-_") for c in text):
        return text
    return toml_string(text)


def _toml_char(ch: str) -> str:
    """One character as it may stand in a TOML basic string."""
    if ch in _TOML_ESCAPES:
        return _TOML_ESCAPES[ch]
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate is no Unicode scalar value
        return "\\uFFFD"
    if code < 0x20 or code == 0x7F or unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}:
        return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"
    return ch


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string that any TOML parser reads back: quotes and
    backslashes escaped, controls (DEL included), format characters and line
    separators as escapes, a lone surrogate as U+FFFD."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return '"' + "".join(_toml_char(ch) for ch in text) + '"'


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


class _Lines:
    """Lines with a ``# source`` comment aligned after each value."""

    def __init__(self, layered: layers.LayeredPolicy) -> None:
        self.layered = layered
        self.lines: list[str] = []

    def external(self, key: str) -> bool:
        return self.layered.source_of(key) in self.layered.remote

    def comment(self, text: str) -> None:
        self.lines.append(f"# {clean(text, 2000)}")

    def raw(self, text: str = "") -> None:
        self.lines.append(text)

    def value(self, name: str, value: object, key: str) -> None:
        assignment = f"{_key(name)} = {_toml(value, self.external(key))}"
        self.lines.append(f"{assignment:<36}  # {clean(self.layered.source_of(key), 500)}")


def _role(index: int, count: int) -> str:
    """What layer ``index`` (from 1, base first) of ``count`` is."""
    if index == count:
        return "this project" if count > 1 else "the only layer"
    return "the base" if index == 1 else ""


def _header(out: _Lines, layered: layers.LayeredPolicy) -> None:
    count = len(layered.layers)
    out.comment(
        f"The effective safepip policy: {count} layer{'s' if count != 1 else ''}, "
        "base first; later layers win."
    )
    for index, name in enumerate(layered.layers, 1):
        role = _role(index, count)
        fetched = ", fetched" if name in layered.remote else ""
        out.comment(f"  {index}. {name} ({role}{fetched})" if role else f"  {index}. {name}")
    out.comment(
        "Later layers may "
        + ("also loosen" if layered.allow_loosen else "only tighten")
        + f" the ones below (layering.allow-loosen, {layered.source_of('layering.allow-loosen')})."
    )
    out.comment(f"A value marked '{layers.BUILTIN}' is safepip's own; no layer sets it.")
    for note in layered.notes:
        out.comment(f"note: {note}")


def _settings(out: _Lines, layered: layers.LayeredPolicy, effective: policy.Policy) -> None:
    out.raw()
    out.value("version", policy.POLICY_VERSION, "version")
    out.raw()
    out.raw("[settings]")
    if effective.pypi_url is not None:
        out.value("pypi-url", effective.pypi_url, "settings.pypi-url")
    else:
        out.comment('pypi-url = "https://pypi.org"    (not set: --pypi-url or $SAFEPIP_PYPI_URL)')
    out.value("on-network-error", effective.on_network_error, "settings.on-network-error")
    if effective.osv_url is not None:
        out.value("osv-url", effective.osv_url, "settings.osv-url")
    else:
        out.comment('osv-url = "https://api.osv.dev"    (not set: --osv-url or $SAFEPIP_OSV_URL)')
    out.raw()
    out.raw("[layering]")
    out.value("allow-loosen", layered.allow_loosen, "layering.allow-loosen")


def _rules(out: _Lines, effective: policy.Policy, rules: Sequence[Declaration]) -> None:
    for rule in rules:
        config = effective.rules[rule.id]
        out.raw()
        out.raw(f"[rules.{_key(rule.id)}]")
        out.value("action", config.action.label, f"rules.{rule.id}.action")
        for name, threshold in config.thresholds.items():
            out.value(name, threshold, f"rules.{rule.id}.{name}")


def _lists(out: _Lines, layered: layers.LayeredPolicy) -> None:
    mapping: Mapping[str, object] = layered.mapping
    for list_key in ("allow", "deny"):
        raw = mapping.get(list_key)
        for index, entry in enumerate(raw if isinstance(raw, list) else ()):
            where = f"{list_key}[{index}]"
            out.raw()
            out.raw(f"[[{list_key}]]  # {clean(layered.source_of(where), 500)}")
            for name, value in entry.items() if isinstance(entry, dict) else ():
                out.raw(f"{_key(name)} = {_toml(value, out.external(where))}")


def show(layered: layers.LayeredPolicy, rules: Sequence[Declaration] = RULES) -> str:
    """The effective policy, with where each value came from (valid TOML)."""
    effective = policy.from_mapping(layered.mapping, layers.policy_source(layered), rules)
    out = _Lines(layered)
    _header(out, layered)
    _settings(out, layered, effective)
    _rules(out, effective, rules)
    _lists(out, layered)
    return "\n".join(out.lines) + "\n"


# --- init -------------------------------------------------------------------------

STARTER_TOML = """\
# safepip policy: what `safepip install` / `safepip check` may let through.
# Only what differs from the built-in default needs saying here; see
# `safepip rules` for every rule, its default action and its thresholds, and
# `safepip policy show` for the effective policy with where each value comes from.
version = 1

# Start from your team's policy: later layers (this file) win, and may only
# tighten the team's policy unless the team's own file says
# [layering] allow-loosen = true. Pin a URL by sha256 so a changed file is
# refused; the fetched copy is cached for offline use.
# extends = { url = "https://policies.example.com/safepip/team.toml", sha256 = "..." }
# extends = "../team-policy/safepip.toml"

[settings]
# The JSON API to vet against (a private mirror of PyPI's, if you run one).
# pypi-url = "https://pypi.org"
# When PyPI (or a policy URL) cannot be reached: "block" stops with exit 2,
# "warn" goes on and flags what could not be vetted.
on-network-error = "block"
# The OSV API asked for malicious-package (MAL-) advisories and vulnerabilities.
# osv-url = "https://api.osv.dev"

# One table per rule id: action = "block", "warn" or "ignore", and thresholds.
[rules.new-project]
# Projects whose first upload is younger than this many days are blocked.
min-age-days = 30

[rules.new-release]
# pip is asked for a release at least this many days old.
min-age-days = 7

[rules.known-vulnerability]
action = "warn"

# Exceptions need a reason; they may be limited to versions, to rules, and in
# time (an expired exception stops applying, and the report says so).
# [[allow]]
# name = "internal-tool"
# version = "<2"
# rules = ["not-on-pypi"]
# reason = "our own package, published on our private index"
# expires = 2027-03-01

# Packages that are never installed, whatever else says.
# [[deny]]
# name = "some-package"
# reason = "why it is banned"
"""


def init_text() -> str:
    """The commented starter ``safepip.toml``."""
    return STARTER_TOML


def init_file(path: Path, force: bool = False) -> None:
    """Write the starter policy to ``path``; refuse to overwrite unless ``force``."""
    try:
        with path.open("w" if force else "x", encoding="utf-8") as handle:
            handle.write(STARTER_TOML)
    except FileExistsError as exc:
        raise UsageError(f"{path} exists; not overwriting it") from exc
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
