"""A network client's functions replaced as a module is loaded.

``requests.get = my_get`` at module level: from then on every request the
program makes, with its headers, tokens and answers, passes through the
package's function (a stealer's tap, or an adware's rewriting of what is sent).
Honest code wraps a client by making its own session, or patches one when its
user asks (``requests_cache.install_cache()``), inside a function; none of the
benign artifacts the benchmarks read replaces a client's function as it is
imported. A technique (``intercept``): it counts where the module is loaded.
"""

from __future__ import annotations

import ast

from guard.analysis.scan.hits import CREDENTIAL_ACCESS
from guard.analysis.scan.python.context import Context

# What code sends through: the request functions of HTTP clients and sockets
_TAPPED = {
    "requests": {"get", "post", "put", "patch", "delete", "head", "request", "Session"},
    "requests.Session": {"request", "send", "get", "post"},
    "requests.sessions.Session": {"request", "send", "get", "post"},
    "httpx": {"get", "post", "put", "patch", "delete", "request", "Client", "AsyncClient"},
    "httpx.Client": {"send", "request"},
    "urllib.request": {"urlopen", "Request", "build_opener"},
    "http.client.HTTPConnection": {"request", "send", "putheader"},
    "http.client.HTTPSConnection": {"request", "send", "putheader"},
    "socket": {"socket", "create_connection"},
    "socket.socket": {"send", "sendall", "connect"},
}
WEIGHT = 2.5


def replaced_clients(cx: Context, collected: list[ast.AST]) -> None:
    """Hit each module-level assignment that replaces a client's request function."""
    for node in collected:
        if not isinstance(node, ast.Assign) or id(node) in cx.deferred:
            continue
        for target in node.targets:
            if isinstance(target, ast.Attribute) and _tapped(cx, target):
                name = f"{cx.qual(target.value)}.{target.attr}"
                text = (
                    f"replaces {name} as it is loaded: every call of it passes through the package"
                )
                cx.hit(CREDENTIAL_ACCESS, "intercept", WEIGHT, node, text)


def _tapped(cx: Context, target: ast.Attribute) -> bool:
    return target.attr in _TAPPED.get(cx.qual(target.value), ())
