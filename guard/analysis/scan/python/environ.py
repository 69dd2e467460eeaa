"""The environment: secret-named variables, and the whole environment read at once."""

from __future__ import annotations

import ast

from guard.analysis.scan import patterns
from guard.analysis.scan.hits import CREDENTIAL_ACCESS, INSTALL_TIME_CODE
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.names import SECRET_GETTERS, str_value

_VIEWS = frozenset({"items", "keys", "values", "copy"})


def env_name(cx: Context, arg: ast.AST, node: ast.AST) -> None:
    """A read of a variable whose name says it holds a secret (2.5)."""
    name = str_value(arg)
    if name is not None and _secret_name(name):
        cx.hit(
            CREDENTIAL_ACCESS,
            "env-secret",
            2.5,
            node,
            f"reads the secret environment variable {name}",
        )


# A name that ends in one of these holds where a secret is, or how it is used, not
# the secret: HF_TOKEN_PATH, AWS_SHARED_CREDENTIALS_FILE, VAULT_AUTH_URL.
_LOCATIONS = ("_PATH", "_FILE", "_DIR", "_URL", "_URI", "_HOST", "_PORT", "_ENDPOINT")


def _secret_name(name: str) -> bool:
    """The variable's name says it holds a secret (not where one is)."""
    return patterns.SECRET_ENV.search(name) is not None and not _location(name)


def _location(name: str) -> bool:
    """The variable names a place or an address, not a secret (see ``_LOCATIONS``)."""
    return name.upper().endswith(_LOCATIONS)


def getter(cx: Context, node: ast.Call, name: str) -> None:
    """``os.getenv("X")``, ``os.environ.get("X")``."""
    if node.args:
        env_name(cx, node.args[0], node)


def dump(cx: Context, node: ast.Call, name: str) -> None:
    """``str(os.environ)``, ``json.dumps(os.environ)``: the whole environment (1);
    ``dict(os.environ)``, a copy (to send, if a download is next to it)."""
    if not node.args or cx.qual(node.args[0]) != "os.environ":
        return
    if name != "dict":
        cx.hit(INSTALL_TIME_CODE, "environ-dump", 1.0, node, "reads the whole environment")
    else:
        cx.hit(INSTALL_TIME_CODE, "environ-copy", 0.0, node, "copies the environment")


def subscript(cx: Context, node: ast.Subscript) -> None:
    """``os.environ["X"]``."""
    key = variable_read(cx, node)
    if key is not None:
        env_name(cx, key, node)


def variable_read(cx: Context, node: ast.AST) -> ast.AST | None:
    """The key of a read of one environment variable (``os.getenv(K)``,
    ``os.environ.get(K)``, ``os.environ[K]``), else None."""
    if isinstance(node, ast.Call) and node.args and cx.qual(node.func) in SECRET_GETTERS:
        return node.args[0]
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        return node.slice if cx.qual(node.value) == "os.environ" else None
    return None


def secret_in(cx: Context, node: ast.AST, scope: str) -> str:
    """The name of a secret-named variable (``env_name``'s) whose value ``node``
    draws on (names followed in ``scope``), or ''."""
    for expr in cx.expand(node, scope=scope):
        for sub in ast.walk(expr):
            key = variable_read(cx, sub)
            name = str_value(key) if key is not None else None
            if name is not None and _secret_name(name):
                return name
    return ""


def loop(cx: Context, node: ast.For) -> None:
    """``for k, v in os.environ.items()``, ``for k in os.environ``: the whole
    environment (1)."""
    if _whole_view(cx, node.iter):
        cx.hit(INSTALL_TIME_CODE, "environ-dump", 1.0, node, "reads the whole environment")
        bound = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        cx.environment_names.setdefault(cx.scope(node), set()).update(bound)


def _whole_view(cx: Context, it: ast.AST) -> bool:
    """``os.environ`` itself, or its items, keys, values or a copy of it."""
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in _VIEWS:
        it = it.func.value
    return isinstance(it, ast.Name | ast.Attribute) and cx.qual(it) == "os.environ"
