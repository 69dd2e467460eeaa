"""``encoded``: a literal that is a URL in base64, hex or backwards, or Python source
in base64, found in the text."""

from __future__ import annotations

import base64

import pytest

from guard.analysis.scan.hits import Hit
from guard.analysis.scan.python import analyse
from guard.analysis.scan.python.encoded import MAX_CODE_LITERALS
from guard.analysis.scan.python.text import text_hits


def _hidden(source: str) -> list[Hit]:
    return [h for h in text_hits(source, source.splitlines()) if h.kind == "hidden-address"]


@pytest.mark.parametrize(
    ("literal", "address"),
    [
        ("aHR0cDovLzEyNy4wLjAuMTo5L2NvbGxlY3Q=", "http://127.0.0.1:9/collect"),
        ("aHR0cDovLzEyNy4wLjAuMTo5L2NvbGxlY3Q", "http://127.0.0.1:9/collect"),  # (no padding)
        ("687474703a2f2f3132372e302e302e313a392f636f6c6c656374", "http://127.0.0.1:9/collect"),
        ("0x687474703A2F2F3132372E302E302E313A392F636F6C6C656374", "http://127.0.0.1:9/collect"),
        ("tcelloc/9:1.0.0.721//:sptth", "https://127.0.0.1:9/collect"),
        # a download command in base64: curl -s http://127.0.0.1:9/x -o /tmp/x
        ("Y3VybCAtcyBodHRwOi8vMTI3LjAuMC4xOjkveCAtbyAvdG1wL3g=", "http://127.0.0.1:9/x"),
    ],
)
def test_finds_the_address_an_encoded_literal_holds(literal: str, address: str) -> None:
    hits = _hidden(f"import os\nX = {literal!r}\n")
    assert [h.line for h in hits] == [2]
    assert address in hits[0].text
    assert hits[0].weight == 6.0


@pytest.mark.parametrize(
    "source",
    [
        'X = "aGVsbG8gd29ybGQgb2YgdGVzdHM="\n',  # (base64 of no address)
        'X = "aHR0cHM6Ly9leGFtcGxl"\n',  # (https://example: a host without a dot)
        'X = "68747470zz"\n',  # (not hex)
        'X = "abcaHR0cDovLzEyNy4wLjAuMTo5L2NvbGxlY3Q="\n',  # (the start inside other text)
        '# "aHR0cDovLzEyNy4wLjAuMTo5L2NvbGxlY3Q="\n',  # (a comment)
        'def f():\n    """Example: "aHR0cDovLzEyNy4wLjAuMTo5L2NvbGxlY3Q=" is a URL."""\n',
        'CERT = "MIIBaHR0cDovLzEyNy4wLjAuMTo5L2NvbGxlY3Q="\n',  # (inside other data)
    ],
)
def test_passes_literals_that_hide_no_address(source: str) -> None:
    assert _hidden(source) == []


# a download run by exec, in base64 (the address is loopback's discard port)
STAGE = 'import urllib.request\nexec(urllib.request.urlopen("http://127.0.0.1:9/x").read())\n'
CODE = base64.b64encode(STAGE.encode()).decode()


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_code_in_a_base64_literal_is_analysed_at_its_line(newline: str) -> None:
    """The decoded code (a download run by exec) counts at the literal's line,
    lines counted as Python counts them."""
    source = newline.join(["import base64", "", f"STAGE = {CODE!r}", ""])
    hits = [h for h in analyse(source).hits if h.kind == "download-exec"]
    assert hits
    assert {h.line for h in hits} == {3}
    assert all("(code in a base64 literal)" in h.text for h in hits)


def test_base64_that_is_no_code_is_not_analysed() -> None:
    broken = CODE[:40] + "!!" + CODE[42:]  # (not base64: nothing decoded)
    assert analyse(f"STAGE = {broken!r}\n").hits == ()


def test_a_flood_of_code_literals_is_read_up_to_a_cap() -> None:
    """Hostile input: thousands of base64 code literals cost no more than the cap's
    worth of nested analyses."""
    source = "".join(f"S{i} = {CODE!r}\n" for i in range(2000))
    lines = {h.line for h in analyse(source).hits if h.kind == "download-exec"}
    assert lines == set(range(1, MAX_CODE_LITERALS + 1))
