"""Processes: what a spawned command runs (a shell, a downloader, a build tool...)."""

from __future__ import annotations

import ast
import itertools
import re

from guard.analysis.scan import patterns
from guard.analysis.scan.hits import DROPPER, EXFIL_ENDPOINT, INSTALL_TIME_CODE
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.covert import decoded_command
from guard.analysis.scan.python.exprs import last_word, script_name, strings
from guard.analysis.scan.python.fold import template

_COMMAND_KEYWORDS = frozenset({"args", "cmd", "command"})


def spawn(cx: Context, node: ast.Call, name: str) -> None:
    """A process: a shell or inline code (5), a weak command (5), anything else (1)."""
    args = _command(node)
    # (what the command is made of, read once: the markers and checks below share it)
    words = _words(cx, node, args)
    executable = _runs_python(cx, args)
    first = program(cx, args[0]) if args else ""
    _markers(cx, node, words, executable or first.startswith("python"))
    if not _data_arguments(cx, node, args) and decoded_command(cx, node, name, args):
        return
    tokens = [t for w in words for t in w.split()]
    # a script of the tree the command runs (``python payload.py``): followed
    cx.local_imports.extend(w.strip() for w in words if w.strip().endswith(".py"))
    if executable or first_word(words).startswith("py"):
        _follow_interpreter(cx, node, words, tokens)
    _judge(cx, node, name, words, tokens, executable, first)


def _judge(
    cx: Context,
    node: ast.Call,
    name: str,
    words: list[str],
    tokens: list[str],
    executable: bool,
    first: str,
) -> None:
    """The command's hits: a cradle (6), a shell or its like (5), another program (1)."""
    text = " ".join(words)
    cradle = patterns.CRADLES.search(text)
    if cradle:
        what = f"runs a download cradle or reverse shell: {cradle.group(0).strip()[:60]!r}"
        cx.hit(DROPPER, "cradle", 6.0, node, what)
    defence = patterns.DEFENCE_OFF.search(text)
    if defence:
        shown = " ".join(defence.group(0).split())[:60]
        what = f"turns the machine's defences off: {shown!r} ({name})"
        cx.hit(DROPPER, "defence-off", 6.0, node, what)
    interpreter = executable or (bool(words) and first.startswith("py"))
    shell = (
        _strong(text)
        or _inline(text, words, executable)
        or _installs_from_address(tokens)
        or _detached_interpreter(name, tokens, text, interpreter)
        or _detached(cx, node, name)
        or _shell_runs_odd(first, tokens)
    )
    if shell:
        cx.hit(INSTALL_TIME_CODE, "spawn-shell", 5.0, node, f"{shell} ({name})")
        return
    if not executable and first not in patterns.BUILD_TOOLS:
        kind, weight, what = _other_command(text, name, first)
        cx.hit(INSTALL_TIME_CODE, kind, weight, node, f"{what} ({name})")


def _markers(cx: Context, node: ast.Call, words: list[str], runs_python: bool) -> None:
    """Zero-weight markers for the combinations: a process, a wired descriptor, the
    interpreter started (on a script)."""
    cx.hit(INSTALL_TIME_CODE, "process", 0.0, node, "starts a process")
    if any(k.arg in _STREAMS and fileno_of(k.value) for k in node.keywords):
        cx.hit(DROPPER, "std-redirect", 0.0, node, "wires a process to a descriptor")
    upload = command_upload(" ".join(words))
    if upload:
        what = f"uploads a file with a command ({upload})"
        cx.hit(EXFIL_ENDPOINT, "command-upload", 0.0, node, what)
    if runs_python:
        cx.hit(DROPPER, "runs-python", 0.0, node, "runs the Python interpreter")
        if any(_script_word(w) for w in words[1:]):
            cx.hit(DROPPER, "runs-script", 0.0, node, "runs a Python script")


def command_upload(text: str) -> str:
    """The program (``curl``, ``wget``) of a command line in ``text`` that uploads a
    file (``patterns.UPLOAD_OPTION``), lower-cased; '' if none."""
    for found in itertools.islice(
        patterns.UPLOAD_OPTION.finditer(text), patterns.MAX_UPLOAD_OPTIONS
    ):
        line = text.rfind("\n", 0, found.start()) + 1
        program = patterns.UPLOADER.search(text, max(line, found.start() - 300), found.start())
        if program:
            return program.group(1).lower()
    return ""


