"""Where a policy layer comes from: the ``extends`` value of a layer, read and
resolved against the layer's own location::

    extends = "../team/safepip.toml"                          # a path, relative to this file
    extends = "https://policies.example.com/team.toml"        # a URL
    extends = { url = "https://...", sha256 = "<64 hex>" }   # a URL pinned by its sha256
    extends = { path = "team.toml", sha256 = "<64 hex>" }    # a path, pinned too

A layer fetched from a URL may only extend another URL (a relative path is
taken relative to its URL).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from guard.errors import PolicyError
from guard.index.policies import check_url

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_REF_KEYS = frozenset({"url", "path", "sha256"})


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
class _Parts:
    """An ``extends`` value taken apart, not yet checked."""

    url: object = None
    path: object = None
    pin: object = ""


class _Bad(Exception):
    """The ``extends`` value is unusable; its problem is already recorded."""


def _parts(raw: object, where: str, problems: list[str]) -> _Parts:
    if isinstance(raw, str):
        if raw.startswith(("https://", "http://")):
            return _Parts(url=raw)
        if "://" in raw:
            problems.append(f"{where}: {raw}: only https:// URLs (plain http:// only to 127.0.0.1)")
            raise _Bad
        return _Parts(path=raw)
    if not isinstance(raw, dict):
        problems.append(
            f'{where}: must be a path or URL string, or {{ url = "...", sha256 = ... }}'
        )
        raise _Bad
    for unknown in sorted(set(raw) - _REF_KEYS):
        problems.append(f"{where}.{unknown}: unknown key (known: path, sha256, url)")
    parts = _Parts(raw.get("url"), raw.get("path"), raw.get("sha256", ""))
    if (parts.url is None) == (parts.path is None):
        problems.append(f"{where}: give exactly one of url or path")
        raise _Bad
    return parts


def _checked_url(url: str, where: str, problems: list[str]) -> str:
    try:
        check_url(url, where)
    except PolicyError as exc:
        problems.extend(exc.problems)
        raise _Bad from exc
    return url


def _url_ref(url: object, pin: str, where: str, problems: list[str]) -> Ref:
    if not isinstance(url, str) or not url:
        problems.append(f"{where}.url: must be a URL string")
        raise _Bad
    return Ref("url", _checked_url(url, where, problems), pin)


def _path_ref(
    raw: object, path: object, pin: str, base: Ref, where: str, problems: list[str]
) -> Ref:
    if not isinstance(path, str) or not path:
        problems.append(f"{where}.path: must be a path string")
        raise _Bad
    if base.kind == "url":
        if raw != path or Path(path).is_absolute():
            problems.append(f"{where}: a policy fetched from a URL may only extend a URL")
            raise _Bad
        joined = urllib.parse.urljoin(base.target, path)  # relative to the URL
        return Ref("url", _checked_url(joined, where, problems), pin)
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = Path(base.target).parent / target
    return Ref("path", os.path.normpath(target), pin)


def parse_ref(raw: object, source: str, base: Ref, problems: list[str]) -> Ref | None:
    """The ``extends`` value of the layer ``source`` (found at ``base``), or None
    when it is unusable (its problems appended to ``problems``)."""
    where = f"{source}: extends"
    try:
        parts = _parts(raw, where, problems)
        pin = parts.pin
        if not isinstance(pin, str) or (pin and not _HEX64.match(pin.lower())):
            problems.append(f"{where}.sha256: must be 64 hexadecimal digits")
            return None
        if parts.url is not None:
            return _url_ref(parts.url, pin.lower(), where, problems)
        return _path_ref(raw, parts.path, pin.lower(), base, where, problems)
    except _Bad:
        return None
