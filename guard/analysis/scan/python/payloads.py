"""Payloads in library functions: what one function does with what it fetches or receives.

A library's functions run when its user calls them, so what matters there is a
data flow no honest helper has, read inside one function body (nested
functions included), by names:

- *drop-run*: bytes fetched from the network are written to a path, and that
  path is then started as a program (``subprocess.run([path])``,
  ``os.startfile(path)``, ``cmd /c path``); or fetched text is fed to an
  interpreter's standard input. Running a tool on a downloaded file
  (``tar xf path``) is not this.
- *remote-shell*: a shell command, or ``exec``, whose whole text arrives from
  the network: what a socket receives, a page fetched, or the message a chat
  bot's handler is given (``@bot.message_handler`` and the like, or a function
  handed to ``MessageHandler(filter, f)``), there or through a function of the
  file that runs its parameter (``run(message.content)``).
- *hidden-address*: a URL or an IP address hidden in base64 or hex in a file
  that talks to the network: no honest client hides where it connects.

The pass runs only when a cheap look at the text finds the words of both ends
(a fetch or a receive, and a process or ``exec``), so most files cost nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from typing import TypeGuard

from guard.analysis.scan.hits import CREDENTIAL_ACCESS, DROPPER, Hit, snippet
from guard.analysis.scan.python import dropflow
from guard.analysis.scan.python.addresses import (
    DECODER_WORDS,
    hidden_addresses,
    may_hide_address,
)
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.names import (
    BARE_SPAWNS,
    DECODERS,
    EXECS,
    FILE_EXEC,
    NETWORK,
    SPAWN,
    last_part,
)
from guard.analysis.scan.python.words import any_in, any_of, whole_words

# The cheap look: a fetch or a receive (a call or an import of an HTTP client), a
# chat handler, a process or ``exec``, a decoder.
_CLIENT = re.compile(
    whole_words(("requests", "httpx", "urllib3", "aiohttp"), r"\s*(?:\.\s*\w+\s*\(|\bimport\b)")
    + "|"
    + whole_words(("import",), r"\s+(?:requests|httpx)\b")
)
_FETCH_COMMAND = re.compile(r"[\"'](?:curl|wget)\s")
_HANDLER = re.compile(
    r"@[\w.]+\.(?:message_handler|on_message|message|command|event|on)\b"
    r"|:\s*(?:Update|CallbackContext|(?:types\.)?Message)\b|"
    + whole_words(("MessageHandler", "CommandHandler"), r"\s*\(")
    + r"|\.(?:add_event|register_message|register_next_step)_handler\("
)
# (each of these led by a word's rarest character: ``whole_words``)
_RUN = re.compile(
    whole_words(("subprocess",), r"\b")
    + "|"
    + whole_words(("system", "startfile", "Popen", "popen", "run_path", "load_source"), r"\s*\(")
    + "|"
    + whole_words(("exec", "eval"), r"\s*\(|[ \t]+as\b")
    + r"|=[ \t]*(?:exec|eval)\b(?![ \t]*\()"
)
_DECODE = re.compile(
    whole_words(("b64decode", "urlsafe_b64decode", "fromhex", "unhexlify", "decodebytes"), r"\s*\(")
)


# (plain words first: a search for a word is much cheaper than a pattern)
_RUN_WORDS = (
    "subprocess",
    "system(",
    "startfile",
    "Popen",
    "popen(",
    "exec(",
    "eval(",
    "run_path(",
    "load_source(",
    # (``exec`` under another name: ``run = exec``, ``from builtins import exec as run``)
    "= exec",
    "=exec",
    "= eval",
    "=eval",
    "exec as",
    "eval as",
)
_HANDLER_WORDS = (
    "handler",
    "Handler(",
    "on_message",
    ".command",
    ".event",
    ".message",
    ".on(",
    "Update",
    "Message",
)


def worth_reading(source: str) -> bool:
    """The cheap look: a fetch or a receive (or a chat handler) and a process or
    ``exec``; a decoder handed an address (``addresses.may_hide_address``); a
    decoder, a file opened and a process; a home path and an upload; a file
    written and a process that may start it (``dropflow``)."""
    if _WORTH_WORD.search(source) is None:
        return False  # (none of the words that each of the looks below needs)
    run = any_in(source, _RUN_WORDS)
    return dropflow.worth_reading(source, run) or hides_address(source) or _ends_named(source, run)


def hides_address(source: str) -> bool:
    """A decoder in the text, handed what may be an address (a hidden address)."""
    return any_in(source, DECODER_WORDS) and may_hide_address(source)


# One search for the words one of which each look of ``worth_reading`` needs: a
# process or ``exec`` (``run``), ``system`` imported under another name, a decoder,
# a home path (an upload).
_WORTH_WORD = any_of((*_RUN_WORDS, "system as", *DECODER_WORDS, "expanduser("))


def _ends_named(source: str, run: bool) -> bool:
    decodes = any_in(source, DECODER_WORDS)
    uploads = "expanduser(" in source and ("files=" in source or "data=" in source)
    if not (run or decodes or uploads):
        return False
    net = _fetches(source)
    if net and uploads:
        return True  # (a file of the user's home uploaded)
    if decodes and run and "open(" in source and _DECODE.search(source):
        return True  # (decoded bytes written and run)
    if not (net or _found(source, _HANDLER_WORDS, _HANDLER)):
        return False
    return _RUN.search(source) is not None


def _found(source: str, words: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    """One of the words is in the text, and then the pattern."""
    return any_in(source, words) and pattern.search(source) is not None


def _decodes(source: str) -> bool:
    """A decoder or a decryption named (what a writer helper may be handed)."""
    return any_in(source, (*DECODER_WORDS, "decrypt", "decompress"))


def _fetches(source: str) -> bool:
    """A fetch or a receive: an HTTP client used or imported, ``urlopen``, ``recv``,
    a ``curl`` or ``wget`` command."""
    if any_in(source, ("urlopen", "urlretrieve", ".recv")):
        return True
    if _found(source, ("requests", "httpx", "urllib3", "aiohttp"), _CLIENT):
        return True
    return _found(source, ("curl", "wget"), _FETCH_COMMAND)


def payload_hits(
    tree: ast.Module, source: str, cx: Context, walked: Sequence[ast.AST] | None = None
) -> list[Hit]:
    """The drop-run, remote-shell and hidden-address shapes of a file (see above):
    in each function, and in module-level code (read as one more function, whose
    hits are not deferred: it runs when the file runs). ``walked``: the file's calls
    and assignments, function bodies included, if the caller has them."""
    if not worth_reading(source):
        return []
    out: list[Hit] = []
    functions = list(_outer_functions(tree.body))
    chat = _found(source, _HANDLER_WORDS, _HANDLER)
    registered = _registered_handlers(tree, cx) if chat else frozenset()
    receives = chat or _fetches(source)
    sources = _Sources(cx, functions, chat)
    helpers = (
        _helpers(cx, functions, receives, sources) if receives or _decodes(source) else _NO_HELPERS
    )
    calls = tuple(f"{name}(" for name in helpers[1])  # (a call of a helper that starts)
    if _worth_a_flow(dropflow.module_text(tree, cx.lines), calls):
        flow = _Flow(cx, dropflow.module_nodes(tree), helpers=helpers, sources=sources)
        out.extend(flow.hits())
    for function in functions:
        text = _text_of(function, cx.lines)
        handler = function.name in registered and any_in(text, _RUN_WORDS)
        if handler or _worth_a_flow(text, calls):
            nodes = list(ast.walk(function))
            flow = _Flow(cx, nodes, function, helpers, registered, sources)
            out.extend(flow.hits())
    if hides_address(source):
        out.extend(hidden_addresses(list(ast.walk(tree)) if walked is None else walked, cx))
    return out


def _worth_a_flow(text: str, calls: tuple[str, ...]) -> bool:
    return worth_reading(text) or (bool(calls) and any_in(text, calls))


def _text_of(function: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> str:
    """A function's own lines, decorators included (for the cheap look)."""
    first = min([function.lineno, *(d.lineno for d in function.decorator_list)])
    return "\n".join(lines[first - 1 : function.end_lineno])


