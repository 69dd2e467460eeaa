"""Addresses hidden in encoded literals (guard.analysis.scan.python.addresses and
layered): the cheap look at the text takes every one the syntax-tree pass finds."""

from __future__ import annotations

import base64
import zlib

import pytest

from guard.analysis.scan import python
from guard.analysis.scan.python.addresses import may_hide_address
from guard.analysis.scan.python.layered import layered_address

_URL = base64.b64encode(b"http://127.0.0.1:9/post").decode()
_IP = base64.b64encode(b"10.0.0.9").decode()
_HEX = b"http://127.0.0.1:9/x".hex()
_SEND = "\nimport requests\nrequests.post(target, data=b'x')\n"

# Each spelling the syntax-tree pass reads: the literal, a name bound to it (through
# wrappers and other names), an item of a list, a literal glued to another
HIDDEN = [
    f"import base64\ntarget = base64.b64decode('{_URL}')",
    f"import base64\nkept = '{_URL}'\ntarget = base64.b64decode(kept)",
    f"import base64\nkept = '{_URL}'\nx = bytes(kept.encode())\ntarget = base64.b64decode(x)",
    f"import base64\ntarget = base64.b64decode(str('{_IP}'))",
    f"import base64\ntarget = base64.b64decode('{_URL[:6]}' '{_URL[6:]}')",
    f"import base64\nkept = ('{_URL[:6]}'\n        '{_URL[6:]}')\ntarget = base64.b64decode(kept)",
    f"import base64\ntarget = base64.urlsafe_b64decode(b'{_URL}')",
    f"target = bytes.fromhex('{_HEX}')",
    f"from base64 import b64decode as unpack\ntarget = unpack('{_URL}')",
    f"import base64\nkept = ['x', '{_URL}']\ntarget = base64.b64decode(kept[1])",
    f"import base64\nkept = 'x', '{_URL}'\ntarget = base64.b64decode(kept[1])",
    f"import base64\nunpack = base64.b64decode\ntarget = unpack('{_URL}')",
    f"import binascii\nkept = '{_HEX}'\ntarget = binascii.unhexlify(kept)",
]


@pytest.mark.parametrize("source", HIDDEN)
def test_the_look_takes_each_address_the_tree_pass_finds(source: str) -> None:
    code = source + _SEND
    found = [h.kind for h in python.analyse(code, functions=True).hits]
    assert "hidden-address" in found
    assert may_hide_address(code)


def test_decoding_data_is_not_worth_the_tree_pass() -> None:
    """A client that decodes images and tokens (names bound to data, attributes,
    literals that are no address) is not walked for a hidden address."""
    source = (
        "import base64\n"
        "icon = 'aGVsbG8gd29ybGQ='\n"
        "def image(self, data):\n"
        "    raw = base64.b64decode(data)\n"
        "    return base64.b64decode(self.payload) + base64.b64decode(icon)\n"
    )
    assert not may_hide_address(source + _SEND)


def test_layers_a_decoder_of_the_files_own_undoes() -> None:
    host = b"telemetry.example.invalid"
    packed = base64.b64encode(zlib.compress(host)).decode()
    deflated = zlib.compressobj(wbits=-15)
    raw = base64.b64encode(deflated.compress(b"10.0.0.9:8080") + deflated.flush()).decode()
    assert layered_address(packed[::-1]) == host.decode()
    assert layered_address(packed.encode()) == host.decode()
    assert layered_address(raw) == "10.0.0.9:8080"
    assert (
        layered_address(base64.b64encode(b"https://a.invalid/x").decode()) == "https://a.invalid/x"
    )
    # data, a bomb's first bytes, text that is no address
    assert layered_address(base64.b64encode(zlib.compress(b"hello world")).decode()) == ""
    assert layered_address(base64.b64encode(zlib.compress(b"a" * 1_000_000)).decode()) == ""
    assert layered_address("not base64 at all!") == ""
    assert layered_address(12) == ""


def test_the_look_reads_a_bounded_stretch_of_hostile_text() -> None:
    """A literal is not searched for to the end of the text (each call would read
    the rest of it): one longer than an address is none, one never closed, or
    with escapes, counts as found and the tree pass decides."""
    long_line = "x = b64decode('" + "a" * 10_000 + "')\n"
    never_closed = "x = b64decode('abc" * 10_000
    escaped = "x = b64decode('" + "\\x41" * 3_000 + "')\n"
    assert not may_hide_address(long_line)  # (longer than any address: not one)
    assert may_hide_address(never_closed)
    assert may_hide_address(escaped)  # (escapes: its value may be shorter)
    assert not may_hide_address("x = b64decode('aGVsbG8gd29ybGQ=')\n" * 1_000)