def _follow_interpreter(cx: Context, node: ast.Call, words: list[str], tokens: list[str]) -> None:
    """What an interpreter the command starts runs from the tree: ``-m pkg.mod``
    (run as ``__main__``: its main guard runs too), the code ``-c`` hands it (read
    as Python where the command is: ``Context.inline``) and the modules it imports
    (``tokens``: the words split at spaces), or a script whatever its name."""
    if "-m" in tokens[:-1]:
        module = tokens[tokens.index("-m") + 1]
        cx.local_imports.append(module)
        cx.mains.append(module)
    code = inline_code(words)
    if code:
        cx.local_imports.extend(_imported_by(code))
        cx.inline.append((node, code))
    elif "-m" not in tokens:
        # (``python version``: a script whatever its name; the scanner reads the
        # tree files these words name, those that parse)
        cx.scripts.extend(t for t in tokens if script_name(t))


# ``-c 'code'`` in a command line (the code quoted for a shell)
_INLINE = re.compile(r"""(?:^|\s)-c\s+(?:'([^']+)'|"((?:[^"\\]|\\.)+)")""", re.S)


def inline_code(words: list[str]) -> str:
    """The code of ``python -c CODE``: the word after ``-c`` in a list of words, or
    the quoted text after it in a command line; '' if none."""
    stripped = [w.strip() for w in words]
    if "-c" in stripped[:-1]:
        return stripped[stripped.index("-c") + 1]
    for word in words:
        found = _INLINE.search(word)
        if found:
            single, double = found.groups()
            return single or re.sub(r'\\(["\\$`])', r"\1", double)  # (a shell's escapes)
    return ""


def _imported_by(code: str) -> list[str]:
    """The modules a short piece of code imports (``from a.b import f``: ``a.b``)."""
    try:
        tree = ast.parse(code[:4096])
    except (SyntaxError, ValueError):
        return []
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
    return out


def _script_word(word: str) -> bool:
    """A command word that names a Python script (``payload.py``), not an option."""
    stripped = word.strip().strip("\"'")
    return stripped.endswith((".py", ".pyw")) and not stripped.startswith("-")


def _words(cx: Context, node: ast.Call, args: list[ast.expr]) -> list[str]:
    """The strings a command is made of. Names follow Python's scopes: what the
    calling function assigns them, a parameter what module-level code passes. A
    string built from pieces all known (``"cu" + "rl"``, ``f"{tool} -s {url}"``)
    is one word, the text it builds."""
    scope = cx.scope(node)
    exprs = [e for arg in args for e in cx.expand(arg, scope=scope, callers=True)]
    return [s for expr in exprs for s in _built(cx, expr)]


def _built(cx: Context, expr: ast.AST) -> list[str]:
    if isinstance(expr, ast.JoinedStr | ast.BinOp):
        text = template(cx, expr)
        if "*" not in text:
            return [text]
    return list(strings(expr))


_STREAMS = frozenset({"stdin", "stdout", "stderr"})
_STD_NAMES = frozenset({"sys.stdin", "sys.stdout", "sys.stderr"})


def fileno_of(node: ast.AST) -> bool:
    """``x.fileno()`` of an object other than the standard streams (a socket's)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "fileno"
        and ast.unparse(node.func.value) not in _STD_NAMES
    )


def dup2(cx: Context, node: ast.Call, name: str) -> None:
    """``os.dup2(sock.fileno(), 0)``: a standard stream replaced by another descriptor
    (a marker: with a socket and a process in one scope, a reverse shell)."""
    if len(node.args) < 2 or not fileno_of(node.args[0]):
        return
    target = node.args[1]
    values = cx.expand(target) if isinstance(target, ast.Name) else [target]  # (a loop's)
    standard = (
        any(isinstance(v, ast.Constant) and v.value in (0, 1, 2) for v in values)
        or (isinstance(target, ast.Call) and ast.unparse(target).startswith(tuple(_STD_NAMES)))
        # (a name no statement assigns: a comprehension's, ``for n in (0, 1, 2)``, or
        # a parameter's; a socket's descriptor handed on to it is the shape)
        or (isinstance(target, ast.Name) and target.id not in cx.assigned)
    )
    if standard:
        cx.hit(DROPPER, "std-redirect", 0.0, node, f"redirects a standard stream ({name})")


def _command(node: ast.Call) -> list[ast.expr]:
    """The arguments that make up the command: positional, ``args=``, ``cmd=``..."""
    return list(node.args) + [k.value for k in node.keywords if k.arg in _COMMAND_KEYWORDS]


# Programs that run what their arguments say (decoded arguments to them are
# code), or fetch or connect where they say (a decoded address hides where).
_RUNS_ARGUMENTS = re.compile(
    r"(?:(?:ba|z|da|k|c)?sh|cmd|powershell|pwsh|python[0-9.]*|py|perl|ruby|node|osascript|"
    r"mshta|wscript|cscript|rundll32|regsvr32|env|sudo|nohup|start|xargs|"
    r"curl|wget|certutil|bitsadmin|nc|ncat|netcat|socat|ssh|scp)",
    re.IGNORECASE,
)


def _data_arguments(cx: Context, node: ast.Call, args: list[ast.expr]) -> bool:
    """The command is a list, run through no shell, whose program is named and
    does not run its arguments (``["docker", "login", "-p", password]``): decoded
    words in it are data handed to that program, not a command."""
    if not args or _sequence(cx, args[0]) is None or _through_shell(node):
        return False
    first = program(cx, args[0])
    return bool(first) and not _RUNS_ARGUMENTS.fullmatch(first) and not _runs_python(cx, args)


def _sequence(cx: Context, node: ast.expr) -> ast.List | ast.Tuple | None:
    """A list or tuple literal, directly or as a name's one assigned value."""
    held = cx.one_value(node)
    value = node if held is None else held
    return value if isinstance(value, ast.List | ast.Tuple) else None


