"""Covert channels and hidden commands: data sent in DNS names, commands decoded at run time.

- A DNS lookup (``socket.gethostbyname``...) of a name built at run time whose
  literal part ends in a public domain (``f"{user}.{host}.x.example.com"``): the
  query itself carries the variable part to that domain's name server, the
  DNS-exfiltration shape of dependency-confusion probes. It counts as a network
  call; with host data in the same file it is host data sent out. A lookup of a
  plain name, of a name passed in, of the host's own name, or of a name in a
  local zone (``.local``, ``.internal``...) is what clients do and counts for
  nothing here.
- A process whose command is decoded at run time (base64, hex, ``chr()`` codes, a
  string read backwards): no build step hides the command it runs (6, like
  ``exec`` of decoded data).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping

from guard.analysis.scan.hits import (
    CREDENTIAL_ACCESS,
    DROPPER,
    EXFIL_ENDPOINT,
    INSTALL_TIME_CODE,
    OBFUSCATED_CODE,
    Hit,
)
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.environ import secret_in
from guard.analysis.scan.python.execs import feeds

LOOKUPS = frozenset(
    {
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.getaddrinfo",
    }
)
# A domain tail: at least two labels, the last alphabetic (``.x.example.com``).
_DOMAIN_TAIL = re.compile(r"[A-Za-z0-9-]+\.[A-Za-z]{2,24}\.?$")
# Names that stay in the host's or the site's own resolver (mDNS, cluster DNS, a LAN)
# or ask for an address's name (``in-addr.arpa``).
_LOCAL_ZONES = frozenset({"local", "localdomain", "localhost", "internal", "lan", "home", "arpa"})
_HIDDEN = frozenset({"decode", "chr", "reverse"})


def lookup(cx: Context, node: ast.Call, name: str) -> None:
    """A DNS lookup of a built name under a public domain: data sent in the query."""
    if not node.args:
        return
    scope = cx.scope(node)
    domain = built_domain(cx, node.args[0], scope)
    _secret_in_query(cx, node, domain, scope)
    if domain:
        what = f"a DNS lookup of a name built at run time under {domain}"
    elif not _sources(cx, node.args, scope).isdisjoint(_HIDDEN):
        what = "a DNS lookup of a name decoded at run time"
    else:
        return
    weight = 3.0 if id(node) in cx.deferred else 5.0
    cx.hit(INSTALL_TIME_CODE, "network", weight, node, f"network call ({name}): {what}")


# DNS queries of a library (``dnspython``): network calls, whose name may carry data
DNS_QUERIES = frozenset({"dns.resolver.resolve", "dns.resolver.query"})


def dns_query(cx: Context, node: ast.Call, name: str) -> None:
    """A ``dnspython`` query of a name built with a secret in it (see ``lookup``)."""
    if node.args:
        scope = cx.scope(node)
        _secret_in_query(cx, node, built_domain(cx, node.args[0], scope), scope)


def _secret_in_query(cx: Context, node: ast.Call, domain: str, scope: str) -> None:
    """A secret environment variable in the name a DNS query asks under a public
    domain: no resolver needs a secret in a name, and the query carries it to the
    domain's name server (6, anywhere)."""
    secret = secret_in(cx, node.args[0], scope) if domain else ""
    if secret:
        text = f"sends the secret environment variable {secret} in a DNS query under {domain}"
        cx.hit(CREDENTIAL_ACCESS, "steal-send", 6.0, node, text)


def built_domain(cx: Context, node: ast.AST, scope: str) -> str:
    """The public domain a name built at run time ends in ('' if none)."""
    for expr in cx.expand(node, scope=scope):
        tail = _literal_tail(expr)
        if tail and _DOMAIN_TAIL.search(tail):
            domain = ".".join(tail.strip(".").split(".")[-2:])
            if domain.rsplit(".", 1)[-1].lower() not in _LOCAL_ZONES:
                return domain
    return ""


