"""Static analysis of one Python source file: what would it do if it ran?

Nothing here imports, compiles to bytecode or runs the code. ``analyse`` parses
the text with ``ast`` and walks it for calls; endpoints, credential paths and
blobs are found in the text itself; code that does not parse (Python 2, say)
falls back to line-wise patterns for its calls. Each thing found is a ``Hit``:
the rule it counts for, a detector key (hits of one key do not add up without
bound, see ``guard.analysis.scan.score``), a base weight for code that runs at install
time, the line and a short text.

The detectors (weights are for install-time code; see score.py for the rest):

- spawn: a process whose command runs a shell, PowerShell, a downloader, a script
  or an executable (5), or an unknown command (1); build tools (git, compilers,
  cmake, ``sys.executable``) are not counted.
- network: an HTTP, socket, FTP or SMTP call (3).
- exec: ``exec``/``eval``/``compile`` of decoded data, chr-built strings or a
  download (6, obfuscated-code or dropper), of something else that is not a file
  of the tree (1.5).
- decode: base64/zlib/marshal decoding of embedded blobs (1.5; marshal 3),
  strings built from ``chr`` codes (2.5), long high-entropy literals (1.5).
- identity and secrets: host or user names (1), the whole environment (1.5),
  secret-named environment variables (2.5).
- writes outside the tree: to the home directory, system paths or autostart
  locations (2; autostart 4).
- endpoints and credential paths in string literals (see patterns.py).
- Unicode tricks: bidi controls (3.5), identifiers that mix scripts or that
  Python folds to other names (3).
- combinations in one file: a download together with process or exec (dropper,
  +3), a network call together with identity, secrets or credential paths (+2).
"""

from __future__ import annotations

import ast
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from guard.analysis.scan import patterns

INSTALL_TIME_CODE = "install-time-code"
OBFUSCATED_CODE = "obfuscated-code"
EXFIL_ENDPOINT = "exfil-endpoint"
CREDENTIAL_ACCESS = "credential-access"
DROPPER = "dropper"
PTH_CODE = "pth-code"
BUNDLED_BINARY = "bundled-binary"

MAX_SNIPPET = 160
MAX_LITERAL = 100_000  # string literals longer than this are only measured, not searched


@dataclass(frozen=True)
class Hit:
    """One thing a detector noticed in one file."""

    rule: str
    kind: str  # detector key: hits of one kind in a package do not add up without bound
    weight: float  # base weight, for code that runs at install time
    line: int
    snippet: str
    text: str  # what it is, shortly: "runs powershell"
    deferred: bool = False  # inside a function body: runs only when called


@dataclass(frozen=True)
class FileReport:
    """What ``analyse`` found in one file, and how it read it."""

    hits: tuple[Hit, ...]
    parsed: str  # "ast", "tokens" or "text"
    local_imports: tuple[str, ...] = ()  # modules and files the code pulls in (setup.py)


def _snippet(lines: list[str], lineno: int) -> str:
    text = lines[lineno - 1].strip() if 1 <= lineno <= len(lines) else ""
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


# --- call names ---------------------------------------------------------------------

SPAWN = frozenset(
    {
        "subprocess.Popen",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.run",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.startfile",
        "os.execl",
        "os.execle",
        "os.execlp",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execvpe",
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.posix_spawn",
        "os.posix_spawnp",
        "pty.spawn",
        "commands.getoutput",
        "commands.getstatusoutput",
        "popen2.popen2",
        "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec",
        "win32api.ShellExecute",
        "win32process.CreateProcess",
        "ctypes.windll.shell32.ShellExecuteW",
        "ctypes.windll.shell32.ShellExecuteA",
    }
)
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
# Calls that talk to the network themselves (not helpers of network libraries).
NETWORK = frozenset(
    [f"requests.{v}" for v in _HTTP_VERBS]
    + [f"requests.api.{v}" for v in _HTTP_VERBS]
    + [f"httpx.{v}" for v in (*_HTTP_VERBS, "stream")]
    + [
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.urlopen",
        "urllib.urlretrieve",
        "urllib2.urlopen",
        "urllib.request.build_opener",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "socket.create_connection",
        "socket.socket",
        "urllib3.request",
        "urllib3.PoolManager",
        "aiohttp.request",
        "aiohttp.ClientSession",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "telnetlib.Telnet",
        "pycurl.Curl",
        "wget.download",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "websocket.create_connection",
        "paramiko.SSHClient",
        "webbrowser.open",
    ]
)
DECODERS = frozenset(
    {
        "base64.b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "base64.b85decode",
        "base64.a85decode",
        "base64.decodebytes",
        "base64.decodestring",
        "base64.urlsafe_b64decode",
        "base64.standard_b64decode",
        "zlib.decompress",
        "bz2.decompress",
        "lzma.decompress",
        "gzip.decompress",
        "marshal.loads",
        "codecs.decode",
        "binascii.unhexlify",
        "binascii.a2b_base64",
        "binascii.a2b_hex",
        "bytes.fromhex",
        "bytearray.fromhex",
        "pickle.loads",
        "zlib.decompressobj",
    }
)
EXECS = frozenset({"exec", "eval", "compile", "builtins.exec", "builtins.eval", "execfile"})
IDENTITY = frozenset(
    {
        "socket.gethostname",
        "socket.getfqdn",
        "platform.node",
        "getpass.getuser",
        "os.getlogin",
        "platform.uname",
        "os.getuid",
    }
)
SECRET_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})
FILE_READERS = frozenset(
    {"open", "io.open", "codecs.open", "read", "read_text", "read_bytes", "readlines"}
)
FILE_EXEC = frozenset({"runpy.run_path", "execfile", "imp.load_source"})
WRITE_MODES = re.compile(r"[wax+]")
OUTSIDE_TREE = re.compile(
    r"^(?:~|/(?:etc|usr|bin|sbin|var|Library|System|root|home|Users)\b|[A-Za-z]:\\|%\w+%)"
    r"|APPDATA|USERPROFILE|LOCALAPPDATA|ProgramData",
    re.IGNORECASE,
)
CMDCLASS_KEYS = frozenset({"install", "develop", "egg_info", "install_lib", "install_scripts"})
STEALTH_DECODE_ARGS = re.compile(r"^(?:base64|hex|rot_?13|zlib|bz2|uu)(?:_codec)?$", re.I)


