"""Signing keys sent out: a key read from the environment that reaches a request.

Some secrets are keys that sign: a cloud secret access key, a private key, a
wallet's recovery phrase. Honest code signs with them (AWS's SigV4 never sends
the secret) and never puts one in a request. Code that reads one from the
environment and puts it in the address or the body of a request to an address
written in the code is the stealer's shape (the hijacked ``ctx`` releases read
``AWS_SECRET_ACCESS_KEY`` in a constructor, kept it on ``self``, and sent it in
a URL from another method) (6). So do the secret parts (``.secret_key``,
``.token``) of the credentials a cloud SDK resolves
(``boto3.Session().get_credentials()``, the hijacked ``fabrice``'s read) in a
request to an address of the code that is not the cloud's own (AWS's federation
endpoint takes a session's credentials: a console sign-in link). Headers and
``auth=`` are left alone: that is where a client hands a service its own token.
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
_WORDS = any_of(
    ("SECRET", "secret", "PRIVATE", "private", "MNEMONIC", "mnemonic", "SEED", "seed")
    + ("_credentials",)  # (a cloud SDK's: ``_SDK_CREDENTIALS``)
)
# What a cloud SDK hands back holding a session's secret key (boto3, botocore), and
# its parts that are secret (the access key is a name, not a secret).
_SDK_CREDENTIALS = frozenset({"get_credentials", "get_frozen_credentials"})
_SDK_SECRETS = frozenset({"secret_key", "token"})
_SDK_MODULES = ("boto3.", "botocore.")
_BOTO = re.compile("boto")
# The cloud's own addresses that take its credentials: AWS's federation sign-in (not
# any AWS address: a bucket of anyone's is one).
_CLOUD_OWN = re.compile(
    r"^https://(?:[a-z0-9-]+\.)?signin\.(?:aws\.amazon\.com|amazonaws-us-gov\.com|amazonaws\.cn)/federation\b"
)
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
    if key.endswith("()") and _cloud_own(cx, url, scope):
        return  # (a session's credentials handed to the cloud that issued them)
    if key:
        what = "cloud credentials" if key.endswith("()") else "a signing key from the environment"
        text = f"sends {what} ({key}) to an address fixed in the code ({name})"
        cx.hit(CREDENTIAL_ACCESS, "steal-send", 6.0, node, text)


def _cloud_own(cx: Context, url: ast.expr, scope: str) -> bool:
    """The address is the cloud's own sign-in (``_CLOUD_OWN``): every address the
    expression may hold is."""
    found = [
        text
        for expr in cx.expand(url, scope=scope)
        for sub in ast.walk(expr)
        if (text := str_value(sub)) is not None and text.startswith(("http://", "https://"))
    ]
    return bool(found) and all(_CLOUD_OWN.match(text) for text in found)


def _carried_key(cx: Context, part: ast.AST, scope: str) -> str:
    """The signing variable ``part`` carries (or the SDK call whose secret it
    carries, ``name()``), or ''."""
    for expr in cx.expand(part, scope=scope):
        for sub in _carried(cx, expr):
            found = (
                _signing_read(cx, sub)
                or _held_by_attribute(cx, sub)
                or _sdk_credentials(cx, sub, scope)
            )
            if found:
                return found
    return ""


def _sdk_credentials(cx: Context, node: ast.AST, scope: str) -> str:
    """``creds.secret_key`` (or ``.token``) of what a cloud SDK resolved
    (``creds = boto3.Session().get_credentials()``): the call, ``name()``; else ''."""
    if not isinstance(node, ast.Attribute) or node.attr not in _SDK_SECRETS:
        return ""
    if not cx.mentions("boto", _BOTO):
        return ""
    for expr in cx.expand(node.value, scope=scope):
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Call) and (name := _sdk_call(cx, sub)):
                return f"{name}()"
    return ""


def _sdk_call(cx: Context, call: ast.Call) -> str:
    """The SDK's credentials call: ``get_credentials`` of a session (made in the
    file, or from ``boto3``/``botocore``), not a function of another package
    named so."""
    qual = cx.qual(call.func)
    head, _, name = qual.rpartition(".")
    if name not in _SDK_CREDENTIALS:
        return ""
    if not head or qual.startswith(_SDK_MODULES) or head.split(".")[0] in cx.assigned:
        return name
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