def _literal_tail(node: ast.AST) -> str:
    """The literal text a built string ends with: ``x + ".a.com"``, ``f"{x}.a.com"``,
    ``"{}.a.com".format(x)``, ``"%s.a.com" % x``; '' for a plain literal or anything else."""
    if isinstance(node, ast.JoinedStr) and len(node.values) > 1:
        last = node.values[-1]
        return last.value if isinstance(last, ast.Constant) and isinstance(last.value, str) else ""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        right = node.right
        return (
            right.value if isinstance(right, ast.Constant) and isinstance(right.value, str) else ""
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _template_tail(node.left)
    if isinstance(node, ast.Call) and (node.args or node.keywords):
        return _format_tail(node.func)
    return ""


def _format_tail(func: ast.expr) -> str:
    """What ``"{}.a.com".format`` ends with after its last placeholder."""
    if isinstance(func, ast.Attribute) and func.attr == "format":
        return _template_tail(func.value)
    return ""


def _template_tail(node: ast.AST) -> str:
    """What a ``%s``/``{}`` template ends with after its last placeholder."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return ""
    parts = re.split(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdirx]|\{[^{}]*\}", node.value)
    return parts[-1] if len(parts) > 1 else ""


def decoded_command(cx: Context, node: ast.Call, name: str, args: list[ast.expr]) -> bool:
    """A process whose command is decoded at run time (6); True if it is one."""
    found = _sources(cx, args, cx.scope(node))
    if found.isdisjoint(_HIDDEN):
        return False
    how = "decoded data" if "decode" in found else "an obfuscated string"
    cx.hit(OBFUSCATED_CODE, "decode-exec", 6.0, node, f"runs a command made of {how} ({name})")
    return True


def _sources(cx: Context, args: list[ast.expr], scope: str) -> set[str]:
    """What the arguments draw on (``execs.feeds``), a call to a function of the
    file that decodes (``def b64d(s): x = base64.b64decode(s)...``) included."""
    found: set[str] = set()
    for arg in args:
        found |= feeds(cx, arg, scope)
        called = {
            name
            for expr in cx.expand(arg, scope=scope)
            for sub in ast.walk(expr)
            if isinstance(sub, ast.Call) and (name := cx.qual(sub.func)) in cx.params
        }
        if any(_decodes_in(cx, function) for function in called):
            found.add("decode")
    return found


def _decodes_in(cx: Context, function: str) -> bool:
    """The function of the file assigns decoded data (``x = base64.b64decode(s)``)."""
    return any(
        cx.scope_of.get(id(value), "") == function and "decode" in feeds(cx, value, function)
        for values in cx.assigned.values()
        for value in values
    )


# What an overridden install command has no packaging reason to do itself.
_HOOK_ACTS = frozenset({"spawn", "identity", "write-outside"})
_OVERRIDES = re.compile(r"""['"](?:install|develop|egg_info|install_\w+)['"]\s*:\s*([\w.]+)""")


def hook_acts(hits: list[Hit], reached: Mapping[str, str] | None = None) -> list[Hit]:
    """An overridden install, develop or egg_info command whose own code (its
    class's methods, and the functions they call or register: ``reached``, function
    -> the class whose methods reach it) runs a named program that is no build
    tool, reads who the user is, or writes outside the build tree: an install hook
    that acts on the machine (4, beside the act itself). A computed command (a
    compiler a build step found) does not count."""
    hooks = [h for h in hits if h.kind == "cmdclass" and not h.deferred]
    if not hooks:
        return []
    classes = {m.group(1).rsplit(".", 1)[-1] for h in hooks for m in _OVERRIDES.finditer(h.snippet)}
    for hit in hits:
        owner = _hook_owner(hit.scope, reached or {})
        if hit.kind in _HOOK_ACTS and owner and (owner in classes or not classes):
            if hit.kind == "spawn" and "computed command" in hit.text:
                continue
            text = f"overrides an install command that {_act(hit.text)}"
            return [
                Hit(
                    INSTALL_TIME_CODE,
                    "cmdclass",
                    4.0,
                    hit.line,
                    hit.snippet,
                    text,
                    hit.deferred,
                    hit.scope,
                )
            ]
    return []


def _hook_owner(scope: str, reached: Mapping[str, str]) -> str:
    """The class a hit's code belongs to: its method's, or the class whose methods
    reach its function ('' at module level)."""
    return scope.split(".", 1)[0] if "." in scope else reached.get(scope, "")


def _act(text: str) -> str:
    """'runs 'ls' (os.popen)' as the clause of a sentence."""
    return text.replace("reads host", "reads the host").split(" (")[0] if text else "acts"


# What unlocks a wallet: its recovery phrase or a private key. No wallet library
# sends either to a server; stealers of wallet keys take them as an argument
# (``check_balance(mnemonic)``) and post them to their own address.
_WALLET_SECRET = re.compile(
    r"mnemonic|seed_?(?:phrase|words)|(?:recovery|secret)_?phrase|priv(?:ate)?_?key|privkey",
    re.IGNORECASE,
)
# (lower case, for the quick look that decides whether a deep file is parsed: with
# an upload call in the file)
WALLET_HINTS = ("mnemonic", "seed_phrase", "seedphrase", "private_key", "privatekey", "privkey")
_PAYLOAD = frozenset({"data", "json", "params", "files", "body", "content"})


def request_url(node: ast.Call) -> ast.expr | None:
    """The address a network call is given: its first argument or ``url=``."""
    if node.args:
        return node.args[0]
    return next((k.value for k in node.keywords if k.arg == "url"), None)


def secret_sent(cx: Context, node: ast.Call, name: str) -> None:
    """A network call whose payload carries a wallet secret (a recovery phrase, a
    private key) to an address fixed in the code: the wallet stealer (6)."""
    payload = [*node.args[1:], *(k.value for k in node.keywords if k.arg in _PAYLOAD)]
    url = request_url(node)
    if url is None or not payload:
        return
    scope = cx.scope(node)
    secret = next((s for arg in payload if (s := _names_secret(cx, arg, scope))), "")
    if secret and fixed_address(cx, url, scope):
        text = f"sends a wallet secret ({secret}) to an address fixed in the code ({name})"
        cx.hit(CREDENTIAL_ACCESS, "steal-send", 6.0, node, text)


def environment_sent(cx: Context, node: ast.Call, name: str) -> None:
    """A network call to an address fixed in the code, in a function (or module-
    level code) that has just read the whole environment: its variables (tokens,
    keys, passwords) go out with it, the shape of the hijacked ``ctx`` releases.
    Like any technique it counts where the function sits, since the user's own
    call runs it (6)."""
    if not cx.names_environ():
        return
    scope = cx.scope(node)
    url = request_url(node)
    sent = [*node.args, *(k.value for k in node.keywords)]
    if url is not None and fixed_address(cx, url, scope) and _carries_environment(cx, sent, scope):
        text = f"sends the whole environment to an address fixed in the code ({name})"
        cx.hit(CREDENTIAL_ACCESS, "steal-send", 6.0, node, text)


# What sends on a connection made apart from the call: a socket's ``send``, an
# ``http.client`` connection's ``request``, a mail server's ``sendmail``
RAW_SENDS = frozenset({"send", "sendall", "sendto", "request", "write", "sendmail"})
# What makes a connection to a host it is given (the host, first)
_CONNECTIONS = frozenset(
    {
        "socket.create_connection",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "ssl.create_connection",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
    }
)
# (a host of the machine itself is a local service's, a debugger's, a test's)
_LOCAL_HOST = r"(?!localhost|127\.|::1|0\.0\.0\.0)"
_CONNECT_TO_LITERAL = re.compile(rf"""\.connect(?:_ex)?\(\s*\(\s*["']{_LOCAL_HOST}[^"']+["']""")
_REMOTE_HOST = re.compile(_LOCAL_HOST)


def environment_over_connection(cx: Context, node: ast.Call, name: str) -> None:
    """The whole environment sent on a socket or an ``http.client`` connection that
    the code opens to a host it names (``create_connection(("host", 443))``,
    ``s.connect(("203.0.113.9", 80))``): as ``environment_sent``, through a
    connection made in another statement (6, anywhere)."""
    if not cx.names_environ() or not isinstance(node.func, ast.Attribute):
        return
    scope = cx.scope(node)
    sent = [*node.args, *(k.value for k in node.keywords)]
    if not (_carries_environment(cx, sent, scope) and _fixed_peer(cx, node.func.value, scope)):
        return
    text = f"sends the whole environment over a connection to a host fixed in the code ({name})"
    cx.hit(CREDENTIAL_ACCESS, "steal-send", 6.0, node, text)


def _fixed_peer(cx: Context, receiver: ast.expr, scope: str) -> bool:
    """The connection ``receiver`` names was opened to a host written in the code."""
    for expr in cx.expand(receiver, scope=scope):
        if not isinstance(expr, ast.Call):
            continue
        made = cx.qual(expr.func)
        if made in _CONNECTIONS and expr.args:
            host = expr.args[0]
            host = host.elts[0] if isinstance(host, ast.Tuple) and host.elts else host
            return (
                isinstance(host, ast.Constant)
                and isinstance(host.value, str)
                and _REMOTE_HOST.match(host.value) is not None
            )
        if made == "socket.socket":  # (connected in another statement)
            return cx.mentions("connect-literal", _CONNECT_TO_LITERAL)
    return False


def _carries_environment(cx: Context, sent: list[ast.expr], scope: str) -> bool:
    """What the call sends (its address included) holds the whole environment
    (``os.environ`` itself, a copy, its items; not one variable of it), or a name
    a loop over the whole environment bound: the copy made for a subprocess
    (``env=dict(os.environ)``) beside a download does not reach the request."""
    for arg in sent:
        for expr, where in _with_returns(cx, arg, scope):
            if _whole_environment(cx, expr, cx.environment_names.get(where, set())):
                return True
    return False


def _with_returns(cx: Context, node: ast.AST, scope: str) -> Iterator[tuple[ast.AST, str]]:
    """``node`` expanded (``Context.expand``), with the function each part is in, and
    what the file's own functions called in it hand back, two calls deep
    (``json=collect()``, ``collect`` returning ``dict(os.environ)``)."""
    todo = [(node, scope, 0)]
    seen: set[str] = set()
    while todo:
        item, where, depth = todo.pop()
        for expr in cx.expand(item, scope=where):
            yield expr, where
            if depth >= 2:
                continue
            for sub in ast.walk(expr):
                key = _own_callee(sub, where, cx) if isinstance(sub, ast.Call) else ""
                if key and key not in seen:
                    seen.add(key)
                    todo.extend((value, key, depth + 1) for value in cx.returns[key])


def _own_callee(call: ast.Call, where: str, cx: Context) -> str:
    """The key of the file's function a call runs (``f()``, ``self.m()``), if it
    hands anything back; '' otherwise."""
    func = call.func
    if isinstance(func, ast.Name):
        key = func.id
    elif (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
    ):
        key = f"{where.split('.', 1)[0]}.{func.attr}" if "." in where else ""
    else:
        key = ""
    return key if key in cx.returns else ""


# Reads of one variable: ``os.environ.get("X")``, ``os.environ["X"]``...
_ONE_VARIABLE = frozenset({"get", "pop", "setdefault"})


def _whole_environment(cx: Context, expr: ast.AST, bound: set[str]) -> bool:
    partial: set[int] = set()
    found: list[ast.AST] = []
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Name) and sub.id in bound:
            return True
        if isinstance(sub, ast.Subscript) or (
            isinstance(sub, ast.Attribute) and sub.attr in _ONE_VARIABLE
        ):
            partial.add(id(sub.value))
        elif cx.qual(sub) == "os.environ":
            found.append(sub)
    return any(id(node) not in partial for node in found)


