"""The one interface every report format implements, and what a format may be told.

A format renders a verdict and renders an error (a run that could not decide);
``guard.report.formats.FORMATS`` names them for ``--format``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from guard import __version__
from guard.models import Verdict
from guard.rules.base import Declaration

#: What the formats read of a rule or finding kind: its id, texts and action.
RuleMeta = Declaration


@dataclass(frozen=True)
class Place:
    """A file a result can point at, and the line in it when known.

    ``uri`` is relative to the checkout (SARIF ``%SRCROOT%``) when ``relative``,
    else an absolute ``file://`` URI."""

    uri: str
    line: int | None = None
    relative: bool = True


@dataclass(frozen=True)
class Places:
    """Where results sit: each declared requirement's place (canonical name ->
    place, in the order the files declare them), and where a result goes when
    nothing was declared (the audited environment; None: no file to point at)."""

    declared: Mapping[str, Place] = field(default_factory=dict)
    fallback: Place | None = None


@dataclass(frozen=True)
class ReportContext:
    """What a format may show beside the verdict; each format reads what it needs."""

    header: str = ""  # text: the first line
    footer: str = ""  # text: the last line
    extra: Mapping[str, object] = field(default_factory=dict)  # json: more top-level keys
    places: Places = field(default_factory=Places)  # sarif: where results point
    rules: tuple[RuleMeta, ...] = ()  # sarif: the rules to describe
    tool_version: str = __version__


class Format(Protocol):
    """One output format: the report of a verdict, and of an error."""

    @property
    def name(self) -> str: ...

    def verdict(self, verdict: Verdict, context: ReportContext) -> str: ...

    def error(self, message: str, context: ReportContext) -> str: ...
