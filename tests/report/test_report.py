"""Rendering, and making hostile index text safe for a terminal."""

from __future__ import annotations

import json
import unicodedata

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.models import (
    Action,
    Candidate,
    Finding,
    Judged,
    PackageVerdict,
    Project,
    Source,
    Verdict,
)
from guard.report.sanitize import clean
from guard.report.text import render_text, to_json


def test_clean_removes_escape_sequences_and_controls() -> None:
    hostile = (
        "a\x1b[31mred\x1b[0m b\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ "
        "c\x1b]0;title\x07d \x9b2Je\x07\x08\x00 f\u202eg\u2066h\r\ni"
    )
    assert clean(hostile) == "ared blink cd e fgh i"


def test_clean_bounds_length() -> None:
    assert len(clean("x" * 1000, 50)) == 50


def _verdict() -> Verdict:
    evil = Candidate(canonicalize_name("evil"), Version("1.0"), Source.INDEX, "", "e.whl", None)
    good = Candidate(canonicalize_name("good"), Version("2.0"), Source.INDEX, "", "g.whl", None)
    project = Project(canonicalize_name("evil"), "evil", summary="\x1b[2Jwipe")
    return Verdict(
        (
            PackageVerdict(good, None, ()),
            PackageVerdict(
                evil,
                project,
                (
                    Judged(
                        Finding("denied", "on the \x1b[5mdeny\x1b[0m list", "remove it"),
                        Action.BLOCK,
                    ),
                    Judged(Finding("new-project", "young"), Action.IGNORE, "ours"),
                ),
            ),
        ),
        notes=("note \x1b[1mbold",),
    )


def test_text_report_puts_blocks_first_with_remedy_and_is_clean() -> None:
    text = render_text(_verdict(), "header", "footer")
    assert "\x1b" not in text
    lines = text.splitlines()
    table = [line for line in lines if line.startswith(("evil", "good"))]
    assert table[0].startswith("evil") and "BLOCK" in table[0]
    assert "fix: remove it" in text
    assert "allowed by the policy: ours" in text
    assert "(wipe)" in text


def test_json_report_shape() -> None:
    doc = json.loads(to_json(_verdict(), extra={"installed": False}))
    assert doc["decision"] == "block"
    assert doc["installed"] is False
    evil = doc["packages"][0]
    assert evil["name"] == "evil" and evil["decision"] == "block"
    assert evil["findings"][0] == {
        "rule": "denied",
        "action": "block",
        "message": "on the deny list",
        "remedy": "remove it",
    }
    assert evil["findings"][1]["allowed_because"] == "ours"
    assert "\\u001b" not in json.dumps(doc)


INVISIBLE = (
    "\u061c\u2060\u2061\u2062\u2063\u2064\u00ad\u180e\U000e0041\U000e007f"
    "\u2028\u2029\ufff9\ufffa\ufffb\u200b\u200e\u202e\u2066\ufeff\x7f\x85\x9b\x9d"
)


def test_clean_removes_every_control_format_and_separator_character() -> None:
    assert clean(f"a{INVISIBLE}") == "a"
    for cp in range(0x110000):
        ch = chr(cp)
        if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Cs"}:
            got = clean(f"x{ch}y")
            # A C1 string introducer (DCS, SOS, OSC, PM, APC) takes the rest with it, and
            # an 8-bit CSI takes the "y" as its final byte.
            assert got in {"xy", "x y"} or (
                got == "x" and cp in {0x90, 0x98, 0x9B, 0x9D, 0x9E, 0x9F}
            )


def test_clean_removes_lone_surrogates_and_keeps_real_text() -> None:
    assert clean("a\ud800b\udc9bc") == "abc"
    assert clean("naïve 日本語 café\u00a0ok") == "naïve 日本語 café\u00a0ok"
    assert clean("a\u200db") == "ab"  # a zero-width joiner is a format character too


@pytest.mark.parametrize("encoding", ["ascii", "utf-8", "latin-1"])
def test_cleaned_text_has_no_c1_byte_in_any_encoding(encoding: str) -> None:
    text = clean("x\udc9by\x9bz\u009d" + INVISIBLE)
    data = text.encode(encoding, errors="backslashreplace")
    assert not any(0x80 <= b <= 0x9F for b in data)
    assert not any(b < 0x20 for b in data)
