"""Files dropped and started: the pieces the drop-run flow of ``payloads`` reads.

A dropper writes a program (fetched, decoded, or code kept in a literal) to a
file and starts it. The file may be named by a variable, by a literal
(``"m.py"``, ``"C:\\\\x\\\\a.exe"``) or be a temporary file
(``NamedTemporaryFile(delete=False)``, ``mkstemp()``); it may be started as the
program, or handed to an interpreter or a shell (``py m.py``, ``[sys.executable,
t.name]``, ``node x.js``, ``cmd /c start x.exe``), which run the file named in
their later words. This module knows those shapes: which calls make a temporary
file, which literals are code that acts, which words of a command are started,
and the module-level code (the body of a module without its function and class
bodies) that the flow reads as one more function.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from guard.analysis.scan.python.walk import CHILD_FIELDS, LEAF_TYPES

# A file object whose ``.name`` is its path and whose ``.write`` writes it.
TEMP_FILES = frozenset({"tempfile.NamedTemporaryFile"})
# Calls that return ``(fd, path)``: ``os.write(fd, data)`` writes the path.
TEMP_DESCRIPTORS = frozenset({"tempfile.mkstemp"})

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# The nodes the flow reads, and how to walk to them (fields of contexts, operators
# and names left out; a constant's value, and definitions, not walked).
_FLOW_NODES = frozenset(
    {
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.NamedExpr,
        ast.For,
        ast.AsyncFor,
        ast.With,
        ast.AsyncWith,
        ast.Call,
    }
)
# (the walk's table of child fields; definitions are not entered)
_NO_CHILDREN = LEAF_TYPES | frozenset(_DEFS)

# Programs that start the file named in their later words: interpreters and shells.
_LAUNCHERS = re.compile(
    r"^(?:py|pyw|python[\d.]*w?|node|perl|ruby|php|powershell|pwsh|cmd|start|sh|bash|zsh"
    r"|wscript|cscript|mshta|rundll32|regsvr32)(?:\.exe)?$",
    re.IGNORECASE,
)
_EXECUTABLES = frozenset({"sys.executable", "sys._base_executable"})

# What code kept in a literal does when it is started: runs code or programs,
# talks to the network, decodes (Python, PowerShell, batch or VBScript words).
_ACTS = re.compile(
    r"\b(?:exec|eval|compile|__import__|system|popen|Popen|subprocess|startfile|urlopen"
    r"|urlretrieve|requests|socket|b64decode|marshal|IEX|Invoke-Expression|Invoke-WebRequest"
    r"|DownloadString|DownloadFile|bitsadmin|certutil|CreateObject|WScript\.Shell)\b"
)
_MIN_CODE = 20

# The cheap look at a file's text: a process started and a file written (a
# temporary file; or ``open`` and an interpreter named: ``sys.executable``,
# ``"python x"``, ``"start x"``).
_TEMP_WORDS = ("NamedTemporaryFile", "mkstemp", "mktemp", "gettempdir")
_INTERPRETER_CUE = re.compile(
    r"[\"'](?:py|pyw|python[\d.]*w?|node|perl|wscript|cscript|powershell|pwsh|start|cmd)"
    r"(?:\.exe)?(?:\s|[\"'])",  # (a command line, or the first word of a list)
    re.IGNORECASE,
)


def worth_reading(source: str, run: bool) -> bool:
    """A process started (``run``: a process call or ``exec`` is named; else
    ``system`` imported under another name) and a file written that it may
    start: a temporary file, or ``open`` beside an interpreter named in the code."""
    # (``from os import system as s``: a process call under another name; the
    # interpreter as ``sys.executable`` or ``from sys import executable as e``)
    if not (run or "system as" in source):
        return False
    for word in _TEMP_WORDS:
        if word in source:
            return True
    if "open(" not in source:
        return False
    executable = "sys.executable" in source or "executable as" in source
    return executable or _INTERPRETER_CUE.search(source) is not None


def module_text(tree: ast.Module, lines: list[str]) -> str:
    """The lines of module-level code (the statements that are no function or
    class definitions), for the cheap look; each line once (many statements
    may share one line)."""
    out: list[str] = []
    done = 0  # (the lines taken so far)
    for node in tree.body:
        end = node.end_lineno or node.lineno
        if not isinstance(node, _DEFS) and end > done:
            out.extend(lines[max(node.lineno - 1, done) : end])
            done = end
    return "\n".join(out)


def module_nodes(tree: ast.Module) -> list[ast.AST]:
    """The nodes of module-level code the flow reads (assignments, loops, ``with``,
    calls), roughly in source order: what runs when the file runs (function and
    class bodies left out)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = [n for n in tree.body if not isinstance(n, _DEFS)]
    while stack:
        node = stack.pop()
        cls = type(node)
        if cls in _FLOW_NODES:
            out.append(node)
        for name in CHILD_FIELDS.get(cls, ()):
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(
                    v for v in value if isinstance(v, ast.AST) and type(v) not in _NO_CHILDREN
                )
            elif isinstance(value, ast.AST) and type(value) not in _NO_CHILDREN:
                stack.append(value)
    out.reverse()
    return out


