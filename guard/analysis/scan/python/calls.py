"""The second pass: each call, ``+`` chain, subscript and loop, to its detector.

A call goes to the detector of its name (``_BY_NAME``, then ``_BY_LAST``);
every call is also checked for chr()-built strings and stealth codecs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from guard.analysis.scan.hits import (
    CREDENTIAL_ACCESS,
    DROPPER,
    INSTALL_TIME_CODE,
    OBFUSCATED_CODE,
)
from guard.analysis.scan.python import (
    covert,
    environ,
    execs,
    fold,
    setupcall,
    signing,
    spawn,
    writes,
)
from guard.analysis.scan.python.accounts import CLIENTS, account_client
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.exprs import is_chr_join, stealth_codec
from guard.analysis.scan.python.names import (
    BARE_SPAWNS,
    DECODERS,
    DUMPERS,
    EXECS,
    FILE_EXEC,
    IDENTITY,
    NETWORK,
    SECRET_APIS,
    SECRET_CALLS,
    SECRET_GETTERS,
    SENSITIVE_MODULES,
    SPAWN,
    UNPICKLERS,
    WRITE_CALLS,
    last_part,
)
from guard.analysis.scan.python.words import any_of

Act = Callable[[Context, ast.Call, str], None]


def run(cx: Context, checked: Sequence[ast.AST]) -> None:
    """Check the nodes the walk kept, in source order."""
    # (the operands of a chain of ``+`` that are ``+`` themselves: a chain is read
    # once, at its outermost node, which source order may not list first)
    chained = {
        id(side)
        for node in checked
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
        for side in (node.left, node.right)
        if isinstance(side, ast.BinOp)
    }
    for node in checked:
        if isinstance(node, ast.Call):
            call(cx, node)
        elif isinstance(node, ast.BinOp):
            _sum(cx, node, chained)
        elif isinstance(node, ast.Subscript):
            environ.subscript(cx, node)
            fold.built_name(cx, node)
        elif isinstance(node, ast.For):
            environ.loop(cx, node)


def _sum(cx: Context, node: ast.BinOp, chained: set[int]) -> None:
    """A chain of ``+`` (checked once, at its outermost node) that adds up chr() codes."""
    if id(node) in chained or not isinstance(node.op, ast.Add):
        return
    if is_chr_join(node, cx.aliases):
        cx.hit(OBFUSCATED_CODE, "chr-join", 2.5, node, "builds a string from chr() codes")


def call(cx: Context, node: ast.Call) -> None:
    name = cx.qual(node.func)
    last = last_part(name)
    act = _detector_of(name, last)
    if act is not None:
        act(cx, node, name)
    elif last in covert.CHAT_SENDS:
        covert.chat_send(cx, node, name)
    if last in covert.RAW_SENDS:
        covert.environment_over_connection(cx, node, name)
    if is_chr_join(node, cx.aliases):
        cx.hit(OBFUSCATED_CODE, "chr-join", 2.5, node, "builds a string from chr() codes")
    if node.args:
        if fold.is_lookup(node, name):
            fold.built_name(cx, node, name)
        _identity_passed(cx, node)
    codec = stealth_codec(node) if last == "decode" else ""
    if codec:
        cx.hit(OBFUSCATED_CODE, "decode-blob", 1.5, node, f"decodes with {codec}")


def _network(cx: Context, node: ast.Call, name: str) -> None:
    """A network call: 3 in a function, 5 in code that runs (installing or importing
    a package has no reason to talk to the network)."""
    if name == "socket.socket" and not cx.uses_sockets():
        return  # a socket object nothing connects, binds or sends on (a catalogue of types)
    weight = 3.0 if id(node) in cx.deferred else 5.0
    what = f"{name} with data, a post" if _urlopen_sends(cx, node, name) else name
    cx.hit(INSTALL_TIME_CODE, "network", weight, node, f"network call ({what})")
    if last_part(name) in _DOWNLOADS_TO_FILE:
        cx.hit(DROPPER, "download-file", 0.0, node, "downloads to a file")
    covert.secret_sent(cx, node, name)
    covert.environment_sent(cx, node, name)
    if name in covert.DNS_QUERIES:
        covert.dns_query(cx, node, name)
    signing.signing_key_sent(cx, node, name)
    address = fold.built_address(cx, node)
    if address:
        what = f"builds the address it talks to from codes ({address})"
        cx.hit(OBFUSCATED_CODE, "hidden-address", 6.0, node, what)


_DOWNLOADS_TO_FILE = frozenset({"urlretrieve", "download"})


# HTTP clients that keep a session: what their ``post`` sends is an upload too.
_SESSIONS = frozenset(
    {
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
    }
)


def _session_send(cx: Context, node: ast.Call, name: str) -> None:
    """``client.post(...)`` on a client a session constructor made (assigned, or
    bound by ``with ... as client``): an upload, as ``requests.post`` is."""
    func = node.func
    owner = func.value if isinstance(func, ast.Attribute) else None
    held = cx.assigned.get(owner.id, ()) if isinstance(owner, ast.Name) else ()
    made = [cx.qual(v.func) for v in held if isinstance(v, ast.Call)]
    session = next((m for m in made if m in _SESSIONS), None)
    if session is not None and isinstance(func, ast.Attribute):
        _network(cx, node, f"{session}.{func.attr}")


def _urlopen_sends(cx: Context, node: ast.Call, name: str) -> bool:
    """``urlopen(url, data)`` (or of a ``Request`` made with data, directly or through
    a name): urllib's POST, an upload as ``requests.post`` is (see
    ``guard.analysis.scan.score``)."""
    if last_part(name) != "urlopen":
        return False
    request: ast.AST | None = node.args[0] if node.args else None
    if request is not None:
        request = cx.one_value(request) or request
    made = request.keywords if isinstance(request, ast.Call) else []
    given = [*node.args[1:2], *(k.value for k in (*node.keywords, *made) if k.arg == "data")]
    if isinstance(request, ast.Call) and len(request.args) > 1:
        given.append(request.args[1])
    return any(not (isinstance(g, ast.Constant) and g.value is None) for g in given)


def _secret_api(cx: Context, node: ast.Call, name: str) -> None:
    if name not in SECRET_CALLS and _own_method(cx, node):
        return  # (``self.get_credentials()`` of the file's own class: not a cloud SDK's)
    kind, weight, what = SECRET_CALLS.get(name) or SECRET_APIS[last_part(name)]
    cx.hit(CREDENTIAL_ACCESS, kind, weight, node, f"{what} ({name})")


def _own_method(cx: Context, node: ast.Call) -> bool:
    """``self.m()`` or ``cls.m()`` where the file defines a method ``m``."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return False
    if func.value.id not in {"self", "cls"}:
        return False
    return any(key.endswith(f".{func.attr}") for key in cx.params)


