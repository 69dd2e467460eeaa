"""Hostile index data never crashes safepip: randomly mangled JSON API
documents either parse into a Project or raise IndexError_, and every rule
either judges the result or is turned into a blocking rule-error by the engine.
(Seeded, so a failure reproduces.)"""

from __future__ import annotations

import copy
import json
import random
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.errors import IndexError_
from guard.index.parse import parse_project
from guard.models import Action, Candidate, Judged, PackageVerdict, Source, Verdict
from guard.report.formats import to_markdown, to_sarif
from guard.report.text import render_text, to_json
from guard.rules import RULE_ERROR, RULES, evaluate
from guard.rules.base import Context

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pypi-six-2026-11-22.json"
WEIRD: list[Any] = [
    None,
    True,
    -1,
    1e308,
    "",
    "\x1b]0;x\x07\u202e",
    "9" * 400,
    [],
    {},
    [None],
    {"a": [1]},
    "../../../etc/passwd",
    "lone \ud800 surrogate \udc9b, separators \u2028\u2029, "
    "invisibles \u061c\u2060\u00ad\U000e0041",
    "2024-13-45T99:99:99Z",
]


def mangle(node: Any, rng: random.Random) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if rng.random() < 0.05:
                continue
            out[key] = rng.choice(WEIRD) if rng.random() < 0.08 else mangle(value, rng)
        return out
    if isinstance(node, list):
        return [mangle(v, rng) for v in node if rng.random() > 0.05]
    return rng.choice(WEIRD) if rng.random() < 0.05 else node


def _every_format(verdict: Verdict) -> list[str]:
    return [
        render_text(verdict, "h", "f"),
        to_json(verdict),
        to_markdown(verdict),
        to_sarif(verdict, "0", RULES),
    ]


def assert_printable(out: str) -> None:
    """Output safe for any terminal: no escape, no control, format, separator
    or surrogate character (so no C1 byte in any encoding), and valid UTF-8."""
    out.encode("utf-8")  # strict: a lone surrogate would raise here
    bad = [
        c
        for c in out
        if c not in "\n" and unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs"}
    ]
    assert bad == [], bad


def test_mangled_json_api_documents_never_crash() -> None:
    original = json.loads(FIXTURE.read_text())
    rng = random.Random(20261122)  # noqa: S311 - reproducible test data, not secrets
    ctx = Context(now=datetime(2026, 11, 22, tzinfo=UTC))
    parsed = 0
    for _ in range(300):
        doc = mangle(copy.deepcopy(original), rng)
        try:
            project = parse_project(doc, "https://pypi.org/pypi/six/json")
        except IndexError_:
            continue
        parsed += 1
        candidate = Candidate(
            canonicalize_name("six"),
            Version("1.17.0"),
            Source.INDEX,
            "https://files.example/six-1.17.0.tar.gz",
            "six-1.17.0.tar.gz",
            None,
        )
        findings = evaluate(candidate, project, ctx)
        assert RULE_ERROR not in {f.rule for f in findings}, [f.message for f in findings]
        judged = tuple(Judged(f, Action.WARN if f.weak else Action.BLOCK) for f in findings)
        verdict = Verdict((PackageVerdict(candidate, project, judged),))
        for out in _every_format(verdict):
            assert_printable(out)
        json.loads(to_json(verdict))
    assert parsed > 100


def test_every_string_of_the_index_can_be_hostile_text() -> None:
    """Every string field of a real document set to surrogates and invisible
    characters: every format still renders, and prints only safe text."""
    hostile = "x\ud800\udc9b\u2028\u061c\u00ad\x9b1m\U000e0041y"

    def poison(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: poison(v) for k, v in node.items()}
        if isinstance(node, list):
            return [poison(v) for v in node]
        return hostile if isinstance(node, str) and not node[:4].isdigit() else node

    doc = json.loads(FIXTURE.read_text())
    doc["info"] = poison(doc["info"])
    project = parse_project(doc, "https://pypi.org/pypi/six/json")
    candidate = Candidate(
        canonicalize_name("six"),
        Version("1.17.0"),
        Source.INDEX,
        "https://files.example/six-1.17.0.tar.gz",
        "six\ud800.tar.gz",
        None,
    )
    ctx = Context(now=datetime(2026, 11, 22, tzinfo=UTC))
    judged = tuple(Judged(f, Action.BLOCK) for f in evaluate(candidate, project, ctx))
    verdict = Verdict((PackageVerdict(candidate, project, judged),), notes=(hostile,))
    for out in _every_format(verdict):
        assert_printable(out)
        assert "xy" in out
