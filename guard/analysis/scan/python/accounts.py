"""Storage accounts written into the code: where stolen files are sent.

A stealer that uploads to a cloud storage service carries the key of an account
its author owns (``dropbox.Dropbox("sl.XXXX")``, a boto3 client made with a secret
access key): a client library takes its user's key from configuration, never
from a literal. Such a client is an exfiltration channel, as a webhook is (see
``combos``: user secrets next to a channel are the stealer shape).
"""

from __future__ import annotations

import ast

from guard.analysis.scan.hits import EXFIL_ENDPOINT
from guard.analysis.scan.python.context import Context

# A client's constructor -> the argument that carries its account's key (the
# keyword, and the position when it may be given positionally; -1: keyword only).
CLIENTS: dict[str, tuple[str, int]] = {
    "dropbox.Dropbox": ("oauth2_access_token", 0),
    "dropbox.dropbox_client.Dropbox": ("oauth2_access_token", 0),
    "boto3.client": ("aws_secret_access_key", -1),
    "boto3.resource": ("aws_secret_access_key", -1),
    "boto3.Session": ("aws_secret_access_key", -1),
    "boto3.session.Session": ("aws_secret_access_key", -1),
}
_MIN_KEY = 20  # (shorter literals are placeholders: "testing", "xxx")


def account_client(cx: Context, node: ast.Call, name: str) -> None:
    """A storage client made with a key written in the code: a channel (2)."""
    keyword, position = CLIENTS[name]
    given = [k.value for k in node.keywords if k.arg == keyword]
    if 0 <= position < len(node.args):
        given.append(node.args[position])
    if any(_literal_key(cx, value) for value in given):
        service = name.split(".", 1)[0]
        what = f"a {service} storage account whose key is written in the code ({name})"
        cx.hit(EXFIL_ENDPOINT, "endpoint", 2.0, node, what)


def _literal_key(cx: Context, value: ast.AST) -> bool:
    """A string literal long enough to be a real key, directly or through a name
    assigned once."""
    value = cx.one_value(value) or value
    text = value.value if isinstance(value, ast.Constant) else None
    return isinstance(text, str) and len(text) >= _MIN_KEY and " " not in text
