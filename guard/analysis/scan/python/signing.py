"""Signing keys sent out: a key read from the environment that reaches a request.

Some secrets are keys that sign: a cloud secret access key, a private key, a
wallet's recovery phrase. Honest code signs with them (AWS's SigV4 never sends
the secret) and never puts one in a request. Code that reads one from the
environment and puts it in the address or the body of a request to an address
written in the code is the stealer's shape (the hijacked ``ctx`` releases read
``AWS_SECRET_ACCESS_KEY`` in a constructor, kept it on ``self``, and sent it in
a URL from another method) (6). Headers and ``auth=`` are left alone: that is
where a client hands a service its own token.
"""

from __future__ import annotations

import ast
import re

from guard.analysis.scan.hits import CREDENTIAL_ACCESS
from guard.analysis.scan.python.collect import own_attribute
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.covert import fixed_address, request_url
from guard.analysis.scan.python.environ import variable_read
from guard.analysis.scan.python.names import str_value
from guard.analysis.scan.python.words import any_of

# Environment variables that hold a key that signs, not a token a service is sent.
SIGNING_ENV = re.compile(
    r"SECRET_ACCESS_KEY|(?:^|_)SECRET_KEY$|PRIVATE_?KEY|MNEMONIC|SEED_?PHRASE", re.IGNORECASE
)
# (the cheap look: one of these words somewhere in the file)
_WORDS = any_of(("SECRET", "secret", "PRIVATE", "private", "MNEMONIC", "mnemonic", "SEED", "seed"))
_SENT = frozenset({"data", "json", "params", "files", "body", "content", "url"})


def signing_key_sent(cx: Context, node: ast.Call, name: str) -> None:
    """A network call to an address fixed in the code whose address or payload
    carries a signing key read from the environment (directly, through a name, or
    through an attribute of ``self`` another method set)."""
    if not cx.mentions("signing", _WORDS):
        return
    scope = cx.scope(node)
    url = request_url(node)
    if url is None or not fixed_address(cx, url, scope):
        return
    sent = [*node.args, *(k.value for k in node.keywords if k.arg in _SENT)]
    key = next((k for part in sent if (k := _carried_key(cx, part, scope))), "")
    if key:
        text = (
            f"sends a signing key from the environment ({key}) to an address fixed in"
            f" the code ({name})"
        )
        cx.hit(CREDENTIAL_ACCESS, "steal-send", 6.0, node, text)


def _carried_key(cx: Context, part: ast.AST, scope: str) -> str:
    """The signing variable ``part`` carries, or ''."""
    for expr in cx.expand(part, scope=scope):
        for sub in _carried(cx, expr):
            found = _signing_read(cx, sub) or _held_by_attribute(cx, sub)
            if found:
                return found
    return ""


# Calls whose result still holds their argument's text (a signature, a hash, a
# cipher's output does not: that is the key used, not sent).
_KEEPS = frozenset(
    {
        "str",
        "format",
        "join",
        "encode",
        "decode",
        "strip",
        "dumps",
        "dict",
        "b64encode",
        "urlsafe_b64encode",
        "urlencode",
        "quote",
        "get",
        "getenv",
    }
)


def _carried(cx: Context, node: ast.AST) -> list[ast.AST]:
    """The nodes of an expression whose text it carries: not inside a call that
    transforms its argument into something else (``hmac.new(key, ...)``)."""
    out: list[ast.AST] = []
    todo = [node]
    while todo:
        sub = todo.pop()
        out.append(sub)
        if isinstance(sub, ast.Call) and cx.qual(sub.func).rsplit(".", 1)[-1] not in _KEEPS:
            continue
        todo.extend(ast.iter_child_nodes(sub))
    return out


def _held_by_attribute(cx: Context, node: ast.AST) -> str:
    """``self.x`` where some method set ``self.x`` to a signing read: its variable."""
    if not (isinstance(node, ast.expr) and own_attribute(node)):
        return ""
    values = cx.attributes.get(node.attr, [])[:6]
    return next((k for v in values for s in ast.walk(v) if (k := _signing_read(cx, s))), "")


def _signing_read(cx: Context, node: ast.AST) -> str:
    """``os.getenv("X")``, ``os.environ.get("X")``, ``os.environ["X"]`` of a signing
    variable: its name, else ''."""
    variable = str_value(variable_read(cx, node))
    return variable if variable is not None and SIGNING_ENV.search(variable) else ""
