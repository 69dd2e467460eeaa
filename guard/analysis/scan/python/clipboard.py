"""A clipboard swapper ("clipper"), found in the text.

A clipper watches the clipboard for a crypto-currency address and puts the
attacker's own in its place, so that the victim pays the attacker. Its shape
is the same in every family: the clipboard read (``pyperclip.paste``,
``GetClipboardData``, ``pbpaste``...), the text tested against the pattern of a
wallet address (``^0x[a-fA-F0-9]{40}$``, the base58 or bech32 alphabet) or
compared with one, and the clipboard written (``pyperclip.copy``,
``SetClipboardText``, ``pbcopy``...) in the same function (``clipper``, a
technique). A wallet tool that copies an address, or reads one pasted, does
one of the two in a function; a clipboard tool names no wallet address.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from guard.analysis.scan.hits import CREDENTIAL_ACCESS, Hit, HitAt
from guard.analysis.scan.python.outline import DEF_LINE

# (the lower-cased words the text checks' one search finds: ``text._HINTS``)
CLIPBOARD_HINTS = ("clipboard", "pyperclip", "xclip", "xsel", "pbcopy", "pbpaste")
_READS = re.compile(
    r"pyperclip\.paste\(|clipboard\.paste\(|getclipboarddata\(|clipboard_get\(|read_clipboard\("
    r"|\.clipboard\(\)\.text\(|wait_for_text\(|get-clipboard|pbpaste"
    r"|xclip[^\n]{0,60}-o\b|xsel[^\n]{0,30}-o\b"
)
_WRITES = re.compile(
    r"pyperclip\.copy\(|clipboard\.copy\(|setclipboardtext\(|setclipboarddata\(|clipboard_append\("
    r"|\.clipboard\(\)\.settext\(|set-clipboard|pbcopy"
    r"|xclip(?![^\n]{0,60}-o\b)|xsel(?![^\n]{0,30}-o\b)"  # (xclip and xsel write unless -o)
)
# A wallet address, or the pattern of one: the base58 alphabet (Bitcoin, Tron,
# Solana), 40 hexadecimal digits after ``0x`` (Ethereum), the bech32 alphabet.
_WALLETS = re.compile(
    r"a-km-za-hj-np-z1-9|1-9a-hj-np-za-km-z|0x\[[0-9a-f-]+\]\{40\}"
    r"|qpzry9x8gf2tvdw0s3jn54khce6mua7l|\bbc1[02-9ac-hj-np-z]{20,80}\b|\b0x[0-9a-f]{40}\b"
    r"|\[13\]\[a-km|\(bc1\|\[13\]\)"
)
_DEF = re.compile(DEF_LINE.pattern, re.M)


def clipper_hit(lowered: str, at: HitAt) -> Hit | None:
    """The clipboard read and written in one function (or both at module level) of
    a file that holds a wallet address or its pattern."""
    if _WALLETS.search(lowered) is None:
        return None
    reads = [m.start() for m in _READS.finditer(lowered)]
    if not reads:
        return None
    defs = [m.start() for m in _DEF.finditer(lowered)]
    read_in = {_enclosing(defs, read) for read in reads}
    for write in _WRITES.finditer(lowered):
        if _enclosing(defs, write.start()) in read_in:
            what = (
                "reads and writes the clipboard in one function, in a file that holds a"
                " wallet address or its pattern (a clipboard swapper)"
            )
            return at(write.start(), CREDENTIAL_ACCESS, "clipper", 6.0, what)
    return None


def _enclosing(defs: list[int], offset: int) -> int:
    """The offset of the last ``def`` line before ``offset`` (-1: none): the
    function the text at ``offset`` belongs to, near enough."""
    return defs[bisect_right(defs, offset) - 1] if defs and defs[0] < offset else -1
