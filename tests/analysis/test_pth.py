"""Tests for guard.analysis.pth: the one copy of what safepip knows about ``.pth`` files."""

from __future__ import annotations

import pytest

from guard.analysis.pth import (
    executed_lines,
    is_executed,
    is_suspicious,
    lands_in_site_packages,
)


@pytest.mark.parametrize(
    ("member", "lands"),
    [
        ("evil.pth", True),
        ("EVIL.PTH", True),
        ("pkg-1.0.data/purelib/evil.pth", True),
        ("pkg-1.0.data/platlib/evil.pth", True),
        ("pkg-1.0.data/data/lib/python3.12/site-packages/evil.pth", True),
        ("pkg/evil.pth", False),  # inside the package: site never reads it
        ("pkg-1.0.data/scripts/evil.pth", False),
        ("pkg-1.0.data/data/share/evil.pth", False),
        ("evil.pth.txt", False),
    ],
)
def test_lands_in_site_packages(member: str, lands: bool) -> None:
    assert lands_in_site_packages(member) is lands


def test_executed_lines_agree_with_is_executed() -> None:
    text = "import os\n  import sys\nimportlib\nimport\tx\n#import y\n"
    assert [line.decode() for _, line in executed_lines(text.encode())] == [
        line for line in text.splitlines() if is_executed(line)
    ]
    assert [n for n, _ in executed_lines(text.encode())] == [1, 4]


@pytest.mark.parametrize(
    ("line", "suspicious"),
    [
        ("import base64; exec(base64.b64decode('eA=='))", True),
        ("import urllib.request as u; u.urlopen('https://x')", True),
        ("import mine.boot", False),
        ("import _virtualenv", False),
    ],
)
def test_is_suspicious(line: str, suspicious: bool) -> None:
    assert is_suspicious(line) is suspicious