def code_literal(node: ast.AST, values: dict[str, list[ast.expr]], depth: int = 0) -> bool:
    """``node`` is (or a name assigned only) a literal of code that acts when
    started: it runs code or programs, talks to the network or decodes."""
    if isinstance(node, ast.Name) and depth < 2:
        held = values.get(node.id, [])
        return len(held) == 1 and code_literal(held[0], values, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # ("...".encode(), "...".strip())
        return node.func.attr in {"encode", "strip"} and code_literal(node.func.value, values)
    if isinstance(node, ast.JoinedStr):
        return any(code_literal(v, values) for v in node.values)
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str | bytes):
        return False
    value = node.value
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return len(text) >= _MIN_CODE and _ACTS.search(text) is not None


def literal_files(path: ast.AST, values: dict[str, list[ast.expr]]) -> set[str]:
    """The file names written as literals in a path expression (``"m.py"``,
    ``join(gettempdir(), "a.exe")``, a name assigned such a literal): their last
    part, lower-cased."""
    out: set[str] = set()
    for sub in ast.walk(path):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            name = file_name(sub.value)
            if name:
                out.add(name)
        elif isinstance(sub, ast.Name):
            held = values.get(sub.id, [])
            if len(held) == 1 and isinstance(held[0], ast.Constant | ast.JoinedStr | ast.BinOp):
                out |= literal_files(held[0], {})
    return out


def file_name(word: str) -> str:
    """The last part of a literal path, lower-cased, if it names a file: one with
    an extension (``C:\\\\x\\\\a.exe`` -> ``a.exe``), or the last part of a path
    (``/tmp/.x``, ``/tmp/kworker``: droppers' programs often have no extension);
    else ''."""
    path = word.strip().strip("\"'").replace("\\", "/")
    last = path.rsplit("/", 1)[-1].lower()
    if not last or len(last) > 100 or last in (".", ".."):
        return ""
    stem, dot, ext = last.rpartition(".")
    return last if (dot and stem and ext.isalnum()) or "/" in path else ""


def tokens(words: list[ast.expr]) -> list[str | ast.expr]:
    """A command's words: a literal split at spaces (``"py m.py"`` -> ``py``,
    ``m.py``), any other word kept as it is (``f"start {exe} {t.name}"``)."""
    out: list[str | ast.expr] = []
    for word in words:
        if isinstance(word, ast.Constant) and isinstance(word.value, str):
            out.extend(part.strip("\"'") for part in word.value.split())
        else:
            out.append(word)
    return out


def started(
    words: list[str | ast.expr], is_executable: Callable[[ast.AST], bool]
) -> list[str | ast.expr]:
    """The words of a command that may name the file it starts: the program, and
    when that is an interpreter or a shell (``python``, ``py``, ``node``,
    ``cmd``, ``start``, ``sys.executable``), the words after it; not those after
    ``-m`` (``python -m pip install -r requirements.txt`` runs an installed module,
    and the file is that module's data)."""
    if not words:
        return []
    first = words[0]
    if isinstance(first, str):
        launcher = _LAUNCHERS.match(first.replace("\\", "/").rsplit("/", 1)[-1]) is not None
    else:
        launcher = is_executable(first)
    module = len(words) > 1 and words[1] == "-m"
    return words if launcher and not module else words[:1]


def names_executable(node: ast.AST, qual: Callable[[ast.AST], str]) -> bool:
    """The expression is the running interpreter (``sys.executable``, or made from
    it: ``sys.executable.replace("python.exe", "pythonw.exe")``), or an interpreter
    or shell looked up on the PATH (``shutil.which("pythonw")``)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute | ast.Name) and qual(sub) in _EXECUTABLES:
            return True
        if isinstance(sub, ast.Call) and sub.args and qual(sub.func) == "shutil.which":
            name = sub.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                return _LAUNCHERS.match(name.value) is not None
    return False