def _identity(cx: Context, node: ast.Call, name: str) -> None:
    cx.hit(INSTALL_TIME_CODE, "identity", 1.0, node, f"reads host or user identity ({name})")


def _identity_passed(cx: Context, node: ast.Call) -> None:
    """``try_call(socket.getfqdn)``: an identity function handed to a helper that
    calls it reads the identity as surely as a call does."""
    if not cx.mentions("identity", _IDENTITY_WORDS):
        return
    for arg in node.args:
        if isinstance(arg, ast.Attribute | ast.Name) and _last_name(cx, arg) in _IDENTITY_LAST:
            name = cx.qual(arg)
            if name in IDENTITY:
                _identity(cx, node, name)
                return


_IDENTITY_LAST = frozenset(last_part(n) for n in IDENTITY)
# (the file names one: ``node`` only as ``platform.node``, ``node`` being a common word)
_IDENTITY_WORDS = any_of(sorted((_IDENTITY_LAST - {"node"}) | {"platform.node"}))


def _last_name(cx: Context, node: ast.Attribute | ast.Name) -> str:
    """The last part of the name (through an import alias: ``gh`` of ``gethostname``)."""
    return (
        node.attr
        if isinstance(node, ast.Attribute)
        else last_part(cx.aliases.get(node.id, node.id))
    )


def _marshal(cx: Context, node: ast.Call, name: str) -> None:
    cx.hit(OBFUSCATED_CODE, "marshal", 3.0, node, "loads marshalled code")