# Chat platforms whose bot libraries send messages and files: remote-access tools
# and stealers report through them (a bot's chat is their exfiltration channel).
_CHAT_LIBRARIES = frozenset(
    {"discord", "telegram", "telebot", "aiogram", "pyrogram", "telethon", "dhooks"}
)
CHAT_SENDS = frozenset(
    {"send", "send_message", "send_document", "send_photo", "send_file", "send_video"}
)


def chat_send(cx: Context, node: ast.Call, name: str) -> None:
    """A message or file sent by a chat bot library the file imports: a channel out,
    weighed only beside user secrets (``combos``: steal-send). A bot alone is not."""
    if any(module.split(".")[0] in _CHAT_LIBRARIES for module in cx.local_imports):
        cx.hit(EXFIL_ENDPOINT, "chat-send", 0.0, node, f"sends through a chat bot ({name})")


def _names_secret(cx: Context, node: ast.AST, scope: str) -> str:
    """The wallet secret a payload names (a variable, an attribute, a key), or ''."""
    for expr in cx.expand(node, scope=scope):
        for sub in ast.walk(expr):
            word = (
                sub.id
                if isinstance(sub, ast.Name)
                else sub.attr
                if isinstance(sub, ast.Attribute)
                else sub.value
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                else ""
            )
            if len(word) < 40 and _WALLET_SECRET.search(word):
                return word
    return ""


def _is_url(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith(("http://", "https://"))
    )


def fixed_address(cx: Context, node: ast.expr, scope: str) -> bool:
    """The URL is written in the code (a literal, decoded or not), not handed in."""
    if not _sources(cx, [node], scope).isdisjoint(_HIDDEN):
        return True
    for expr in cx.expand(node, scope=scope):
        for sub in ast.walk(expr):
            if _is_url(sub):
                return True
            if isinstance(sub, ast.Call) and not sub.args and cx.qual(sub.func) in cx.params:
                return True  # an address a function of the file returns
    return False


def script_drops(hits: list[Hit]) -> list[Hit]:
    """In one function (or at module level): a Python script written outside the
    build tree and the interpreter started: the dropper shape for code (6)."""
    scopes: dict[str, set[str]] = {}
    for hit in hits:
        scopes.setdefault(hit.scope, set()).add(hit.kind)
    text = "writes a Python script outside the build tree and runs the interpreter"
    return [
        Hit(DROPPER, "drop-run", 6.0, hit.line, hit.snippet, text, hit.deferred, hit.scope)
        for hit in hits
        if hit.kind == "write-script" and "runs-python" in scopes[hit.scope]
    ][:1]