def _qualname(node: ast.AST, aliases: dict[str, str]) -> str:
    """The dotted name a call target resolves to, through import aliases."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _qualname(node.value, aliases)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        func = _qualname(node.func, aliases)
        if func in {"__import__", "importlib.import_module"} and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
        if func == "getattr" and len(node.args) >= 2:
            attr = node.args[1]
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                return f"{_qualname(node.args[0], aliases)}.{attr.value}"
        return ""
    if isinstance(node, ast.Subscript):
        # __builtins__["exec"], globals()["eval"], vars(builtins)["exec"]
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value if key.value in EXECS else ""
    return ""


def _strings(node: ast.AST) -> Iterator[str]:
    """Every string constant inside an expression."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def _is_main_guard(test: ast.AST) -> bool:
    """``__name__ == "__main__"``: its body runs only when the file is run as a script."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _int_codes(node: ast.AST) -> int:
    """How many integer constants a list or tuple inside ``node`` holds."""
    best = 0
    for sub in ast.walk(node):
        if isinstance(sub, ast.List | ast.Tuple):
            count = sum(
                1 for e in sub.elts if isinstance(e, ast.Constant) and isinstance(e.value, int)
            )
            best = max(best, count)
    return best


def _stealth_codec(call: ast.Call) -> str:
    """The codec of a ``.decode("base64")``-style call ('' for any other call)."""
    arg = call.args[0] if call.args else None
    if (
        isinstance(arg, ast.Constant)
        and isinstance(arg.value, str)
        and STEALTH_DECODE_ARGS.match(arg.value)
    ):
        return arg.value
    return ""


def _is_chr_join(node: ast.AST, aliases: dict[str, str]) -> bool:
    """''.join(chr(c) for c in [104, ...]), ''.join(map(chr, [...])), chr(1)+chr(2)+...,
    or chr() of an XOR (a toy cipher). chr() over computed ranges is not counted."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and node.args
    ):
        arg = node.args[0]
        uses_chr = False
        xor = False
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Call) and _qualname(sub.func, aliases) == "chr":
                uses_chr = True
                xor = xor or any(
                    isinstance(b, ast.BinOp) and isinstance(b.op, ast.BitXor)
                    for a in sub.args
                    for b in ast.walk(a)
                )
            elif isinstance(sub, ast.Name) and sub.id == "chr":
                uses_chr = True
        return uses_chr and (xor or _int_codes(arg) >= 8)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        count = sum(
            1
            for sub in ast.walk(node)
            if isinstance(sub, ast.Call)
            and _qualname(sub.func, {}) == "chr"
            and sub.args
            and isinstance(sub.args[0], ast.Constant)
        )
        return count >= 6
    return False


@dataclass
class _State:
    aliases: dict[str, str] = field(default_factory=dict)
    assigned: dict[str, list[ast.AST]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    local_imports: list[str] = field(default_factory=list)


# What the walk keeps: the nodes the first pass reads (imports, assignments), the
# nodes the second pass checks, and the nodes that carry identifiers (for the
# Unicode checks).
_COLLECTED = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)
_CHECKED = (ast.Call, ast.BinOp, ast.Subscript, ast.For)
_NAMED = (ast.Name, ast.Attribute, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.arg)
_FUNCTIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda})
# Fields that hold contexts, operators or plain values in every node type (and all
# of a constant's): not walked. Nodes without children are walked only if kept.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "kind", "type_comment"})
_CHILD_FIELDS = {
    cls: () if cls is ast.Constant else tuple(f for f in cls._fields if f not in _LEAF_FIELDS)
    for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.AST)
}
_LEAF_TYPES = frozenset(cls for cls, fields in _CHILD_FIELDS.items() if not fields)