# Helpers of a file: functions that return a path they wrote downloaded bytes to
# (index ``RETURNED``) or write them to the path one of their parameters names (its
# index); functions that start (the file named by) one of their parameters; and
# functions that write what one of their parameters holds to a file whose path
# they return (``save(code) -> path``: what the caller hands them is dropped).
_Helpers = tuple[dict[str, frozenset[int]], dict[str, frozenset[int]], dict[str, frozenset[int]]]
_NO_HELPERS: _Helpers = ({}, {}, {})
RETURNED = -1
_WRITE_WORDS = ("write", "urlretrieve", "copyfileobj")


def _helpers(
    cx: Context,
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef],
    receives: bool = False,
    sources: _Sources | None = None,
) -> _Helpers:
    """A download written by one function and started by another: the functions
    that return the path they wrote fetched bytes to (``download() -> path``) or
    write them to a path they are given (``download(url, path)``) and, when there
    are any or the file fetches or receives (a command handed on), those that
    start a parameter (``run(path)``, ``run(command)``)."""
    texts = [_text_of(f, cx.lines) for f in functions]
    droppers: dict[str, frozenset[int]] = {}
    writers: dict[str, frozenset[int]] = {}
    for function, text in zip(functions, texts, strict=True):
        if not any_in(text, _WRITE_WORDS):
            continue
        flow = _Flow(cx, list(ast.walk(function)), function, sources=sources)
        written = flow.download_params() if _fetches(text) else frozenset()
        if written:
            droppers[function.name] = written
        kept = flow.written_params() if "return" in text else frozenset()
        if kept:
            writers[function.name] = kept
    if not droppers and not writers and not receives:
        return _NO_HELPERS
    starters: dict[str, frozenset[int]] = {}
    for function, text in zip(functions, texts, strict=True):
        if any_in(text, _RUN_WORDS):
            started = _Flow(cx, list(ast.walk(function)), function).started_params()
            if started:
                starters[function.name] = started
    return droppers, starters, writers


