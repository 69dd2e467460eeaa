"""The format table: every ``--format`` renders a verdict and an error behind one interface."""

from __future__ import annotations

import json

import pytest

from guard import __version__
from guard.report.base import ReportContext
from guard.report.formats import FORMATS, to_markdown, to_sarif
from guard.report.text import render_text, to_json
from guard.rules import RULES
from tests.report.test_formats import verdict


def test_the_formats_are_the_four_documented_ones() -> None:
    assert list(FORMATS) == ["text", "json", "sarif", "markdown"]
    assert all(fmt.name == name for name, fmt in FORMATS.items())


def test_each_format_renders_the_verdict_as_its_function_does() -> None:
    context = ReportContext(
        header="head", footer="foot", extra={"installed": False}, rules=tuple(RULES)
    )
    v = verdict()
    assert FORMATS["text"].verdict(v, context) == render_text(v, "head", "foot")
    assert FORMATS["json"].verdict(v, context) == to_json(v, extra={"installed": False})
    assert FORMATS["sarif"].verdict(v, context) == to_sarif(v, __version__, RULES)
    assert FORMATS["markdown"].verdict(v, context) == to_markdown(v)


@pytest.mark.parametrize("name", ["json", "sarif", "markdown"])
def test_machine_formats_render_an_error_with_the_message(name: str) -> None:
    out = FORMATS[name].error("boom \x1b[31mred", ReportContext())
    assert "boom" in out and "\x1b" not in out
    if name != "markdown":
        json.loads(out)


def test_the_text_format_leaves_the_error_to_stderr() -> None:
    assert FORMATS["text"].error("boom", ReportContext()) == ""