def _decode_blob(cx: Context, node: ast.Call, name: str) -> None:
    if node.args and cx.long_literal(node.args[0], 64):
        cx.hit(OBFUSCATED_CODE, "decode-blob", 1.5, node, f"decodes an embedded blob ({name})")


def _hidden_name(cx: Context, node: ast.Call, name: str) -> None:
    """``getattr(os, <decoded>)``, ``__import__(<decoded>)``: a name hidden from readers (5)."""
    if name == "getattr":
        if len(node.args) < 2 or cx.qual(node.args[0]) not in SENSITIVE_MODULES:
            return
        hidden = node.args[1]
    elif node.args:
        hidden = node.args[0]
    else:
        return
    if execs.feeds(cx, hidden).isdisjoint({"decode", "chr", "reverse"}):
        return
    shown = _reversed_literal(hidden) if name == "getattr" else None
    if shown is not None and not _watched(f"{cx.qual(node.args[0])}.{shown}", shown):
        # the name, read backwards, is nothing the scan watches (sys._getframe)
        text = f"{name}() of a name written backwards ({shown})"
        cx.hit(OBFUSCATED_CODE, "hidden-name", 1.0, node, text)
        return
    cx.hit(OBFUSCATED_CODE, "hidden-name", 5.0, node, f"{name}() of an obfuscated name")


def _reversed_literal(node: ast.expr) -> str | None:
    """The text of ``"...."[::-1]``, a string literal read backwards; else None."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)):
        return None
    bounds, step = (node.slice.lower, node.slice.upper), node.slice.step
    literal = node.value.value if isinstance(node.value, ast.Constant) else None
    backwards = (
        isinstance(step, ast.UnaryOp)
        and isinstance(step.op, ast.USub)
        and isinstance(step.operand, ast.Constant)
        and step.operand.value == 1
    )
    if isinstance(literal, str) and backwards and bounds == (None, None):
        return literal[::-1]
    return None


def _watched(qualified: str, attribute: str) -> bool:
    """A call some detector watches, or a builtin that runs or loads code."""
    return qualified in _BY_NAME or attribute in _RUNS_CODE


_RUNS_CODE = frozenset({"exec", "eval", "compile", "__import__", "open", "getattr", "setattr"})


# A call's detector by its full name; where a name is in two tables, the earlier
# one wins (marshal.loads is a decoder, but counts as marshalled code).
_BY_NAME: dict[str, Act] = {}
for _names, _detector in reversed(
    (
        (SPAWN, spawn.spawn),
        (NETWORK, _network),
        (EXECS | FILE_EXEC, execs.exec_call),
        (IDENTITY, _identity),
        (SECRET_GETTERS, environ.getter),
        (frozenset({"marshal.loads"}), _marshal),
        (UNPICKLERS, execs.unpickle),
        (DECODERS, _decode_blob),
        (frozenset({"getattr", "__import__", "importlib.import_module"}), _hidden_name),
        (WRITE_CALLS, writes.write),
        (writes.PATH_JOINS, writes.joined_path),
        (DUMPERS, environ.dump),
        (frozenset(SECRET_CALLS), _secret_api),
        (frozenset({"os.dup2"}), spawn.dup2),
        (execs.ZIP_IMPORTS, execs.zip_import),
        (covert.LOOKUPS, covert.lookup),
        (frozenset(CLIENTS), account_client),
    )
):
    _BY_NAME.update(dict.fromkeys(_names, _detector))
# ...and by its last part, for names in no table.
_BY_LAST: dict[str, Act] = {
    "write_text": writes.write,
    "write_bytes": writes.write,
    "write": writes.content,
    "read": writes.read,
    "post": _session_send,
    "put": _session_send,
    "read_text": writes.read,
    "read_bytes": writes.read,
    "setup": setupcall.setup_call,
    **dict.fromkeys(SECRET_APIS, _secret_api),
}


def _detector_of(name: str, last: str) -> Act | None:
    act = _BY_NAME.get(name)
    if act is not None:
        return act
    if last in BARE_SPAWNS and "." not in name:
        return spawn.spawn  # Popen(...) after "from subprocess import *"
    return _BY_LAST.get(last)


# The names a plain assignment may alias (``e = exec``).
KNOWN = frozenset(_BY_NAME)
