"""Files: written (or copied, moved) outside the build tree or to autostart, registry
values set, commands written that download, files of private secrets read, and
places of user secrets named in pieces (``os.path.join(home, ".electrum", "wallets")``)."""

from __future__ import annotations

import ast
import re

from guard.analysis.scan import patterns
from guard.analysis.scan.hits import CREDENTIAL_ACCESS, DROPPER, INSTALL_TIME_CODE
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.exprs import strings
from guard.analysis.scan.python.fold import template
from guard.analysis.scan.python.names import HOME_CALLS, OUTSIDE_TREE, WRITE_MODES
from guard.analysis.scan.python.text import looked_at

# Calls that join a path from pieces.
PATH_JOINS = frozenset({"os.path.join", "posixpath.join", "ntpath.join", "pathlib.Path"})


def write(cx: Context, node: ast.Call, name: str) -> None:
    """A write to an autostart location (4) or elsewhere outside the tree (2)."""
    if name in {"open", "io.open"} and not _opens_for_writing(node):
        _read(cx, node)
        return
    if name in _COPIES and node.args:  # (a copy reads its source)
        _read(cx, node, node.args[0], folder=name == "shutil.copytree")
    if _binary(node, name):
        cx.hit(DROPPER, "write-file", 0.0, node, "writes a binary file")
    target = _target(node, name)
    if target is not None:
        _where(cx, node, target)
    if "winreg." in name and node.args:
        _registry(cx, node, name, node.args)


def _registry(cx: Context, node: ast.Call, name: str, args: list[ast.expr]) -> None:
    """A registry value set: the command a run key starts (a download command is a
    marker, see ``content``); the command an auto-elevating program opens (a UAC
    bypass: 6)."""
    content(cx, node, name, args[-1])
    key = " ".join(s for expr in cx.expand(args[0]) for s in strings(expr))
    if patterns.ELEVATION_HIJACK.search(key):
        what = f"sets what an auto-elevating Windows program opens, a UAC bypass ({name})"
        cx.hit(DROPPER, "defence-off", 6.0, node, what)


# A command that fetches from an address: what a persistent downloader writes into
# a file that runs at log-in (``wget https://... -O f && f`` in ``~/.bashrc``).
_FETCH_COMMAND = re.compile(
    r"\b(?:curl|wget)\b[^\n]{0,200}?(?:https?|ftp)://|\b(?:Invoke-WebRequest|"
    r"Invoke-RestMethod|DownloadString|DownloadFile|Start-BitsTransfer)\b|"
    r"\b(?:iwr|irm)\s+[\"']?https?://",
    re.IGNORECASE,
)
# The words a fetching command holds, looked for in the lower-cased text with ``in``
# (a case-blind alternation read the text at 13 MB/s), and ``iwr``/``irm`` as words.
_FETCH_WORDS = ("curl", "wget", "invoke-", "downloadstring", "downloadfile", "bitstransfer")
_FETCH_ALIASES = re.compile(r"w(?<=\biw)r\b|m(?<=\birm)\b")


def _names_fetching(cx: Context) -> bool:
    """The file's text names a fetching command anywhere (once per file)."""
    return cx.fact("fetch-words", _fetching_words)


def _fetching_words(source: str) -> bool:
    text = source.lower()
    return any(word in text for word in _FETCH_WORDS) or bool(_FETCH_ALIASES.search(text))


def content(cx: Context, node: ast.Call, name: str, text: ast.expr | None = None) -> None:
    """``f.write(TEXT)``: text that holds a command that fetches from an address (a
    marker: written to an autostart location, a persistent downloader; ``combos``)."""
    text = text if text is not None else (node.args[0] if node.args else None)
    if text is None or not _names_fetching(cx):
        return
    exprs = cx.expand(text, scope=cx.scope(node))
    if _FETCH_COMMAND.search(" ".join(s for expr in exprs for s in strings(expr))):
        cx.hit(DROPPER, "fetch-text", 0.0, node, f"writes a command that downloads ({name})")


def read(cx: Context, node: ast.Call, name: str) -> None:
    """``config.read(path)`` (a parser reading a file it is given), ``Path(p).read_text()``:
    the file read, as ``open`` reads it (see ``_read``)."""
    func = node.func
    if name.endswith(("read_text", "read_bytes")) and isinstance(func, ast.Attribute):
        _read(cx, node, func.value)
    elif node.args:
        _read(cx, node)