def _outer_functions(body: list[ast.stmt]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions and methods not nested in another function (those are read with it)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node
        elif isinstance(node, ast.ClassDef | ast.If | ast.Try | ast.With):
            yield from _outer_functions(_bodies(node))


def _bodies(node: ast.stmt) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for name in ("body", "orelse", "finalbody"):
        out.extend(getattr(node, name, []))
    for handler in getattr(node, "handlers", []):
        out.extend(handler.body)
    return out


# Methods of a fetched or received value that keep it whole (``r.text.strip()``).
_KEEPS = frozenset(
    {"decode", "strip", "rstrip", "lstrip", "split", "read", "json", "get", "text", "content"}
)  # (and ``" ".join(words)``)
_RECEIVES = frozenset({"recv", "recvfrom"})
# The messages a chat bot reads from a channel itself, in a file that handles a
# chat bot's messages (discord.py's ``channel.history()``, ``fetch_message``;
# Telethon's ``iter_messages``; a Telegram bot's ``get_updates``).
_MESSAGE_READS = frozenset(
    {"history", "fetch_message", "iter_messages", "get_messages", "get_updates"}
)
# Decorators that register a function to be called with a chat message: always
# (``@bot.message_handler``), or on a coroutine (``@bot.command()`` of discord.py;
# a sync ``@cli.command()`` is a command-line interface).
_HANDLERS = frozenset(
    {"message_handler", "channel_post_handler", "edited_message_handler", "on_message"}
)
_ASYNC_HANDLERS = frozenset(
    {"message", "command", "event", "hybrid_command", "slash_command", "on"}
)
# A handler's parameters by their types (python-telegram-bot, aiogram, discord.py).
_MESSAGE_TYPES = frozenset({"Update", "CallbackContext", "Message"})
_WRITE_MODES = re.compile(r"[wax]")
_INTERPRETERS = re.compile(r"python|powershell|pwsh|bash|^sh$|node|perl", re.IGNORECASE)


class _Sources:
    """The functions of a file whose ``return`` hands back fetched or decoded data
    (``def get_payload(): return b64decode(requests.get(url).text)``), looked at
    when a flow meets a call of one: a download split into helpers is followed as
    one kept in one function. Called by name, or as ``self.name()``."""

    def __init__(
        self,
        cx: Context,
        functions: list[ast.FunctionDef | ast.AsyncFunctionDef],
        chat: bool = False,
    ) -> None:
        self.cx = cx
        self.by_name = {f.name: f for f in functions}
        self.known: dict[str, str] = {}
        self.chat = chat  # (the file handles a chat bot's messages: ``_MESSAGE_READS``)
        self._passes: dict[str, frozenset[int]] = {}

    def _function(self, call: ast.Call) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function of the file a call calls, by name or as ``self.name()``."""
        func = call.func
        if isinstance(func, ast.Attribute):
            if not (isinstance(func.value, ast.Name) and func.value.id in {"self", "cls"}):
                return None
            return self.by_name.get(func.attr)
        return self.by_name.get(getattr(func, "id", ""))

    def passes(self, call: ast.Call) -> frozenset[int]:
        """The indices of the parameters (``self`` and ``cls`` left out) the called
        function's return value is made from (``parse(message.content)`` hands back
        what it cut out of the message)."""
        function = self._function(call)
        if function is None:
            return frozenset()
        if function.name not in self._passes:
            self._passes[function.name] = _passed_params(function)
        return self._passes[function.name]

    def kind(self, call: ast.Call) -> str:
        """``downloaded``, ``decoded`` or '' for what the called function returns."""
        function = self._function(call)
        if function is None:
            return ""
        name = function.name
        if name not in self.known:
            self.known[name] = ""  # (a function that returns its own call: no loop)
            flow = _Flow(self.cx, list(ast.walk(function)), function, sources=self)
            returned = [n.value for n in flow.nodes if isinstance(n, ast.Return) and n.value]
            if any(flow.fetched(value) for value in returned):
                self.known[name] = "downloaded"
            elif any(flow.decoded(value) for value in returned):
                self.known[name] = "decoded"
        return self.known[name]


class _Flow:
    """What flows where inside one function: fetched data, received commands,
    files written with fetched bytes."""

    def __init__(
        self,
        cx: Context,
        nodes: list[ast.AST],
        function: ast.FunctionDef | ast.AsyncFunctionDef | None = None,
        helpers: _Helpers = _NO_HELPERS,
        registered: frozenset[str] = frozenset(),
        sources: _Sources | None = None,
    ) -> None:
        """The flow of one function's nodes, or of module-level code (no ``function``);
        ``helpers``: the file's functions that return a download, or start a parameter;
        ``registered``: the names of functions handed to a chat bot as handlers;
        ``sources``: the file's functions that return fetched or decoded data."""
        self.cx = cx
        self.function = function
        self.nodes = nodes
        self.sources = sources
        self.read_messages = False  # (a chat's messages read from a channel: ``_source_call``)
        self.droppers, self.starters, self.writers = helpers
        self.values: dict[str, list[ast.expr]] = {}
        self.handles: dict[str, ast.expr] = {}  # file object -> the path it was opened at
        self.procs: set[str] = set()  # names of processes started on an interpreter
        self._read_assignments()
        # the parameters of the chat handlers defined here: what a message brings
        self.message = {
            a.arg
            for n in self.nodes
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and (_is_handler(n) or n.name in registered)
            for a in _params(n)
        } - {"self", "cls"}

    def _read_assignments(self) -> None:
        for node in self.nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
                if node.value is not None:
                    self._bind(node.target, node.value)
            elif isinstance(node, ast.For | ast.AsyncFor):
                self._bind(node.target, node.iter)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind(item.optional_vars, item.context_expr)
        self._bind_nested_calls()

    def _bind_nested_calls(self) -> None:
        """A call to a function defined in this one binds its parameters to the
        arguments (``download(url, path)`` then ``run(path)``)."""
        nested = {
            n.name: [a.arg for a in _params(n)]
            for n in self.nodes
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n is not self.function
        }
        if not nested:
            return
        for node in self.nodes:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                for param, arg in zip(nested.get(node.func.id, ()), node.args, strict=False):
                    self._bind(ast.Name(id=param), arg)

    def _bind(self, target: ast.AST, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.values.setdefault(target.id, []).append(value)
            path = self._opened_for_writing(value)
            if path is None and self._temp_file(value):
                path = ast.Name(id=target.id)  # (a temporary file: ``f.name`` is its path)
            if path is not None:
                self.handles[target.id] = path
            if self._starts_interpreter(value):
                self.procs.add(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind(element, value)

    def _opened_for_writing(self, value: ast.expr) -> ast.expr | None:
        if not (isinstance(value, ast.Call) and self.cx.qual(value.func) in {"open", "io.open"}):
            return None
        mode = value.args[1] if len(value.args) > 1 else _keyword(value, "mode")
        written = isinstance(mode, ast.Constant) and _WRITE_MODES.search(str(mode.value))
        return value.args[0] if written and value.args else None

    def _temp_file(self, value: ast.expr) -> bool:
        return isinstance(value, ast.Call) and self.cx.qual(value.func) in dropflow.TEMP_FILES

    def _starts_interpreter(self, value: ast.expr) -> bool:
        if not (isinstance(value, ast.Call) and self._is_process(value) and value.args):
            return False
        first = _first_word(value.args[0])
        return first is not None and (
            self.cx.qual(first) == "sys.executable"
            or _INTERPRETERS.search(_text(first)) is not None
        )

    # -- sources ------------------------------------------------------------------

    def fetched(self, node: ast.AST, depth: int = 0, whole: bool = False) -> bool:
        """``node`` carries data from the network (``whole``: nothing but it)."""
        subs = _chain(node) if whole else ast.walk(node)
        for sub in subs:
            if isinstance(sub, ast.Call) and (
                self._source_call(sub) or (not whole and self._returned(sub) == "downloaded")
            ):
                return True
            if isinstance(sub, ast.Call) and depth < 4 and self._passes_fetched(sub, depth, whole):
                return True
            if isinstance(sub, ast.Name) and depth < 4:
                if sub.id in self.message:
                    return True
                values = self.values.get(sub.id, ())[:6]
                if any(self.fetched(v, depth + 1, whole) for v in values):
                    return True
        return False

    def decoded(self, node: ast.AST, depth: int = 0) -> bool:
        """``node`` carries data decoded from base64, hex or a compressed blob, or
        decrypted (``Fernet(key).decrypt(blob)``)."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                name = self.cx.qual(sub.func)
                if name in DECODERS or last_part(name) == "decrypt":
                    return True
                if self._returned(sub) == "decoded":
                    return True
            if isinstance(sub, ast.Name) and depth < 4:
                values = self.values.get(sub.id, ())[:6]
                if any(self.decoded(v, depth + 1) for v in values):
                    return True
        return False

    def _passes_fetched(self, call: ast.Call, depth: int, whole: bool) -> bool:
        """A call of a function of the file that hands back what it cut out of
        fetched data or a message it is given (``parse(message.content)``)."""
        passed = self.sources.passes(call) if self.sources is not None else frozenset()
        return any(
            i < len(call.args) and self.fetched(call.args[i], depth + 1, whole) for i in passed
        )

    def _returned(self, call: ast.Call) -> str:
        """What a call of a function of the file hands back: ``downloaded`` or
        ``decoded`` data (``code = fetch_payload()``), else ''."""
        return self.sources.kind(call) if self.sources is not None else ""

    def _source_call(self, call: ast.Call) -> bool:
        name = self.cx.qual(call.func)
        if name in NETWORK:
            return True
        if not isinstance(call.func, ast.Attribute):
            return False
        attr = call.func.attr
        if attr in _MESSAGE_READS and self.sources is not None and self.sources.chat:
            self.read_messages = True
            return True
        return attr in _RECEIVES

    def _is_process(self, call: ast.Call) -> bool:
        name = self.cx.qual(call.func)
        return name in SPAWN or ("." not in name and name in BARE_SPAWNS)

    # -- sinks ----------------------------------------------------------------------

    def hits(self) -> list[Hit]:
        dropped = self._dropped_paths()
        for node in self.nodes:
            if not isinstance(node, ast.Call):
                continue
            found = self._sink(node, dropped)
            if found:
                kind, rule, text = found
                line = node.lineno
                shown = snippet(self.cx.lines, line)
                scope = self.function.name if self.function else ""
                return [Hit(rule, kind, 6.0, line, shown, text, bool(scope), scope)]
        return []

    def _sink(self, node: ast.Call, dropped: dict[str, str]) -> tuple[str, str, str] | None:
        name = self.cx.qual(node.func)
        if self._is_process(node):
            return self._process_sink(node, name, dropped)
        handed = self._helper_sink(node, dropped)
        if handed:
            return handed
        if name in EXECS and node.args and self.fetched(node.args[0], whole=True):
            return "download-exec", DROPPER, f"{name}() of code that arrives from the network"
        if name in FILE_EXEC and node.args:  # (a Python file run in this process)
            how = self._runs_dropped(node.args[0], dropped)
            if how:
                return "drop-run", DROPPER, f"writes {_what(how)} to a file and runs it ({name})"
        if _feeds_stdin(node) and self._fed(node):
            return "drop-run", DROPPER, "feeds downloaded data to an interpreter it started"
        if name in _UPLOADS and self._uploads_found_file(node):
            text = f"uploads a file it searched the user's folders for to a fixed address ({name})"
            return "steal-send", CREDENTIAL_ACCESS, text
        return None

    def _helper_sink(self, node: ast.Call, dropped: dict[str, str]) -> tuple[str, str, str] | None:
        """A call of a function of the file that starts its parameter, handed a file
        written with fetched or decoded bytes, or a command from the network."""
        helper = _call_name(node)
        how = self._starts_dropped(node, dropped)
        if how:
            what = (
                "a downloaded file" if how == "downloaded" else f"a file written with {_what(how)}"
            )
            return "drop-run", DROPPER, f"hands {what} to {helper}(), which starts it"
        if self._hands_received(node):
            source = "a chat message" if self.message or self.read_messages else "the network"
            text = f"hands a command that arrives from {source} to {helper}(), which runs it"
            return "remote-shell", DROPPER, text
        return None

    def _hands_received(self, node: ast.Call) -> bool:
        """A call of a function of the file that runs its parameter, given nothing but
        what the network or a chat message brought (``run(message.content)``)."""
        started = self.starters.get(_call_name(node), frozenset())
        return any(i < len(node.args) and self.fetched(node.args[i], whole=True) for i in started)

    def _starts_dropped(self, node: ast.Call, dropped: dict[str, str]) -> str:
        """How the bytes came, when a call of a function of the file that starts its
        parameter is given a path written with downloaded or decoded bytes or code
        (``run(download(url))``, ``p = download(url); run(p)``, ``p = save(code);
        run(p)``); else ''."""
        started = self.starters.get(_call_name(node), frozenset())
        for index in started:
            if index < len(node.args):
                arg = node.args[index]
                if self._downloaded_by_helper(arg):
                    return "downloaded"
                files = {_FILE_KEY + f for f in dropflow.literal_files(arg, self.values)}
                how = next((dropped[n] for n in _names_in(arg) | files if n in dropped), "")
                if how:
                    return how
        return ""

    def _downloaded_by_helper(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and RETURNED in self.droppers.get(_call_name(node), ())

    def download_params(self) -> frozenset[int]:
        """Whether the function returns a path it wrote downloaded bytes to
        (``RETURNED``), and the indices of the parameters (``self`` and ``cls`` left
        out) naming a path it writes them to."""
        dropped = {n for n, how in self._dropped_paths().items() if how == "downloaded"}
        if not dropped:
            return frozenset()
        out = {i for i, name in enumerate(self._param_names()) if name in dropped}
        if any(
            isinstance(n, ast.Return)
            and n.value is not None
            and _mentions(n.value, dropped, self.values)
            for n in self.nodes
        ):
            out.add(RETURNED)
        return frozenset(out)

    def _param_names(self) -> list[str]:
        return _positional_names(self.function) if self.function is not None else []

    def started_params(self) -> frozenset[int]:
        """The indices of the parameters (``self`` and ``cls`` left out) whose file
        the function starts as a program, or hands to an interpreter or a shell."""
        names = self._param_names()
        out: set[int] = set()
        for node in self.nodes:
            if isinstance(node, ast.Call) and self._is_process(node):
                command = node.args[0] if node.args else _keyword(node, "args")
                for index, name in enumerate(names):
                    if command is not None and self._runs_dropped(command, {name: "started"}):
                        out.add(index)
        return frozenset(out)

    def written_params(self) -> frozenset[int]:
        """The indices of the parameters (``self`` and ``cls`` left out) whose value
        the function writes to a file whose path it returns (``save(code) -> path``)."""
        names = self._param_names()
        if not names:
            return frozenset()
        returned = [n.value for n in self.nodes if isinstance(n, ast.Return) and n.value]
        out: set[int] = set()
        for node in self.nodes:
            if not isinstance(node, ast.Call) or not node.args:
                continue
            path = self._target(node)
            if path is None:
                continue
            paths = _names_in(path) - self.cx.aliases.keys()
            if paths and any(_mentions(value, paths, self.values) for value in returned):
                data = node.args[-1]
                out |= {i for i, name in enumerate(names) if _mentions(data, {name}, self.values)}
        return frozenset(out)

    def _uploads_found_file(self, node: ast.Call) -> bool:
        """An upload to an address written in the code whose payload is a file
        opened at a path found by listing the user's folders (``~/x``)."""
        url = node.args[0] if node.args else _keyword(node, "url")
        if not (url is not None and _literal_url(url, self.values)):
            return False
        payload = [k.value for k in node.keywords if k.arg in {"files", "data"}]
        # (a file opened right there, ``files={"f": open(found, "rb")}``, or a name of one)
        opened = any(self._opened_found(sub) for p in payload for sub in ast.walk(p))
        return opened or any(self._found_handle(n) for p in payload for n in _names_in(p))

    def _found_handle(self, name: str, depth: int = 0) -> bool:
        """``name`` is a file opened (or a name assigned one) at a searched home path."""
        for value in self.values.get(name, ())[:4]:
            if _is_open(value, self.cx):
                if self._opened_found(value):
                    return True
            elif depth < 3 and any(self._found_handle(n, depth + 1) for n in _names_in(value)):
                return True
        return False

    def _opened_found(self, node: ast.AST) -> bool:
        """``open(path)`` of a path found by listing the user's folders."""
        return _is_open(node, self.cx) and self._searched_home(node.args[0])

    def _searched_home(self, node: ast.AST) -> bool:
        """The path comes from listing folders (``os.listdir``, ``os.walk``, ``glob``)
        of the user's home written in the code (``expanduser("~/...")``)."""
        return {"listing", "home"} <= self._path_sources(node)

    def _path_sources(self, node: ast.AST, seen: set[str] | None = None) -> set[str]:
        """What a path is made of: a folder listing, the user's home written in the code."""
        seen = set() if seen is None else seen
        out: set[str] = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                name = self.cx.qual(sub.func)
                if name in _LISTINGS or last_part(name) in {"glob", "rglob", "iterdir"}:
                    out.add("listing")
                if name == "os.path.expanduser" and sub.args and _home_literal(sub.args[0]):
                    out.add("home")
            elif isinstance(sub, ast.Name) and sub.id not in seen and len(seen) < 24:
                seen.add(sub.id)
                for value in self.values.get(sub.id, ())[:6]:
                    out |= self._path_sources(value, seen)
        return out

    def _process_sink(
        self, node: ast.Call, name: str, dropped: dict[str, str]
    ) -> tuple[str, str, str] | None:
        command = node.args[0] if node.args else _keyword(node, "args")
        if command is None:
            return None
        how = self._runs_dropped(command, dropped)
        if how:
            what = _what(how)
            return "drop-run", DROPPER, f"writes {what} to a file and starts it ({name})"
        if name == "os.startfile" and any(h == "downloaded" for h in dropped.values()):
            return "drop-run", DROPPER, f"downloads a file and starts a file ({name})"
        if self.fetched(command, whole=True):
            source = "a chat message" if self.message or self.read_messages else "the network"
            text = f"runs a command that arrives from {source} ({name})"
            return "remote-shell", DROPPER, text
        inputs = _keyword(node, "input")
        if inputs is not None and self._starts_interpreter(node) and self.fetched(inputs):
            return "drop-run", DROPPER, "feeds downloaded data to an interpreter it started"
        return None

    def _fed(self, node: ast.Call) -> bool:
        """``p.stdin.write(data)`` / ``p.communicate(data)`` with fetched data, ``p``
        a process started on an interpreter."""
        owner = node.func.value if isinstance(node.func, ast.Attribute) else None
        while isinstance(owner, ast.Attribute):
            owner = owner.value
        if not (isinstance(owner, ast.Name) and owner.id in self.procs):
            return False
        data = node.args[0] if node.args else _keyword(node, "input")
        return data is not None and self.fetched(data)

    def _runs_dropped(self, command: ast.expr, dropped: dict[str, str]) -> str:
        """How the bytes of the program started came (``downloaded``, ``decoded``,
        ``code``), when it is a path written with them (or an interpreter or a shell
        handed that path, by name or as a literal file name); else ''."""
        held = self.values.get(command.id, []) if isinstance(command, ast.Name) else []
        if len(held) == 1 and isinstance(held[0], _COMMANDS):
            command = held[0]  # cmd = ["bash", "-c", ...]; Popen(cmd)
        if not dropped:
            return ""
        named = set(dropped)
        for word in dropflow.started(dropflow.tokens(_command_words(command)), self._executable):
            if isinstance(word, str):
                how = dropped.get(_FILE_KEY + dropflow.file_name(word))
                if how:
                    return how
                continue
            for name in _mentions(word, named, self.values):
                return dropped[name]
        return ""

    def _executable(self, word: ast.AST) -> bool:
        """The word is the running interpreter, or a name assigned it."""
        if dropflow.names_executable(word, self.cx.qual):
            return True
        held = self.values.get(word.id, []) if isinstance(word, ast.Name) else []
        return any(dropflow.names_executable(v, self.cx.qual) for v in held[:4])

    def _dropped_paths(self) -> dict[str, str]:
        """Names of paths written with fetched or decoded bytes (or code kept in a
        literal) in this function, and the file names written as literals in them
        (keyed ``/name``), and how the bytes came (``downloaded``, ``decoded``,
        ``code``). Imported names (``os`` of ``os.path.join``) are no paths."""
        out: dict[str, str] = {}
        for node in self.nodes:
            if not isinstance(node, ast.Call):
                continue
            found = self._written_path(node)
            if found is not None:
                path, how = found
                names = _names_in(path) - set(out) - self.cx.aliases.keys()
                files = {_FILE_KEY + f for f in dropflow.literal_files(path, self.values)}
                out.update(dict.fromkeys(names | (files - set(out)), how))
        if self.droppers:
            out.update(dict.fromkeys(self._helper_downloads() - set(out), "downloaded"))
        if self.writers:
            for name, values in self.values.items():
                how = next(filter(None, map(self._written_by_helper, values)), "")
                if how:
                    out.setdefault(name, how)
        # a path handed on as it is (``file_path`` bound to ``exe_path``)
        for name, values in self.values.items():
            for value in values:
                if isinstance(value, ast.Name) and (name in out or value.id in out):
                    how = out.get(name) or out[value.id]
                    out.setdefault(name, how)
                    out.setdefault(value.id, how)
        return out

    def _written_path(self, node: ast.Call) -> tuple[ast.AST, str] | None:
        """The path a call writes fetched or decoded bytes to, and how they came."""
        downloaded = self._downloaded_to(node)
        if downloaded is not None:
            return downloaded, "downloaded"
        if not isinstance(node.func, ast.Attribute) or not node.args:
            return None
        path = self._target(node)
        if path is None:
            return None
        data = node.args[-1]
        if self.fetched(data):
            return path, "downloaded"
        if self.decoded(data):
            return path, "decoded"
        return (path, "code") if dropflow.code_literal(data, self.values) else None

    def _downloaded_to(self, node: ast.Call) -> ast.AST | None:
        """The path a download call writes: ``urlretrieve(url, PATH)``, ``curl -o
        PATH``, ``shutil.copyfileobj(response.raw, f)`` (``f`` opened at PATH)."""
        name = _call_name(node)
        if name == "urlretrieve" and len(node.args) > 1:
            return node.args[1]
        if self._is_process(node) and self._downloader(node):
            command = node.args[0] if node.args else _keyword(node, "args")
            return command or node  # curl -o PATH, wget -O PATH
        if name == "copyfileobj" and len(node.args) > 1:
            out = node.args[1]
            held = self.handles.get(out.id) if isinstance(out, ast.Name) else None
            return held if held is not None and self.fetched(node.args[0]) else None
        return None

    def _helper_downloads(self) -> set[str]:
        """The paths a helper of the file downloaded: ``path = download(url)``, or
        ``download(url, path)`` (names, and literal file names keyed ``/name``)."""
        out = {n for n, vs in self.values.items() if any(map(self._downloaded_by_helper, vs))}
        for node in self.nodes:
            if isinstance(node, ast.Call) and _call_name(node) in self.droppers:
                out |= self._helper_targets(node)
        return out

    def _written_by_helper(self, value: ast.expr) -> str:
        """How the bytes came (see ``_dropped_paths``) that a helper of the file wrote
        to the path it returns, called here with them: ``path = save(decoded)``."""
        indices = self.writers.get(_call_name(value), ()) if isinstance(value, ast.Call) else ()
        for index in indices:
            if isinstance(value, ast.Call) and index < len(value.args):
                data = value.args[index]
                if self.fetched(data):
                    return "downloaded"
                if self.decoded(data):
                    return "decoded"
                if dropflow.code_literal(data, self.values):
                    return "code"
        return ""

    def _helper_targets(self, node: ast.Call) -> set[str]:
        """The names, and literal file names (keyed ``/name``), of the paths a call
        of a helper writes a download to (``download(url, "a.exe")``)."""
        out: set[str] = set()
        for index in self.droppers[_call_name(node)] - {RETURNED}:
            if index < len(node.args):
                path = node.args[index]
                out |= _names_in(path) - self.cx.aliases.keys()
                out |= {_FILE_KEY + f for f in dropflow.literal_files(path, self.values)}
        return out

    def _target(self, node: ast.Call) -> ast.AST | None:
        """The path ``f.write``, ``open(p, "wb").write``, ``Path(p).write_bytes`` or
        ``os.write(fd, ...)`` (``fd`` of ``fd, path = mkstemp()``) writes."""
        func = node.func
        if not isinstance(func, ast.Attribute):
            return None
        owner = func.value
        if func.attr in {"write_bytes", "write_text"}:
            return owner
        if self.cx.qual(func) == "os.write" and len(node.args) == 2:
            return self._descriptor_path(node.args[0])
        if func.attr != "write":
            return None
        if isinstance(owner, ast.Name):
            return self.handles.get(owner.id)
        return self._opened_for_writing(owner) if isinstance(owner, ast.Call) else None

    def _descriptor_path(self, fd: ast.expr) -> ast.AST | None:
        """The names ``fd, path = tempfile.mkstemp()`` binds, for ``fd``."""
        if not isinstance(fd, ast.Name):
            return None
        made = [
            v
            for v in self.values.get(fd.id, [])
            if isinstance(v, ast.Call) and self.cx.qual(v.func) in dropflow.TEMP_DESCRIPTORS
        ]
        names = [n for n, vs in self.values.items() if any(v is m for v in vs for m in made)]
        return ast.Tuple(elts=[ast.Name(id=n) for n in names]) if names else None

    def _downloader(self, node: ast.Call) -> bool:
        """A process that runs a downloader (``curl``, ``wget``...)."""
        command = node.args[0] if node.args else _keyword(node, "args")
        first = _first_word(command) if command is not None else None
        return first is not None and _DOWNLOADERS.match(_text(first)) is not None


_COMMANDS = (ast.List, ast.Tuple, ast.JoinedStr, ast.BinOp, ast.Constant)
_FILE_KEY = "/"  # (a literal file name among the dropped names: no identifier has a /)
_HOW = {"code": "code kept in a literal"}


def _what(how: str) -> str:
    """What bytes that came ``how`` are: 'decoded data', 'code kept in a literal'."""
    return _HOW.get(how, f"{how} data")


_UPLOADS = frozenset(
    {"requests.post", "requests.put", "httpx.post", "httpx.put", "requests.api.post"}
)
_LISTINGS = frozenset({"os.listdir", "os.walk", "os.scandir", "glob.glob", "glob.iglob"})


def _home_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and str(node.value).startswith("~")


def _literal_url(node: ast.AST, values: dict[str, list[ast.expr]]) -> bool:
    """A URL written in the code: a literal, or a name assigned only literals."""
    if isinstance(node, ast.Name):
        held = values.get(node.id, [])
        return bool(held) and all(_literal_url(v, {}) for v in held)
    return isinstance(node, ast.Constant) and str(node.value).startswith(("http://", "https://"))


_DOWNLOADERS = re.compile(
    r"^(?:curl|wget|certutil|bitsadmin|iwr|invoke-webrequest)(?:\.exe)?$", re.I
)


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


# -- small helpers ---------------------------------------------------------------------


def _is_open(node: ast.AST, cx: Context) -> TypeGuard[ast.Call]:
    """``open(path, ...)`` (or ``io.open``)."""
    return (
        isinstance(node, ast.Call) and cx.qual(node.func) in {"open", "io.open"} and bool(node.args)
    )


# Calls that register a function of the file as a chat bot's handler: it is called
# with each message (python-telegram-bot's ``MessageHandler(filters.TEXT, f)``,
# Telethon's ``add_event_handler``, aiogram's ``register_message_handler``).
_REGISTRARS = frozenset(
    {
        "MessageHandler",
        "CommandHandler",
        "add_event_handler",
        "register_message_handler",
        "register_next_step_handler",
    }
)


def _registered_handlers(tree: ast.Module, cx: Context) -> frozenset[str]:
    """The names of the functions (or methods, ``self.f``) a registrar is handed."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and last_part(cx.qual(node.func)) in _REGISTRARS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name):
                    out.add(arg.id)
                elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
                    out.add(arg.attr)
    return frozenset(out)


def _is_handler(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Registered to be called with a chat message or command, or typed so."""
    coroutine = isinstance(function, ast.AsyncFunctionDef)
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and (
            target.attr in _HANDLERS or (coroutine and target.attr in _ASYNC_HANDLERS)
        ):
            return True
    return any(_type_name(a.annotation) in _MESSAGE_TYPES for a in _params(function))


def _type_name(node: ast.expr | None) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _params(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [a for a in every if a is not None]


def _positional_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The names of a function's positional parameters, ``self`` and ``cls`` left out."""
    args = function.args
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    return names[1:] if names and names[0] in {"self", "cls"} else names


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _feeds_stdin(node: ast.Call) -> bool:
    func = node.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "communicate":
        return True
    return (
        func.attr == "write"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "stdin"
    )


def _chain(node: ast.AST) -> Iterator[ast.AST]:
    """``data.decode().strip()``, ``m.text``, ``data[0]``, ``await x``: the value and
    what it is made of, down to the name or call underneath."""
    while True:
        yield node
        func = node.func if isinstance(node, ast.Call) else None
        if isinstance(node, ast.Call) and isinstance(func, ast.Attribute):
            if func.attr not in _KEEPS and not (func.attr == "join" and node.args):
                return
            # (" ".join(words): the words)
            node = node.args[0] if func.attr == "join" else func.value
        elif isinstance(node, ast.Attribute | ast.Subscript | ast.Await):
            node = node.value
        else:
            inner = _element_of(node)
            if inner is None:
                return
            node = inner


def _element_of(node: ast.AST) -> ast.expr | None:
    """``[m async for m in channel.history()]``: the iterable whose elements a
    comprehension keeps as they are; else None."""
    if not isinstance(node, ast.ListComp | ast.GeneratorExp) or len(node.generators) != 1:
        return None
    loop, element = node.generators[0], node.elt
    if not (isinstance(element, ast.Name) and isinstance(loop.target, ast.Name)):
        return None
    return loop.iter if element.id == loop.target.id and not loop.ifs else None


def _passed_params(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[int]:
    """The indices of the parameters (``self`` and ``cls`` left out) a function's
    ``return`` values are made from: what a ``return`` hands back as it is (a name,
    the values of a dict it builds: ``_roots``; not the key that picks a value
    from a table), made from the names assigned from a parameter, in turn, and
    those bound by loops over them (``for line in text.split()``)."""
    params = _positional_names(function)
    if not params:
        return frozenset()
    made, returned = _made_from(function)
    reached, todo = set(returned), list(returned)
    while todo and len(reached) < 256:
        for name in made.get(todo.pop(), ()):
            if name not in reached:
                reached.add(name)
                todo.append(name)
    return frozenset(i for i, name in enumerate(params) if name in reached)


def _made_from(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
) -> tuple[dict[str, set[str]], set[str]]:
    """Each name a function assigns (or a loop binds) -> the names its values are
    made from; and the names its ``return`` statements hand back (``_roots``)."""
    made: dict[str, set[str]] = {}
    returned: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for name in {n for t in targets for n in _names_in(t)}:
                made.setdefault(name, set()).update(_names_in(node.value))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            for name in _names_in(node.target):
                made.setdefault(name, set()).update(_names_in(node.iter))
        elif isinstance(node, ast.Return) and node.value is not None:
            returned |= _roots(node.value)
    return made, returned


def _roots(value: ast.expr) -> set[str]:
    """The names whose data a value hands back as it is: ``x``, ``x.strip()``,
    ``{"command": x}``, ``(x, y)``, ``x if c else y``; not ``TABLE.get(key)``'s key."""
    last: ast.AST = value
    for node in _chain(value):
        last = node
    if isinstance(last, ast.Name):
        return {last.id}
    if isinstance(last, ast.Dict):
        return {n for v in last.values for n in _roots(v)}
    if isinstance(last, ast.Tuple | ast.List):
        return {n for e in last.elts for n in _roots(e)}
    if isinstance(last, ast.IfExp):
        return _roots(last.body) | _roots(last.orelse)
    return set()


def _command_words(command: ast.expr) -> list[ast.expr]:
    """The words of a command: a list's elements, or the pieces of a string built
    from a path (``f"{path}"``, ``"cmd /c " + path``)."""
    if isinstance(command, ast.List | ast.Tuple):
        return list(command.elts)
    if isinstance(command, ast.JoinedStr):
        return [v.value if isinstance(v, ast.FormattedValue) else v for v in command.values]
    if isinstance(command, ast.BinOp) and isinstance(command.op, ast.Add):
        return [*_command_words(command.left), *_command_words(command.right)]
    return [command]


def _first_word(command: ast.expr) -> ast.expr | None:
    words = _command_words(command)
    return words[0] if words else None


def _text(node: ast.AST) -> str:
    """A literal word's program name (``"cmd /c "`` -> ``cmd``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = node.value.strip().split()
        return parts[0].rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if parts else ""
    return ""


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _mentions(word: ast.AST, names: set[str], values: dict[str, list[ast.expr]]) -> list[str]:
    """Which of ``names`` the word is, or a name assigned from."""
    for sub in ast.walk(word):
        if not isinstance(sub, ast.Name):
            continue
        if sub.id in names:
            return [sub.id]
        for value in values.get(sub.id, ())[:4]:
            if isinstance(value, ast.Name | ast.Call | ast.JoinedStr | ast.Attribute):
                found = names & _names_in(value)
                if found:
                    return sorted(found)
    return []
