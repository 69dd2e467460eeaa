"""An address behind layers of encoding, handed to a decoder of the file's own.

``HTTPSConnection(self.decd(b"=wKC...Je"))``, where ``decd`` turns the text
around, decodes base64 and inflates zlib: the host the code connects to is in
no literal a reader or a search sees, and no decoder call names it.
``layered_address`` undoes the usual layers (the text backwards or not, base64,
zlib or raw deflate) of a literal handed to one of the file's own decoding
functions (``execs.decoding_functions``) and gives back what comes out when it
is an address: a URL, an IP address or a host name. No honest client hides
where it connects (``payloads``: *hidden-address*).
"""

from __future__ import annotations

import re
import zlib

from guard.analysis.scan.python.encoded import base64_bytes

MAX_LITERAL = 4096  # (characters of a literal tried; an address is short)
_INFLATED = 4 * MAX_LITERAL  # (bytes inflated at most: a bomb stops here)
_URL_OR_IP = re.compile(r"^(?:https?|ftp|wss?)://\S+$|^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?$")
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?::\d{1,5})?$", re.I)
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
# zlib's or gzip's header (47: either, told by the header), then raw deflate
_WINDOWS = (47, -15)


def layered_address(value: object) -> str:
    """The address a literal decodes to through base64, optionally backwards
    first and inflated after; '' when it is none."""
    text = value.decode("ascii", "ignore") if isinstance(value, bytes) else value
    if not isinstance(text, str) or not 8 <= len(text) <= MAX_LITERAL:
        return ""
    for candidate in (text.strip(), text.strip()[::-1]):
        raw = _from_base64(candidate)
        if raw is None:
            continue
        for layer in (raw, *(_inflate(raw, window) for window in _WINDOWS)):
            found = _address(layer)
            if found:
                return found
    return ""


def _from_base64(text: str) -> bytes | None:
    return base64_bytes(text) if _BASE64.match(text) else None


def _inflate(data: bytes, window: int) -> bytes:
    try:
        return zlib.decompressobj(window).decompress(data, _INFLATED)
    except zlib.error:
        return b""


def _address(data: bytes) -> str:
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        return ""
    return text if _URL_OR_IP.match(text) or _HOST.match(text) else ""