_COPIES = frozenset(
    {"shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move", "shutil.copytree"}
)
# A folder of private secrets copied whole (``shutil.copytree(home + "/.ssh", ...)``)
_SECRET_FOLDER = re.compile(r"\.(?:ssh|aws|gnupg|kube|docker)[/\\]*(?:\s|$)", re.IGNORECASE)


def _read(cx: Context, node: ast.Call, path: ast.AST | None = None, folder: bool = False) -> None:
    """A file of the user's private secrets opened for reading, or copied (``folder``:
    a folder of them copied whole); a marker: uploaded in the same function, they
    are stolen (see ``combos``)."""
    path = path if path is not None else (node.args[0] if node.args else None)
    if path is None or not cx.mentions("private-file-words", patterns.PRIVATE_FILE_WORDS):
        return
    exprs = cx.expand(path, scope=cx.scope(node))
    words = " ".join(s for expr in exprs for s in strings(expr))
    # (or a file of the user's home, in a file that names such files: ``for name in
    # (".ssh/id_rsa", ...): open(join(home, name))``)
    named = cx.mentions("private-files", patterns.PRIVATE_FILES) and _calls_home(cx, exprs)
    whole = folder and _SECRET_FOLDER.search(words + " ") is not None
    if named or whole or patterns.PRIVATE_FILES.search(words):
        cx.hit(CREDENTIAL_ACCESS, "secret-read", 0.0, node, "reads a file of private secrets")


def _where(cx: Context, node: ast.Call, target: ast.AST) -> None:
    """Where the write goes: an autostart location (4), a program outside the tree (5),
    anything else outside the tree (2)."""
    exprs = cx.expand(target)
    words = " ".join(s for expr in exprs for s in strings(expr))
    if not isinstance(target, ast.Constant):
        # (the path as built: names folded, ``f"/{home}/{user}/{rc}"`` -> "/home/*/.bashrc")
        words += " " + template(cx, target)
    if _joins_a_path(cx, exprs):  # (``join(home, ".config", "systemd", "user", ...)``)
        words += " " + "/".join(_pieces(exprs))
    if _AUTHORIZED_KEYS.search(words):
        what = "writes to an SSH authorized_keys file: whoever holds the key it adds logs in"
        cx.hit(DROPPER, "backdoor-key", 5.0, node, what)
    elif patterns.AUTOSTART.search(words) or _rc_file(target):
        cx.hit(DROPPER, "autostart", 4.0, node, "writes to an autostart location")
    elif _PTH_FILE.search(words) and _in_site_packages(cx, exprs, words):
        what = "writes a .pth file into site-packages: Python runs it at every start-up"
        cx.hit(DROPPER, "autostart", 4.0, node, what)
    elif OUTSIDE_TREE.search(words) or _calls_home(cx, exprs):
        if _SCRIPT_FILE.search(words):  # a marker: run by the interpreter, a dropper
            cx.hit(DROPPER, "write-script", 0.0, node, "writes a Python script outside the tree")
        if _PROGRAM_FILE.search(words):
            what = "writes a program or script outside the build tree"
            cx.hit(INSTALL_TIME_CODE, "write-outside", 5.0, node, what)
        else:
            cx.hit(INSTALL_TIME_CODE, "write-outside", 2.0, node, "writes outside the build tree")


_PTH_FILE = re.compile(r"\.pth\b")
# Where the interpreter looks for .pth files at start-up
_SITE_CALLS = frozenset(
    {
        "site.getsitepackages",
        "site.getusersitepackages",
        "sysconfig.get_paths",
        "sysconfig.get_path",
        "distutils.sysconfig.get_python_lib",
    }
)


def _in_site_packages(cx: Context, exprs: list[ast.AST], words: str) -> bool:
    """The path is in a site-packages folder: named so, or asked of ``site`` or
    ``sysconfig`` (``site.USER_SITE`` too)."""
    if "site-packages" in words or "dist-packages" in words:
        return True
    for expr in exprs:
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Call) and cx.qual(sub.func) in _SITE_CALLS:
                return True
            if isinstance(sub, ast.Attribute) and cx.qual(sub) == "site.USER_SITE":
                return True
    return False