def _through_shell(node: ast.Call) -> bool:
    """``shell=`` anything but a literal false."""
    return any(
        k.arg == "shell" and not (isinstance(k.value, ast.Constant) and not k.value.value)
        for k in node.keywords
    )


def _runs_python(cx: Context, args: list[ast.expr]) -> bool:
    """The command uses ``sys.executable``: the running Python."""
    return any(cx.qual(sub) == "sys.executable" for arg in args for sub in ast.walk(arg))


def _other_command(text: str, name: str, first: str) -> tuple[str, float, str]:
    """A command that is neither a shell nor inline code nor a build tool."""
    weak = _weak(text, name)
    if weak:
        return "spawn-shell", 5.0, weak
    odd = _NO_BUILD_STEP.get(first)
    if odd:
        return "spawn-shell", 5.0, f"runs {first!r}, {odd}"
    if first:
        # A named program that is not a build tool: odd, not damning.
        return "spawn", 1.0, f"runs {first!r}"
    return "spawn", 1.0, "runs a computed command"


_PROBE = "a network probe (what it looks up or pings can carry data out)"
_HALT = "which stops the machine"
_DESKTOP = "a desktop program (a proof that the code ran)"
# Programs no build or import runs, by what starting them means.
_NO_BUILD_STEP = {
    **dict.fromkeys(("dig", "nslookup", "host", "ping", "ping6", "telnet", "tftp"), _PROBE),
    **dict.fromkeys(("poweroff", "shutdown", "reboot", "halt"), _HALT),
    **dict.fromkeys(("calc", "notepad", "mspaint", "xcalc", "gnome-calculator", "kcalc"), _DESKTOP),
    "pythonw": "the windowless interpreter (what it runs is hidden from the user)",
}


_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "cmd"})
_SHELL_FLAGS = ("-c", "/c", "/C", "/k", "/K")


def _shell_runs_odd(first: str, tokens: list[str]) -> str:
    """A shell told to run a program no build runs (``sh -c "nslookup x.host"``):
    a shell is a build tool, the program it is handed is judged as if started."""
    if first not in _SHELLS:
        return ""
    flag = next((f for f in _SHELL_FLAGS if f in tokens[:-1]), "")
    if not flag:
        return ""
    inner = first_word([" ".join(tokens[tokens.index(flag) + 1 :])])
    odd = _NO_BUILD_STEP.get(inner)
    return f"runs {inner!r} through {first!r}, {odd}" if odd else ""


def _strong(text: str) -> str:
    what = patterns.STRONG_COMMANDS.search(text)
    return f"runs {what.group(0).strip()!r}" if what else ""


def _inline(text: str, words: list[str], executable: bool) -> str:
    inline = (executable and "-c" in words) or patterns.INLINE_CODE.search(text)
    payload = patterns.INLINE_PAYLOAD.search(text) if inline else None
    return f"runs inline code using {payload.group(0).strip()!r}" if payload else ""


# ``pip install`` words that name where to fetch from rather than a project: a
# URL, a VCS address (``git+https://...``): code from outside any index.
_ADDRESS_WORD = re.compile(r"^(?:git|hg|svn|bzr)\+|^(?:https?|ftp)://", re.IGNORECASE)