class _Analyser:
    def __init__(
        self, tree: ast.Module, lines: list[str], functions: bool = True, names: bool = False
    ) -> None:
        """Walk the tree once, keeping the nodes the passes need in source order.

        ``functions=False`` leaves function bodies out (module-level code only);
        ``names`` keeps the nodes that carry identifiers, for ``names()``.
        """
        self.lines = lines
        self.s = _State()
        self.collected: list[ast.AST] = []
        self.checked: list[ast.AST] = []
        self.named: list[ast.AST] = []
        self.deferred: set[int] = set()  # ids of checked nodes inside function bodies
        keep: dict[type, list[ast.AST]] = dict.fromkeys(_COLLECTED, self.collected)
        keep.update(dict.fromkeys(_CHECKED, self.checked))
        if names:
            keep.update(dict.fromkeys(_NAMED, self.named))
        leaves = _LEAF_TYPES.difference(keep)
        stack: list[tuple[ast.AST, bool]] = [(tree, False)]
        push = stack.append
        child_fields = _CHILD_FIELDS
        while stack:
            node, deferred = stack.pop()
            cls = type(node)
            kept = keep.get(cls)
            if kept is not None:
                kept.append(node)
                if deferred and kept is self.checked:
                    self.deferred.add(id(node))
            if cls in _FUNCTIONS:
                if not functions:
                    continue  # module-level code only: function bodies are not walked
                deferred = True
            elif isinstance(node, ast.If) and _is_main_guard(node.test):
                push((node.test, deferred))
                stack.extend((child, True) for child in node.body)
                stack.extend((child, deferred) for child in node.orelse)
                continue
            for name in child_fields.get(cls, node._fields):
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, ast.AST) and type(item) not in leaves:
                            push((item, deferred))
                elif isinstance(value, ast.AST) and type(value) not in leaves:
                    push((value, deferred))
        # The passes read the nodes in the reverse of the order the stack visits them
        # (which decides the order of the hits).
        self.collected.reverse()
        self.checked.reverse()
        self.named.reverse()

    def hit(
        self,
        rule: str,
        kind: str,
        weight: float,
        node: ast.AST | int,
        text: str,
        deferred: bool | None = None,
    ) -> None:
        line = node if isinstance(node, int) else getattr(node, "lineno", 0)
        if deferred is None:
            deferred = not isinstance(node, int) and id(node) in self.deferred
        self.s.hits.append(
            Hit(rule, kind, weight, line, _snippet(self.lines, line), text, deferred)
        )
        self.s.kinds.add(kind)

    def qual(self, node: ast.AST) -> str:
        return _qualname(node, self.s.aliases)

    # -- first pass: imports and assignments --

    def collect(self) -> None:
        for node in self.collected:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.s.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.s.aliases.setdefault(top, top)
                    self.s.local_imports.append(alias.name)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level == 0 and module:
                    self.s.local_imports.append(module)
                elif node.level > 0:
                    for alias in node.names:
                        self.s.local_imports.append(f"{module}.{alias.name}".strip("."))
                for alias in node.names:
                    full = f"{module}.{alias.name}" if module else alias.name
                    self.s.aliases[alias.asname or alias.name] = full
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    # (most targets are one name: no walk for them)
                    names = (target,) if isinstance(target, ast.Name) else ast.walk(target)
                    for name in names:
                        if isinstance(name, ast.Name):
                            self.s.assigned.setdefault(name.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
                target, value = node.target, node.value
                if isinstance(target, ast.Name) and value is not None:
                    self.s.assigned.setdefault(target.id, []).append(value)

    def _expand(self, node: ast.AST, depth: int = 0, seen: set[str] | None = None) -> list[ast.AST]:
        """The expression and what the names in it were assigned (a few levels)."""
        seen = set() if seen is None else seen
        out = [node]
        if depth >= 4:
            return out
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id not in seen and sub.id in self.s.assigned:
                seen.add(sub.id)
                for value in self.s.assigned[sub.id][:8]:
                    out.extend(self._expand(value, depth + 1, seen))
        return out

    def _feeds(self, node: ast.AST) -> set[str]:
        """What kinds of source an expression draws on: decode, chr, network, file."""
        found: set[str] = set()
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Subscript)
                and isinstance(sub.slice, ast.Slice)
                and isinstance(sub.slice.step, ast.UnaryOp)
            ):
                found.add("reverse")
        for expr in self._expand(node):
            for sub in ast.walk(expr):
                if isinstance(sub, ast.Call):
                    name = self.qual(sub.func)
                    last = name.rsplit(".", 1)[-1]
                    decodes = name in DECODERS or last in {"b64decode", "decompress", "unhexlify"}
                    if decodes or (last == "decode" and _stealth_codec(sub)):
                        found.add("decode")
                    elif _is_network(name):
                        found.add("network")
                    elif name in FILE_READERS or last in FILE_READERS:
                        found.add("file")
                    if _is_chr_join(sub, self.s.aliases):
                        found.add("chr")
                elif isinstance(sub, ast.BinOp) and _is_chr_join(sub, self.s.aliases):
                    found.add("chr")
        return found

    # -- second pass: calls, literals --

    def run(self) -> None:
        self.collect()
        chained: set[int] = set()
        for node in self.checked:
            if isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.BinOp) and id(node) not in chained:
                if isinstance(node.op, ast.Add):
                    chained.update(id(b) for b in ast.walk(node) if isinstance(b, ast.BinOp))
                    if _is_chr_join(node, self.s.aliases):
                        self.hit(
                            OBFUSCATED_CODE,
                            "chr-join",
                            2.5,
                            node,
                            "builds a string from chr() codes",
                        )
            elif isinstance(node, ast.Subscript):
                self.subscript(node)
            elif isinstance(node, ast.For):
                self.loop(node)

    def call(self, node: ast.Call) -> None:
        name = self.qual(node.func)
        last = name.rsplit(".", 1)[-1]
        if name in SPAWN or (last in {"Popen", "check_output", "check_call"} and "." not in name):
            self.spawn(node, name)
        elif _is_network(name):
            self.hit(INSTALL_TIME_CODE, "network", 3.0, node, f"network call ({name})")
        elif name in EXECS or name in FILE_EXEC:
            self.exec_call(node, name)
        elif name in IDENTITY:
            self.hit(
                INSTALL_TIME_CODE, "identity", 1.0, node, f"reads host or user identity ({name})"
            )
        elif name in SECRET_GETTERS and node.args:
            self.env_name(node.args[0], node)
        elif name == "marshal.loads":
            self.hit(OBFUSCATED_CODE, "marshal", 3.0, node, "loads marshalled code")
        elif name in DECODERS and node.args and self._long_literal(node.args[0], 64):
            self.hit(
                OBFUSCATED_CODE, "decode-blob", 1.5, node, f"decodes an embedded blob ({name})"
            )
        elif name in {
            "open",
            "io.open",
            "shutil.copy",
            "shutil.copyfile",
            "shutil.copy2",
            "shutil.move",
            "os.rename",
            "os.replace",
        } or last in {"write_text", "write_bytes"}:
            self.write(node, name)
        elif name in {"dict", "str", "repr", "json.dumps"} and node.args:
            arg = node.args[0]
            if self.qual(arg) == "os.environ" and name != "dict":
                self.hit(
                    INSTALL_TIME_CODE, "environ-dump", 1.0, node, "reads the whole environment"
                )
        elif name == "setup" or last == "setup":
            self.setup_call(node)
        if _is_chr_join(node, self.s.aliases):
            self.hit(OBFUSCATED_CODE, "chr-join", 2.5, node, "builds a string from chr() codes")
        codec = _stealth_codec(node) if last == "decode" else ""
        if codec:
            self.hit(OBFUSCATED_CODE, "decode-blob", 1.5, node, f"decodes with {codec}")

    def _long_literal(self, node: ast.AST, size: int) -> bool:
        for expr in self._expand(node):
            for sub in ast.walk(expr):
                if (
                    isinstance(sub, ast.Constant)
                    and isinstance(sub.value, str | bytes)
                    and len(sub.value) >= size
                ):
                    return True
        return False

    def spawn(self, node: ast.Call, name: str) -> None:
        args: list[ast.expr] = list(node.args) + [
            k.value for k in node.keywords if k.arg in {"args", "cmd", "command"}
        ]
        words = [s for arg in args for expr in self._expand(arg) for s in _strings(expr)]
        text = " ".join(words)
        executable = any(
            self.qual(sub) == "sys.executable" for arg in args for sub in ast.walk(arg)
        )
        if patterns.STRONG_COMMANDS.search(text):
            what = patterns.STRONG_COMMANDS.search(text)
            shown = what.group(0).strip() if what else text
            self.hit(INSTALL_TIME_CODE, "spawn-shell", 5.0, node, f"runs {shown!r} ({name})")
            return
        inline = (executable and "-c" in words) or patterns.INLINE_CODE.search(text)
        payload = patterns.INLINE_PAYLOAD.search(text) if inline else None
        if payload:
            shown = payload.group(0).strip()
            self.hit(
                INSTALL_TIME_CODE,
                "spawn-shell",
                5.0,
                node,
                f"runs inline code using {shown!r} ({name})",
            )
            return
        first = self._program(args[0]) if args else ""
        if executable or first in patterns.BUILD_TOOLS:
            return
        if name == "os.startfile" or patterns.WEAK_COMMANDS.search(text):
            what = patterns.WEAK_COMMANDS.search(text)
            shown = what.group(0).strip() if what else "a file"
            self.hit(INSTALL_TIME_CODE, "spawn-shell", 5.0, node, f"runs {shown!r} ({name})")
            return
        if first:
            # A named program that is not a build tool: odd, not damning.
            self.hit(INSTALL_TIME_CODE, "spawn", 1.0, node, f"runs {first!r} ({name})")
        else:
            self.hit(INSTALL_TIME_CODE, "spawn", 1.0, node, f"runs a computed command ({name})")

    def _program(self, node: ast.AST, depth: int = 0) -> str:
        """The program a command runs, when the command starts with a literal."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return _first_word([node.value])
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            return self._program(node.elts[0], depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._program(node.left, depth + 1)
        if isinstance(node, ast.JoinedStr) and node.values:
            return self._program(node.values[0], depth + 1)
        if isinstance(node, ast.Name) and depth < 3:
            values = self.s.assigned.get(node.id, [])
            if len(values) == 1:
                return self._program(values[0], depth + 1)
        return ""

    def exec_call(self, node: ast.Call, name: str) -> None:
        if not node.args:
            return
        if name in FILE_EXEC:
            for s in _strings(node.args[0]):
                self.s.local_imports.append(s)
            return
        feeds = self._feeds(node.args[0])
        if "decode" in feeds or "chr" in feeds or "reverse" in feeds:
            how = "decoded data" if "decode" in feeds else "an obfuscated string"
            self.hit(OBFUSCATED_CODE, "decode-exec", 6.0, node, f"{name}() of {how}")
        elif "network" in feeds:
            self.hit(DROPPER, "download-exec", 6.0, node, f"{name}() of downloaded code")
        elif "file" in feeds:
            for s in _strings(node.args[0]):
                if s.endswith(".py"):
                    self.s.local_imports.append(s)
        elif name in {"exec", "builtins.exec", "execfile", "eval", "builtins.eval"}:
            arg = node.args[0]
            if not isinstance(arg, ast.Constant):
                self.hit(INSTALL_TIME_CODE, "exec", 1.5, node, f"{name}() of computed code")
            elif isinstance(arg.value, str) and len(arg.value) > 40:
                self.hit(INSTALL_TIME_CODE, "exec", 1.5, node, f"{name}() of a literal")

    def env_name(self, arg: ast.AST, node: ast.AST) -> None:
        if (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and patterns.SECRET_ENV.search(arg.value)
        ):
            self.hit(
                CREDENTIAL_ACCESS,
                "env-secret",
                2.5,
                node,
                f"reads the secret environment variable {arg.value}",
            )

    def subscript(self, node: ast.Subscript) -> None:
        if self.qual(node.value) == "os.environ" and isinstance(node.ctx, ast.Load):
            self.env_name(node.slice, node)

    def loop(self, node: ast.For) -> None:
        it = node.iter
        if (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Attribute)
            and (
                it.func.attr in {"items", "keys", "values"}
                and self.qual(it.func.value) == "os.environ"
            )
        ):
            self.hit(INSTALL_TIME_CODE, "environ-dump", 1.0, node, "reads the whole environment")

    def write(self, node: ast.Call, name: str) -> None:
        if name in {"open", "io.open"}:
            mode = node.args[1] if len(node.args) > 1 else None
            for k in node.keywords:
                if k.arg == "mode":
                    mode = k.value
            if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
                return
            if not WRITE_MODES.search(mode.value):
                return
        target = node.args[-1] if name.startswith(("shutil.", "os.")) and node.args else None
        if target is None:
            target = node.args[0] if node.args else None
            if name.endswith(("write_text", "write_bytes")) and isinstance(
                node.func, ast.Attribute
            ):
                target = node.func.value
        if target is None:
            return
        words = " ".join(s for expr in self._expand(target) for s in _strings(expr))
        names = {self.qual(sub) for expr in self._expand(target) for sub in ast.walk(expr)}
        if patterns.AUTOSTART.search(words):
            self.hit(DROPPER, "autostart", 4.0, node, "writes to an autostart location")
        elif OUTSIDE_TREE.search(words) or names & {
            "os.path.expanduser",
            "pathlib.Path.home",
            "Path.home",
        }:
            self.hit(INSTALL_TIME_CODE, "write-outside", 2.0, node, "writes outside the build tree")

    def setup_call(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg == "cmdclass" and isinstance(keyword.value, ast.Dict):
                for key in keyword.value.keys:
                    if (
                        isinstance(key, ast.Constant)
                        and isinstance(key.value, str)
                        and key.value in CMDCLASS_KEYS
                    ):
                        self.hit(
                            INSTALL_TIME_CODE,
                            "cmdclass",
                            1.0,
                            key,
                            f"overrides the {key.value} command",
                            id(node) in self.deferred,
                        )

    def names(self) -> set[str]:
        """The identifiers of the walked code (only when walked with ``names``)."""
        out: set[str] = set()
        for node in self.named:
            if isinstance(node, ast.Name):
                out.add(node.id)
            elif isinstance(node, ast.Attribute):
                out.add(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                out.add(node.name)
            elif isinstance(node, ast.arg):
                out.add(node.arg)
        return out


def combinations(hits: list[Hit]) -> list[Hit]:
    """Hits that only a pair of behaviours in one file makes."""
    out: list[Hit] = []
    network = [h for h in hits if h.kind == "network"]
    if not network:
        return out
    first = min(network, key=lambda h: (h.deferred, h.line))
    runs = [h for h in hits if h.kind in {"spawn", "spawn-shell", "exec"}]
    if runs:
        deferred = first.deferred or all(h.deferred for h in runs)
        sure = any(h.kind in {"spawn-shell", "exec"} for h in runs)
        out.append(
            Hit(
                DROPPER,
                "download-run",
                3.0 if sure else 2.0,
                first.line,
                first.snippet,
                "downloads and runs something",
                deferred,
            )
        )
    data = [h for h in hits if h.kind in {"identity", "env-secret", "environ-dump", "credential"}]
    if data:
        deferred = first.deferred or all(h.deferred for h in data)
        out.append(
            Hit(
                INSTALL_TIME_CODE,
                "send-host-data",
                2.0,
                first.line,
                first.snippet,
                "collects host data and talks to the network",
                deferred,
            )
        )
    return out


def _is_network(name: str) -> bool:
    return name in NETWORK


def _first_word(words: list[str]) -> str:
    for word in words:
        stripped = word.strip()
        if stripped:
            first = stripped.split()[0].strip("\"'")
            first = re.split(r"[/\\]", first)[-1].lower()
            return first.removesuffix(".exe")
    return ""


MAX_PER_KIND = 5
BLOB_SIZE = 160
# A run of base64-ish characters, matched from its start only (the look-behind
# keeps the search linear).
BLOB = re.compile(rf"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{{{BLOB_SIZE},}}")


def _blobs(source: str, lines: list[str]) -> Iterator[tuple[int, str]]:
    """(offset, text) of each ``BLOB`` run, searched on the long lines only.

    A run holds no line break, so a file whose lines are all shorter than a blob
    (most files) holds none.
    """
    if max(map(len, lines), default=0) < BLOB_SIZE:
        return
    offset = 0
    for line in source.splitlines(keepends=True):
        if len(line) >= BLOB_SIZE:
            for match in BLOB.finditer(line):
                yield offset + match.start(), match.group(0)
        offset += len(line)


def _line_of(source: str, offset: int, cache: list[int]) -> int:
    """1-based line of an offset (``cache`` holds the newline offsets, built once)."""
    if not cache:
        cache.append(-1)
        cache.extend(m.start() for m in re.finditer("\n", source))
    low, high = 0, len(cache)
    while low < high:
        mid = (low + high) // 2
        if cache[mid] < offset:
            low = mid + 1
        else:
            high = mid
    return low


HINT_LINES = 64  # lines per group searched one by one; beyond that, the whole text
_HINTS = (
    ("endpoint", patterns.ENDPOINT_HINTS),
    ("credential", patterns.CREDENTIAL_HINTS),
    ("autostart", patterns.AUTOSTART_HINTS),
)
# Characters from the rarest in (lower-cased) Python source to the most common, as
# counted in popular projects; a character that is not listed counts as rarest.
_RARITY = "@798\\65z4j/3q210-kwxvb:ygh.fum_pcdlionraste "


def _any_of(words: Iterable[str]) -> re.Pattern[str]:
    """A regular expression that finds any of ``words`` (non-empty) in one pass.

    Each alternative starts with its word's rarest character and checks the part
    before it with a look-behind, so that the search only stops where one of those
    few characters is: much faster than a search per word, or than an alternation
    of the words, which stops at nearly every character.
    """
    by_char: dict[str, list[str]] = {}
    for word in words:
        ranks = [_RARITY.find(c) for c in word]
        at = ranks.index(min(ranks))
        before = f"(?<={re.escape(word[: at + 1])})" if at else ""
        by_char.setdefault(word[at], []).append(before + re.escape(word[at + 1 :]))
    return re.compile("|".join(f"{re.escape(c)}(?:{'|'.join(a)})" for c, a in by_char.items()))


_ANY_HINT = _any_of(hint for _, hints in _HINTS for hint in hints)


def _hint_lines(source: str, lowered: str) -> dict[str, set[int]]:
    """Start offsets of the lines that hold a hint, per group.

    Most files hold none: one quick search says so. Otherwise each hint is looked
    for with str.find.
    """
    found: dict[str, set[int]] = {group: set() for group, _ in _HINTS}
    if not _ANY_HINT.search(lowered):
        return found
    for group, hints in _HINTS:
        starts = found[group]
        for hint in hints:
            at = lowered.find(hint)
            while at != -1 and len(starts) <= HINT_LINES:
                starts.add(source.rfind("\n", 0, at) + 1)
                at = lowered.find(hint, at + len(hint))
    return found


def _hinted_matches(
    regex: re.Pattern[str], source: str, starts: set[int]
) -> Iterator[tuple[int, str]]:
    """(offset, matched text) of ``regex``, searched only on lines that hold a hint."""
    if len(starts) > HINT_LINES:
        for match in regex.finditer(source):
            yield match.start(), match.group(0)
        return
    for start in sorted(starts):
        end = source.find("\n", start)
        line = source[start : len(source) if end == -1 else end]
        for match in regex.finditer(line):
            yield start + match.start(), match.group(0)


def text_hits(source: str, lines: list[str]) -> Iterator[Hit]:
    """Endpoints, credential paths, autostart paths and blobs, found in the text."""
    newlines: list[int] = []

    def at(offset: int, rule: str, kind: str, weight: float, text: str) -> Hit:
        line = _line_of(source, offset, newlines)
        return Hit(rule, kind, weight, line, _snippet(lines, line), text)

    hinted = _hint_lines(source, source.lower())
    endpoints = _hinted_matches(patterns.ENDPOINT_RE, source, hinted["endpoint"])
    for offset, found in itertools.islice(endpoints, MAX_PER_KIND):
        what = next((w for r, w in patterns.ENDPOINT_PARTS if r.search(found)), "")
        yield at(offset, EXFIL_ENDPOINT, "endpoint", 4.0, f"{what}: {found}")
    ips = patterns.RAW_IP_URL.finditer(source) if "://" in source else iter(())
    for ip in itertools.islice(ips, MAX_PER_KIND):
        scheme = re.search(r"([A-Za-z]+)$", source[max(ip.start() - 8, 0) : ip.start()])
        if scheme is None or scheme.group(1).lower() not in patterns.URL_SCHEMES:
            continue
        address = ip.group(1)
        shown = (scheme.group(1) + ip.group(0))[:80]
        if address.startswith(("127.", "0.", "10.", "192.168.", "169.254.", "255.")) or re.match(
            r"172\.(?:1[6-9]|2\d|3[01])\.", address
        ):
            yield at(
                ip.start(),
                EXFIL_ENDPOINT,
                "raw-ip-local",
                1.0,
                f"URL with a local IP address: {shown}",
            )
        else:
            yield at(
                ip.start(), EXFIL_ENDPOINT, "raw-ip", 3.0, f"URL with a raw IP address: {shown}"
            )
    creds = _hinted_matches(patterns.CREDENTIAL_RE, source, hinted["credential"])
    for offset, found in itertools.islice(creds, MAX_PER_KIND):
        what, weight = next(
            ((w, x) for r, w, x in patterns.CREDENTIAL_PARTS if r.search(found)), ("", 4.0)
        )
        yield at(offset, CREDENTIAL_ACCESS, "credential", weight, f"{what}: {found}")
    for offset, found in _hinted_matches(patterns.AUTOSTART, source, hinted["autostart"]):
        yield at(offset, DROPPER, "autostart-path", 2.0, f"autostart location: {found}")
        break
    count = 0
    for offset, text in _blobs(source, lines):
        if entropy(text[:4096]) >= 5.2:
            yield at(
                offset,
                OBFUSCATED_CODE,
                "blob",
                1.5,
                f"long high-entropy literal ({len(text)} characters)",
            )
            count += 1
            if count >= MAX_PER_KIND:
                break


# --- Unicode tricks -------------------------------------------------------------------

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200f\u061c]")


def _scripts(word: str) -> set[str]:
    found = set()
    for ch in word:
        if ch.isalpha():
            try:
                found.add(unicodedata.name(ch).split()[0])
            except ValueError:
                found.add("?")
    return found


NON_ASCII_LETTERS = re.compile(r"[^\W\x00-\x7f]+")
NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _non_ascii_letters(source: str) -> Iterator[re.Match[str]]:
    """The ``NON_ASCII_LETTERS`` matches in order, looked for only inside runs of
    non-ASCII characters (a much quicker search than theirs)."""
    for run in NON_ASCII.finditer(source):
        yield from NON_ASCII_LETTERS.finditer(source, run.start(), run.end())


MAX_WORDS = 200


def unicode_hits(source: str, lines: list[str], names: set[str] | None) -> Iterator[Hit]:
    """Bidi controls anywhere; identifiers that mix scripts or fold to other names.

    ``names`` are the identifiers the parser saw (already NFKC-folded by Python);
    a word of the text counts as an identifier when its folded form is one of
    them. Without a parse (``None``) every word counts.
    """
    if source.isascii():
        return
    bidi = BIDI.search(source)
    if bidi:
        line = source.count("\n", 0, bidi.start()) + 1
        yield Hit(
            OBFUSCATED_CODE,
            "bidi",
            3.5,
            line,
            _snippet(lines, line),
            f"bidirectional control character U+{ord(bidi.group(0)):04X}",
        )
    seen: set[int] = set()
    for count, match in enumerate(_non_ascii_letters(source)):
        if count >= MAX_WORDS:
            break
        start, end = match.start(), match.end()
        while start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_"):
            start -= 1
        while end < len(source) and (source[end].isalnum() or source[end] == "_"):
            end += 1
        if start in seen:
            continue
        seen.add(start)
        word = source[start:end]
        if not word or word[0].isdigit():
            continue
        folded = unicodedata.normalize("NFKC", word)
        if names is not None and folded not in names:
            continue
        line = source.count("\n", 0, start) + 1
        scripts = _scripts(word)
        if (
            folded != word
            and len(folded) >= 3
            and folded.isascii()
            and any(not ch.isascii() and unicodedata.category(ch).startswith("L") for ch in word)
        ):
            yield Hit(
                OBFUSCATED_CODE,
                "homoglyph",
                3.0,
                line,
                _snippet(lines, line),
                f"identifier {word!r} is read by Python as {folded!r}",
            )
            return
        if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"}:
            yield Hit(
                OBFUSCATED_CODE,
                "homoglyph",
                3.0,
                line,
                _snippet(lines, line),
                f"identifier {word!r} mixes scripts ({', '.join(sorted(scripts))})",
            )
            return


# --- fall-back for code that does not parse -------------------------------------------

_FALLBACK: tuple[tuple[re.Pattern[str], str, str, float, str], ...] = (
    (
        re.compile(
            r"\b(?:exec|eval)\b.*\b(?:b64decode|decompress|marshal\.loads|unhexlify|"
            r"decode\(\s*['\"](?:base64|hex|rot13))"
        ),
        OBFUSCATED_CODE,
        "decode-exec",
        6.0,
        "exec of decoded data",
    ),
    (
        re.compile(r"\b(?:exec|eval)\b.*\b(?:urlopen|requests\.get)\b"),
        DROPPER,
        "download-exec",
        6.0,
        "exec of downloaded code",
    ),
    (re.compile(r"\bmarshal\.loads\b"), OBFUSCATED_CODE, "marshal", 3.0, "loads marshalled code"),
    (
        re.compile(
            r"\b(?:urlopen|urlretrieve|requests\.(?:get|post|put)|socket\.socket|"
            r"httplib\.HTTPS?Connection)\s*\("
        ),
        INSTALL_TIME_CODE,
        "network",
        3.0,
        "network call",
    ),
    (
        re.compile(r"\b(?:gethostname|getpass\.getuser|os\.getlogin|platform\.node)\s*\("),
        INSTALL_TIME_CODE,
        "identity",
        1.0,
        "reads host or user identity",
    ),
)
_FALLBACK_SPAWN = re.compile(r"\b(?:os\.system|os\.popen|subprocess\.\w+|Popen|os\.startfile)\s*\(")


def _fallback(source: str, lines: list[str]) -> Iterator[Hit]:
    for number, line in enumerate(lines, start=1):
        if len(line) > 20_000:
            line = line[:20_000]
        for regex, rule, kind, weight, text in _FALLBACK:
            if regex.search(line):
                yield Hit(rule, kind, weight, number, _snippet(lines, number), text)
        if _FALLBACK_SPAWN.search(line):
            inline = patterns.INLINE_CODE.search(line) and patterns.INLINE_PAYLOAD.search(line)
            if patterns.STRONG_COMMANDS.search(line) or inline:
                yield Hit(
                    INSTALL_TIME_CODE,
                    "spawn-shell",
                    5.0,
                    number,
                    _snippet(lines, number),
                    "runs a shell, PowerShell, a downloader or inline code",
                )
            elif not re.search(r"\b(?:git|cmake|make|gcc|cc|sys\.executable)\b", line):
                yield Hit(
                    INSTALL_TIME_CODE,
                    "spawn",
                    1.0,
                    number,
                    _snippet(lines, number),
                    "spawns a process",
                )


def analyse(source: str, *, parse: bool = True, functions: bool = True) -> FileReport:
    """What one file would do.

    ``parse=False`` runs the text checks only; ``functions=False`` parses but
    analyses module-level code only (what runs at import), which is much faster.
    """
    lines = source.splitlines()
    hits: list[Hit] = list(text_hits(source, lines))
    tree = None
    if parse:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
    if tree is not None:
        is_ascii = source.isascii()
        analyser = _Analyser(tree, lines, functions, names=not is_ascii)
        try:
            analyser.run()
        except RecursionError:
            hits.append(Hit(OBFUSCATED_CODE, "deep-nesting", 1.0, 0, "", "absurdly nested code"))
        names = analyser.names() if not is_ascii else set()
        hits.extend(unicode_hits(source, lines, names))
        hits.extend(analyser.s.hits)
        hits.extend(combinations(hits))
        return FileReport(tuple(hits), "ast", tuple(analyser.s.local_imports))
    hits.extend(unicode_hits(source, lines, None))
    if not parse:
        return FileReport(tuple(hits), "text")
    hits.extend(_fallback(source, lines))
    hits.extend(combinations(hits))
    return FileReport(tuple(hits), "tokens")


# A quick look that decides whether a deep module is worth a full parse: the
# content detectors that need the syntax tree (decode-and-run chains, chr-built
# strings, dynamic imports). Everything else in deep modules is found in the text.
RISKY_WORDS = ("marshal", "__import__", "b64decode", "decompress(", "fromhex", "unhexlify")
RISKY_CALLS = ("exec(", "eval(", "compile(", "execfile(", "chr(")


def quick_risky(source: str) -> bool:
    """True when the file has anything the syntax-tree detectors look for."""
    if any(word in source for word in RISKY_WORDS):
        return True
    for call in RISKY_CALLS:
        at = source.find(call)
        while at != -1:
            before = source[at - 1] if at else " "
            if not (before.isalnum() or before in "._"):
                return True
            at = source.find(call, at + 1)
    return False