# The file sshd reads the keys allowed to log in from (``~/.ssh/authorized_keys``)
_AUTHORIZED_KEYS = re.compile(r"\bauthorized_keys2?\b")


def _joins_a_path(cx: Context, exprs: list[ast.AST]) -> bool:
    """The path is put together from pieces: a path join, or pathlib's ``/``."""
    for expr in exprs:
        for sub in ast.walk(expr):
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Div):
                return True
            if isinstance(sub, ast.Call) and cx.qual(sub.func) in PATH_JOINS:
                return True
    return False


def _pieces(exprs: list[ast.AST]) -> list[str]:
    """The string literals of the expressions, in the order they are written."""
    found = [
        sub
        for expr in exprs
        for sub in ast.walk(expr)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
    ]
    found.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    return [str(n.value) for n in found]


# Files that run, or that a browser loads as an extension, when written to the
# user's folders: a dropped program (5), where data written outside is 2.
_PROGRAM_FILE = re.compile(
    r"\.(?:exe|dll|scr|bat|cmd|vbs|vbe|js|jse|ps1|hta|jar|pyw|desktop|plist)\b|manifest\.json",
    re.IGNORECASE,
)


_SCRIPT_FILE = re.compile(r"\.py\b", re.IGNORECASE)
# A shell's start-up file named alone (``open(".bashrc", "a")`` after ``os.chdir(home)``).
_RC_FILES = frozenset({".bashrc", ".bash_profile", ".zshrc", ".profile"})


def _rc_file(target: ast.AST) -> bool:
    """The path written is a shell's start-up file named alone, relative."""
    value = target.value if isinstance(target, ast.Constant) else None
    return isinstance(value, str) and value.strip().lower() in _RC_FILES


def _calls_home(cx: Context, exprs: list[ast.AST]) -> bool:
    """The path is built from the user's home directory."""
    return not HOME_CALLS.isdisjoint(cx.qual(sub) for expr in exprs for sub in ast.walk(expr))


def _binary(node: ast.Call, name: str) -> bool:
    """A binary file written: ``open(p, "wb")``, ``write_bytes``, a copy or move."""
    if name.endswith("write_bytes") or name.startswith(("shutil.", "os.", "winreg.", "_winreg.")):
        return True
    mode = _mode(node)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and "b" in mode.value


def _mode(node: ast.Call) -> ast.AST | None:
    mode = node.args[1] if len(node.args) > 1 else None
    for keyword in node.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    return mode


def _opens_for_writing(node: ast.Call) -> bool:
    mode = _mode(node)
    return (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and WRITE_MODES.search(mode.value) is not None
    )


def _target(node: ast.Call, name: str) -> ast.AST | None:
    """The path written: a copy's or move's last argument, a write_text's object..."""
    if name.startswith(("shutil.", "os.")) and node.args:
        return node.args[-1]
    if "winreg." in name and node.args:
        return node.args[0]  # the registry key
    if name.endswith(("write_text", "write_bytes")) and isinstance(node.func, ast.Attribute):
        return node.func.value
    return node.args[0] if node.args else None


def joined_path(cx: Context, node: ast.Call, name: str) -> None:
    """A place of user secrets named in literal pieces that a path join puts
    together (``join(appdata, "Exodus", "exodus.wallet")``): the text checks read
    one literal at a time and see no place in any of them; the joined path is
    what the code opens (a credential hit, as the text checks give)."""
    parts = [
        a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else "*"
        for a in node.args
    ]
    if sum(part != "*" for part in parts) < 2 or not _hints_secret_places(cx):
        return
    if any(patterns.CREDENTIAL_RE.search(part) for part in parts):
        return  # (one piece names the place whole: the text checks have it)
    found = patterns.CREDENTIAL_RE.search("/".join(parts))
    if found is None:
        return
    what, weight = patterns.credential_part(found.group(0))
    cx.hit(
        CREDENTIAL_ACCESS,
        "credential",
        weight,
        node,
        f"{what}: {found.group(0)} (joined by {name})",
    )


def _hints_secret_places(cx: Context) -> bool:
    """A line of the file holds a hint of a place of user secrets: the text checks'
    hint search, made once per text and shared (``text.looked_at``)."""
    return bool(looked_at(cx.source or "\n".join(cx.lines))[1]["credential"])