def _installs_from_address(tokens: list[str]) -> str:
    """``pip install https://host/x.tar.gz`` or ``pip install git+...``: a package
    installed from an address the code names, past any index and any review."""
    if "install" not in tokens or not any(t.rsplit("/", 1)[-1].startswith("pip") for t in tokens):
        return ""
    after = tokens[tokens.index("install") + 1 :]
    # (an option's value names an index or a file, not a package: --index-url URL)
    named = [t for i, t in enumerate(after) if not (t.startswith("-") or _takes_value(after, i))]
    if any(_ADDRESS_WORD.search(t) for t in named):
        return "installs a package from an address in the code (pip install URL)"
    index = next((u for u in _index_values(after) if not _pypi(u)), "")
    if index:
        return "installs a package from an index the code names, not PyPI (pip install -i URL)"
    return ""


_INDEX_OPTIONS = frozenset({"-i", "--index-url", "--extra-index-url", "-f", "--find-links"})
_PYPI_HOSTS = re.compile(r"^https://(?:pypi\.org|pypi\.python\.org|files\.pythonhosted\.org)/")


def _index_values(after: list[str]) -> list[str]:
    """The URLs given to an index option (``--index-url URL`` or ``--index-url=URL``)."""
    out = []
    for i, token in enumerate(after):
        option, _, value = token.partition("=")
        if option in _INDEX_OPTIONS:
            value = value or (after[i + 1] if i + 1 < len(after) else "")
            if _ADDRESS_WORD.search(value):
                out.append(value)
    return out


def _pypi(url: str) -> bool:
    return _PYPI_HOSTS.match(url) is not None


_VALUE_OPTIONS = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--trusted-host",
        "-c",
        "--constraint",
        "-r",
        "--requirement",
        "-t",
        "--target",
        "--prefix",
        "--root",
    }
)


def _takes_value(tokens: list[str], at: int) -> bool:
    """The token is the value of the option before it."""
    return at > 0 and tokens[at - 1] in _VALUE_OPTIONS


# Calls that start a process and do not wait for it.
_DETACHED = frozenset({"subprocess.Popen", "Popen", "os.spawnl", "os.spawnv", "os.posix_spawn"})


def _detached_interpreter(name: str, tokens: list[str], text: str, interpreter: bool) -> str:
    """A new interpreter started in the background (``Popen``, not waited for) on
    inline code that imports: code that goes on running, unseen, after the import
    or the build that started it returns. A query (``check_output``) is not this."""
    if name in _DETACHED and interpreter and "-c" in tokens and "import" in text:
        return "starts a background interpreter on inline code"
    return ""


_DETACH_FLAGS = frozenset({"DETACHED_PROCESS", "CREATE_BREAKAWAY_FROM_JOB"})
_SESSION_STARTERS = frozenset({"os.setsid", "os.setpgrp"})


def _detached(cx: Context, node: ast.Call, name: str) -> str:
    """A process started in the background and cut loose from the code that started
    it (``DETACHED_PROCESS``, a new session or process group): it goes on running,
    unseen, after the import or the build returns."""
    if name not in _DETACHED:
        return ""
    for keyword in node.keywords:
        value = keyword.value
        flags = {last_word(n) for n in ast.walk(value)}
        cut = (
            (keyword.arg == "creationflags" and not _DETACH_FLAGS.isdisjoint(flags))
            or (keyword.arg == "start_new_session" and _true(value))
            or (keyword.arg == "preexec_fn" and cx.qual(value) in _SESSION_STARTERS)
        )
        if cut:
            return "starts a detached background process"
    return ""


def _true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _weak(text: str, name: str) -> str:
    what = patterns.WEAK_COMMANDS.search(text)
    if what:
        return f"runs {what.group(0).strip()!r}"
    return "runs 'a file'" if name == "os.startfile" else ""


def program(cx: Context, node: ast.AST, depth: int = 0) -> str:
    """The program a command runs, when the command starts with a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return first_word([node.value])
    inner = _first_part(node)
    if inner is not None:
        return program(cx, inner, depth + 1)
    held = cx.one_value(node) if depth < 3 else None
    if held is not None:
        return program(cx, held, depth + 1)
    return ""


def _first_part(node: ast.AST) -> ast.AST | None:
    """The part a list, a sum or an f-string starts with."""
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return node.elts[0]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return node.left
    if isinstance(node, ast.JoinedStr) and node.values:
        return node.values[0]
    return None


def first_word(words: list[str]) -> str:
    """The program name the first non-blank word names (no directory, no ``.exe``)."""
    for word in words:
        stripped = word.strip()
        if stripped:
            first = stripped.split()[0].strip("\"'")
            first = re.split(r"[/\\]", first)[-1].lower()
            return first.removesuffix(".exe")
    return ""
