"""Static analysis of one Python source file: what would it do if it ran?

Nothing here imports, compiles to bytecode or runs the code. ``analyse`` parses
the text with ``ast`` and walks it for calls; endpoints, credential paths and
blobs are found in the text itself; code that does not parse (Python 2, say)
falls back to line-wise patterns for its calls. Each thing found is a ``Hit``:
the rule it counts for, a detector key (hits of one key do not add up without
bound, see ``guard.analysis.scan.score``), a base weight for code that runs at install
time, the line and a short text.

The detectors (weights are for install-time code; see score.py for the rest):

- spawn (``spawn``): a process whose command runs a shell, PowerShell, a
  downloader, a script or an executable (5), or an unknown command (1); build
  tools (git, compilers, cmake, ``sys.executable``) are not counted.
- network (``calls``): an HTTP, socket, FTP or SMTP call (3).
- exec (``execs``): ``exec``/``eval``/``compile`` of decoded data, chr-built
  strings or a download (6, obfuscated-code or dropper), of the text of a data
  file (5), of something else that is not a file of the tree (1.5).
- shellcode (``shellcode``): executable memory, bytes copied in and a thread on
  them, with bytes the file carries or fetches (6).
- clipper (``clipboard``): the clipboard read and written in one function of a
  file that names a wallet address or its pattern (6).
- decode (``calls``, ``text``): base64/zlib/marshal decoding of embedded blobs
  (1.5; marshal 3), strings built from ``chr`` codes (2.5), long high-entropy
  literals (1.5).
- identity and secrets (``calls``, ``environ``): host or user names (1), the
  whole environment (1.5), secret-named environment variables (2.5).
- writes outside the tree (``writes``): to the home directory, system paths or
  autostart locations (2; autostart 4).
- endpoints and credential paths in string literals (``text``, patterns.py).
- Unicode tricks (``unicode``): bidi controls (3.5), identifiers that mix
  scripts or that Python folds to other names (3).
- combinations in one file (``combos``): a download together with process or
  exec (dropper, +3), a network call together with identity, secrets or
  credential paths (+2).

- shapes in one function (``combos``): a download then a shell, or written and
  started (drop-run, 6); a copy of the environment sent out (send-env, 2); user
  secrets next to an exfiltration channel in one file (steal-send, 6); an
  overridden install command with a network call (hooked-network, 1.5).
- hidden names (``calls``): ``getattr`` of a sensitive module, ``__import__``
  or ``import_module`` of a decoded, chr-built or reversed name (5); unpickling
  decoded data (6); ``e = exec`` aliases; secret APIs (cloud credentials,
  keyring, browser_cookie3, CryptUnprotectData).
- code kept in string literals (written to a file and run) is analysed too.
- names built at run time (``fold``): a lookup of a code-running builtin or
  module whose name is built from chr codes, byte lists or reversed text (6).
- signing keys (``signing``): a cloud secret key or private key from the
  environment, or the secret of the credentials a cloud SDK resolves
  (``get_credentials()``), in the address or body of a request to a fixed
  address (6).
- payloads (``payloads``, ``dropflow``): fetched, decoded or literal code
  written to a file (a temp file too) and started, in a function, at module
  level or across two functions of the file; remote shells; hidden addresses
  (``addresses``: an encoded literal a decoder is handed, through the layers a
  decoder of the file's own undoes, ``layered``; or built from codes:
  ``fold.built_address``); a literal that is a URL in base64 or hex, or
  backwards, wherever it is decoded (``encoded``, 6).
- credentials posted and forgotten (``silentpost``, 6); a network client's
  function replaced as the module is loaded (``intercept``, 2.5).
- defences (``spawn``, ``writes``): commands that turn the antivirus, the
  firewall or UAC off, or a UAC bypass through the registry (6, anywhere);
  programs no build runs (a DNS probe, ``poweroff``, a desktop program,
  ``pythonw``) and processes cut loose from their starter (5).
- persistence and theft in one function (``combos``): a download saved to, or a
  download command written to, a place that runs at log-in (6); a file of
  private secrets read and uploaded (6); a storage account whose key is written
  in the code is a channel (``accounts``).

The syntax tree is walked once (``walk``); which functions run with the module
is worked out from the calls (``liveness``): what runs counts where it is
called. A module read at module level only reads the bodies of the functions
its module-level code runs too (``_walk_running``). A first pass reads imports
and assignments (``collect``), a second sends each call to its detector
(``calls``).
"""

from __future__ import annotations

import ast
import itertools
import re
import sys
from collections.abc import Iterator

from guard.analysis.scan import patterns
from guard.analysis.scan.hits import (
    BUNDLED_BINARY,
    CREDENTIAL_ACCESS,
    DROPPER,
    EXFIL_ENDPOINT,
    INSTALL_TIME_CODE,
    MAX_SNIPPET,
    OBFUSCATED_CODE,
    PTH_CODE,
    FileReport,
    Hit,
    snippet,
)
from guard.analysis.scan.python import calls
from guard.analysis.scan.python.collect import alias_assignments, collect, loop_names
from guard.analysis.scan.python.combos import combinations
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.covert import WALLET_HINTS
from guard.analysis.scan.python.encoded import encoded_code
from guard.analysis.scan.python.execs import decoding_functions
from guard.analysis.scan.python.fallback import fallback
from guard.analysis.scan.python.intercept import replaced_clients
from guard.analysis.scan.python.liveness import (
    live_functions,
    reached_from_classes,
    runs_what_it_is_given,
    started_functions,
)
from guard.analysis.scan.python.names import BARE_SPAWNS, DUMPERS, SECRET_APIS, WRITE_CALLS
from guard.analysis.scan.python.outline import module_level, run_bodies
from guard.analysis.scan.python.payloads import payload_hits, worth_reading
from guard.analysis.scan.python.selfcall import runs_own_code, runs_own_function
from guard.analysis.scan.python.silentpost import silent_posts
from guard.analysis.scan.python.spawn import command_upload
from guard.analysis.scan.python.text import looked_at, names_a_host, text_hits
from guard.analysis.scan.python.unicode import unicode_hits
from guard.analysis.scan.python.walk import MAIN, Nodes, spanning, walk
from guard.analysis.scan.python.words import anchor, any_in, any_of, trie


def analyse(
    source: str,
    *,
    parse: bool = True,
    functions: bool = True,
    called: frozenset[str] = frozenset(),
    as_main: bool = False,
    hooks: bool = False,
    promoted: frozenset[str] = frozenset(),
) -> FileReport:
    """What one file would do.

    ``parse=False`` runs the text checks, and the payload pass of ``payloads``
    only where its quick look finds both ends of one; ``functions=False`` parses but
    analyses module-level code only (what runs at import), which is much faster,
    and the bodies of the functions that run with it (``called``).
    ``called``: functions of the file that other code which runs calls.
    ``as_main``: the file runs as ``__main__`` (a build runs ``setup.py`` so), and
    its ``if __name__ == "__main__"`` block runs with it.
    ``hooks``: the file is a helper of ``setup.py``, so the methods of its install
    commands (``class C(install)``) run as the package is installed.
    ``promoted``: those of ``called`` that import-time code of another file calls;
    the report's ``reached`` names the functions they run.
    """
    lines = source.splitlines()
    hits: list[Hit] = list(text_hits(source, lines))
    tree, why, unparsed = _parsed(source) if parse else (None, "", "")
    if tree is not None:
        try:
            return _analyse_tree(
                tree,
                source,
                lines,
                hits,
                functions,
                called,
                as_main=as_main,
                hooks=hooks,
                promoted=promoted,
            )
        except RecursionError:  # (a tree the parser took, too deep for a detector)
            hits.append(_DEEP)
            return FileReport(tuple(hits), "ast", incomplete=_TOO_DEEP)
    hits.extend(unicode_hits(source, lines, None))
    if not parse:
        hits.extend(_payloads_only(source, lines))
        return FileReport(tuple(hits), "text")
    hits.extend(fallback(source, lines))
    hits.extend(combinations(hits))
    return FileReport(tuple(hits), "tokens", incomplete=why, unparsed=unparsed)


_DEEP = Hit(OBFUSCATED_CODE, "deep-nesting", 1.0, 0, "", "absurdly nested code")
_TOO_DEEP = "too deeply nested to analyse"


def _payloads_only(source: str, lines: list[str]) -> list[Hit]:
    """In a file not parsed otherwise: a library function that runs what it
    fetches or receives (``payloads``), behind its cheap look at the text."""
    if not worth_reading(source):
        return []
    tree, _ = _parse(source)
    if tree is None:
        return []
    try:
        nodes = walk(tree, functions=False)
        cx = Context(lines, set(), nodes.owner)
        collect(cx, nodes.collected)
        return payload_hits(tree, source, cx)
    except RecursionError:
        return [_DEEP]


def _unparsed(exc: SyntaxError) -> str:
    """Why this Python cannot parse a text, when another may run it: code in the
    syntax of a newer Python (``type X = int`` before 3.12) is read line by line
    here, and runs there. '' for what no Python 3 runs: Python 2 (``_PYTHON_2``)."""
    if _PYTHON_2.search(exc.msg or ""):
        return ""
    where = f", line {exc.lineno}" if exc.lineno else ""
    return (
        f"Python {sys.version_info[0]}.{sys.version_info[1]} cannot parse it "
        f"({(exc.msg or 'invalid syntax')[:80]}{where}): the syntax of a newer Python, "
        "or a file no Python runs"
    )


# What only Python 2 reads: no Python 3 runs a file the parser says this of
_PYTHON_2 = re.compile(
    r"Missing parentheses in call to|multiple exception types must be parenthesized"
    r"|leading zeros in decimal integer literals|inconsistent use of tabs and spaces"
)


def _parse(source: str) -> tuple[ast.Module | None, str]:
    """The syntax tree, or None and why not ('' for code Python cannot run either)."""
    tree, why, _ = _parsed(source)
    return tree, why


def _parsed(source: str) -> tuple[ast.Module | None, str, str]:
    """``_parse``'s tree and why not, and why this Python cannot parse code another
    may run (``_unparsed``; '' for NUL bytes, which no Python runs)."""
    try:
        return ast.parse(source), "", ""
    except SyntaxError as exc:
        return None, "", _unparsed(exc)  # (Python 2, say: the line-wise fall-back reads it)
    except ValueError:
        return None, "", ""
    except (RecursionError, MemoryError) as exc:
        return None, f"the parser gave up ({type(exc).__name__})", ""


def _analyse_tree(
    tree: ast.Module,
    source: str,
    lines: list[str],
    hits: list[Hit],
    functions: bool,
    called: frozenset[str] = frozenset(),
    nested: bool = True,
    as_main: bool = False,
    hooks: bool = False,
    promoted: frozenset[str] = frozenset(),
) -> FileReport:
    is_ascii = source.isascii()
    functions = functions or runs_own_function(tree, source)
    nodes, live = _walk_running(tree, functions, called, as_main, hooks, names=not is_ascii)
    deferred = {i for i, owner in nodes.owner.items() if owner not in live}
    cx = Context(
        lines,
        deferred,
        nodes.owner,
        params=nodes.params,
        source=source,
        all_imports=hooks,
        returns=nodes.returns,
    )
    why = ""
    try:
        collect(cx, nodes.collected)
        loop_names(cx, nodes.checked)
        alias_assignments(cx, calls.KNOWN)
        cx.decoders = decoding_functions(cx, nodes)
        calls.run(cx, nodes.checked)
        silent_posts(cx, tree, source)
        replaced_clients(cx, nodes.collected)
    except RecursionError:
        hits.append(_DEEP)
        why = _TOO_DEEP
    names = identifiers(nodes) if not is_ascii else set()
    hits.extend(unicode_hits(source, lines, names))
    hits.extend(cx.hits)
    # (the nodes of every function body, when they were walked)
    walked = [*nodes.collected, *nodes.checked] if functions else None
    hits.extend(payload_hits(tree, source, cx, walked))
    if nested:
        hits.extend(_literal_code(tree, source, lines))
    hits.extend(combinations(hits, reached_from_classes(nodes) if "cmdclass" in source else None))
    if nested:  # (after the combinations: the code's own are made as it is read)
        hits.extend(_inline_hits(cx))
    return _tree_report(cx, nodes, hits, why, promoted)


def _walk_running(
    tree: ast.Module,
    functions: bool,
    called: frozenset[str],
    as_main: bool,
    hooks: bool,
    names: bool,
) -> tuple[Nodes, set[str]]:
    """The walked nodes (module-level code, and every function body with
    ``functions``, else those that run), and the keys of the functions whose acts
    count where they are called (the others' count as a function body's).

    A module read at module level whose module-level code runs functions of its
    own (a call, a thread's target, an exit handler, an object made) has the
    bodies of those functions read too: what they do counts as a function body's
    (a library's start-up helpers probe sockets and fetch on purpose), and their
    techniques, which count anywhere, are found."""
    running_only = not functions and bool(called)
    nodes = walk(tree, functions or running_only, names=names)
    own = not functions and not called and runs_own_code(tree, nodes)
    if own:
        running_only = True
        nodes = walk(tree, True, names=names)
    if hooks:
        called = called | {m for c in nodes.hook_classes for m in nodes.classes[c]}
    live = live_functions(nodes, called, as_main)
    if as_main:
        live.add(MAIN)
    if running_only:  # (the main guard's code stays, deferred, as without ``own``)
        _keep_running(nodes, live | {MAIN} if own else live)
    return nodes, ({MAIN} & live) | started_functions(nodes) if own else live


def _keep_running(nodes: Nodes, live: set[str]) -> None:
    """Leave out the nodes of the function bodies that do not run (``live``: those
    that do): a file read for what runs reads no other function."""
    owner = nodes.owner
    for kept in (nodes.collected, nodes.checked):
        kept[:] = [n for n in kept if owner.get(id(n)) in live or id(n) not in owner]


def _tree_report(
    cx: Context, nodes: Nodes, hits: list[Hit], why: str, promoted: frozenset[str]
) -> FileReport:
    """What the analysis of a parsed file hands the scanner: its hits, and what its
    running code imports, calls in other files and decorates with."""
    outgoing = tuple(_calls_out(cx, nodes, cx.deferred))
    reached = frozenset(live_functions(nodes, promoted, module=False) if promoted else ())
    # (a name imported from the tree, ``@retry``; not ``@x.setter`` of a property)
    decorators = tuple(
        name
        for owner, d in nodes.decorators
        if owner is None and isinstance(d, ast.Name) and "." in (name := cx.qual(d))
    )
    imports = tuple(cx.local_imports)
    mains = tuple(cx.mains)
    scripts = tuple(dict.fromkeys(cx.scripts))
    zips = tuple(dict.fromkeys(cx.zips))
    return FileReport(
        tuple(hits), "ast", imports, why, outgoing, mains, reached, decorators, scripts, zips
    )


def _calls_out(cx: Context, nodes: Nodes, deferred: set[int]) -> Iterator[str]:
    """The dotted names that code which runs calls or hands to a thread, a timer or
    an exit handler (``Thread(target=f)``): ``util.f`` after ``from .util import f``
    (for the scanner to follow into the tree)."""
    for node in nodes.checked:
        if isinstance(node, ast.Call) and id(node) not in deferred:
            name = cx.qual(node.func)
            if "." in name:
                yield name
            if runs_what_it_is_given(node):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    handed = cx.qual(arg) if isinstance(arg, ast.Name | ast.Attribute) else ""
                    if "." in handed:
                        yield handed


# Code kept in a string literal (written to a file and run, say) is analysed too.
_CODE_WORDS = ("exec(", "eval(", "system(", "Popen(", "urlopen(", "startfile(")
MAX_NESTED = 100_000
MAX_INLINE = 20  # ``python -c`` codes read per file
SMALL_SOURCE = 64 * 1024  # (files this small are searched for code literals in full)


def _literal_code(tree: ast.Module, source: str, lines: list[str]) -> Iterator[Hit]:
    """What the code in string literals would do, at the literal's line: plain,
    or in base64 (``encoded.encoded_code``)."""
    for offset, code in encoded_code(source):
        yield from _nested_hits(code, _line_at(source, offset), lines, "code in a base64 literal")
    small = len(source) <= SMALL_SOURCE and any(w in source for w in _CODE_WORDS)
    if not small and not _quoted_code(source):
        return
    for node in spanning(tree, _word_lines(source)):
        text = _code_literal(node)
        if text:
            yield from _nested_hits(text, getattr(node, "lineno", 0), lines)


# (a match starts at the word's rarest character, on the word's line: what
# ``_word_lines`` and ``_quoted_code`` read; the words hold no quote)
_CODE_WORD = any_of(_CODE_WORDS)


def _word_lines(source: str) -> list[int]:
    """The lines (1-based, ascending) that hold a code word: a literal whose text
    holds one spans such a line (the literals are looked for there only). Lines
    are counted as Python's parser counts them: a lone carriage return ends one."""
    out: list[int] = []
    line, at = 1, 0
    for found in _CODE_WORD.finditer(source):
        end = found.start()
        line += _breaks(source, at, end)
        at = end
        if not out or out[-1] != line:
            out.append(line)
    return out


def _quoted_code(source: str) -> bool:
    """A quick look: one of the code words follows an open quote on its line."""
    for found in itertools.islice(_CODE_WORD.finditer(source), 200):
        start = source.rfind("\n", 0, found.start()) + 1
        before = source[start : found.start()]
        if (before.count('"') + before.count("'")) % 2:
            return True
    return False


def _code_literal(node: ast.AST) -> str:
    """The text of a string or bytes literal that looks like code, else ''."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str | bytes):
        return ""
    value = node.value
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    if not 20 <= len(text) <= MAX_NESTED or not any(w in text for w in _CODE_WORDS):
        return ""
    return text


def _line_at(source: str, offset: int) -> int:
    """The 1-based line of an offset, counted as Python's parser counts lines."""
    return 1 + _breaks(source, 0, offset)


def _breaks(source: str, start: int, end: int) -> int:
    """The line breaks between two offsets, as Python's parser counts them: a
    lone carriage return ends a line too."""
    crlf = source.count("\r\n", start, end)
    return source.count("\n", start, end) + source.count("\r", start, end) - crlf


def _inline_hits(cx: Context) -> Iterator[Hit]:
    """What the code handed to a started interpreter (``python -c CODE``) does, at
    the call that starts it: where that call is, in its function or not."""
    # (each code once, whatever its size: made of the file's literals, all of them
    # together are about as large as the file at most; no more is read)
    first = {code: node for node, code in reversed(cx.inline)}
    left = len(cx.source) + MAX_NESTED
    for code, node in list(first.items())[:MAX_INLINE]:
        left -= len(code)
        if left < 0:
            break
        where = (id(node) in cx.deferred, cx.scope(node))
        what = "in the code a started interpreter runs"
        yield from _nested_hits(code, node.lineno, cx.lines, what, where)


def _nested_hits(
    text: str,
    line: int,
    lines: list[str],
    what: str = "code in a string literal",
    where: tuple[bool, str] | None = None,
) -> Iterator[Hit]:
    """The hits of code kept in ``text``, at ``line`` of the file, told ``(what)``:
    each where the nested code has it (module level or a function of its own), or
    all ``where`` says (deferred, the function) when given."""
    tree, _ = _parse(text)
    if tree is None:
        return
    report = _analyse_tree(tree, text, text.splitlines(), [], True, nested=False)
    shown = snippet(lines, line)
    for hit in report.hits:
        deferred, scope = where if where is not None else (hit.deferred, "")
        said = f"{hit.text} ({what})"
        yield Hit(hit.rule, hit.kind, hit.weight, line, shown, said, deferred, scope)


def identifiers(nodes: Nodes) -> set[str]:
    """The identifiers of the walked code (only when walked with ``names``)."""
    out: set[str] = set()
    for node in nodes.named:
        field = _IDENTIFIER_FIELD.get(type(node))
        if field is not None:
            out.add(getattr(node, field))
    return out


# the field that holds the identifier of each kind of named node
_IDENTIFIER_FIELD: dict[type, str] = {
    ast.Name: "id",
    ast.Attribute: "attr",
    ast.FunctionDef: "name",
    ast.AsyncFunctionDef: "name",
    ast.ClassDef: "name",
    ast.arg: "arg",
}


# A quick look that decides whether a deep module is worth a full parse: the
# content detectors that need the syntax tree (decode-and-run chains, chr-built
# strings, dynamic imports). Everything else in deep modules is found in the text.
RISKY_WORDS = (
    "marshal",
    "__import__",
    # the builtins looked up by name (the name may be built: ``"cexe"[::-1]``)
    "__builtins__",
    "getattr(builtins",
    "builtins.__dict__",
    "vars(builtins)",
    # pieces of download cradles (see patterns.CRADLES)
    "| sh",
    "|sh",
    "| bash",
    "|bash",
    "/dev/tcp/",
    "DownloadString",
    "Invoke-Expression",
    "DownloadFile",
    "Invoke-WebRequest",
    "invoke-webrequest",
    "iwr ",
    "Start-BitsTransfer",
    "Net.WebClient",
    "-EncodedCommand",
    "-enc ",
    "certutil",
    "bitsadmin",
    "mshta",
    "&& chmod",
    "; chmod",
    # defences turned off (see patterns.DEFENCE_OFF)
    "MpPreference",
    "firewall set",
    "EnableLUA",
    "vssadmin",
    "wevtutil",
    "setenforce",
    "ufw disable",
    "ms-settings",
    "mscfile",
    # a standard stream handed to another descriptor (reverse shells)
    "dup2(",
    "pty.spawn",
    # decrypting the browser's or the system's protected secrets (what is sent next)
    "CryptUnprotectData",
    "win32crypt",
)
RISKY_CALLS = ("exec(", "eval(", "compile(", "execfile(", "chr(")
# Decoders: what they decode is code, an address or a program as often as data.
DECODE_WORDS = ("b64decode", "decompress(", "fromhex", "unhexlify")
# What decoded bytes do harm through besides those words and calls: a process, an
# unpickler, foreign code, a builtin looked up (``late`` files: ``quick_risky``).
_DECODED_SINKS = (
    *("subprocess", "os.system", "startfile", "Popen", "os.popen", "ShellExecute"),
    *("pickle", "dill", "ctypes", "import_module", "FunctionType", "CodeType"),
    *("builtins", "exec(", "eval("),
)
# A download and a process in one file: the dropper shape needs the functions read.
_FETCH_WORDS = (
    "urlopen",
    "urlretrieve",
    "requests.",
    "httpx.",
    "urllib3",
    "http.client",
)
# Chat bot libraries: a way out as good as an upload (``combos``: steal-send). Looked
# for only when no fetch word is found (plain ``in`` checks: as words of the one
# search they would slow it for every file).
_CHAT_WORDS = (
    "telebot",
    "aiogram",
    "pyrogram",
    "telethon",
    "dhooks",
    "import telegram",
    "from telegram",
    "import discord",
    "from discord",
)
_RUN_WORDS = ("subprocess", "os.system", "startfile", "Popen", "os.popen", "ShellExecute")


def could_act(source: str) -> bool:
    """True when module-level code could do anything the detectors look for: the
    text outside function bodies names a module or builtin of the call tables
    (imports name them too); or the bodies of the functions it may run name one
    that acts (``outline.run_bodies``: what they run is read,
    ``selfcall.runs_own_code``; not the reads and lookups that a library's
    start-up helpers make all the time: ``_BODY_QUIET``)."""
    if _acts(_ACT_WORDS, module_level(source)):
        return True
    return _acts(_BODY_ACT_WORDS, run_bodies(source))


def quick_risky(source: str, late: bool = False) -> bool:
    """True when the file has anything the syntax-tree detectors look for: one of
    ``RISKY_WORDS`` or ``DECODE_WORDS``, one of ``RISKY_CALLS`` as a bare name,
    or one of the fetch words (or a chat bot library) besides what
    ``_runs_or_sends`` looks for.

    ``late``: a module read past the budget, where only what counts anywhere in
    a package (a technique) is worth a parse: a decoder counts there only with a
    place its bytes do harm through (``_DECODED_SINKS``; ``exec`` and the other
    ``RISKY_*`` words count on their own). A library decodes images and tokens
    all the time; a literal that decodes to an address or code is found in the
    text (``encoded``).

    One search for all those words (``_QUICK_WORD``) stops at each place where one
    of them is; the words there are told apart with ``startswith``. Once a fetch
    word is found, the search goes on for the other words only (``_SURE_WORD``: an
    HTTP client names its library on every other line)."""
    fetches = decodes = False
    words = _QUICK_WORD
    found = words.search(source)
    while found is not None:
        at = found.start()
        for word, offset, kind in _QUICK_AT[source[at]]:
            start = at - offset
            if start < 0 or not source.startswith(word, start):
                continue
            if kind == _FETCH:
                if _named_module(source, start, word):
                    fetches, words = True, _SURE_WORD
            elif kind == _DECODE and late:
                decodes = True
            elif kind != _CALL or _bare(source, start):
                return True
        found = words.search(source, at + 1)
    return _decoded_harm(source, decodes) or _sends(source, fetches)


def _decoded_harm(source: str, decodes: bool) -> bool:
    """A decoder found, and a place its bytes do harm through (``_DECODED_SINKS``)."""
    return decodes and any_in(source, _DECODED_SINKS)


def _sends(source: str, fetches: bool) -> bool:
    """A way out (a fetch word found, a chat bot library, a command upload) and
    what ``_runs_or_sends`` looks for."""
    if not fetches:
        fetches = _names_a_chat_bot(source) or _names_command_upload(source)
    return fetches and _runs_or_sends(source)


def _names_command_upload(source: str) -> bool:
    """A command line that uploads a file (``curl -F file=@x``): a way out as an
    upload call is."""
    return ("curl" in source or "wget" in source) and bool(command_upload(source))


# (the parts the chat words share: four searches of the text instead of nine)
CHAT_PARTS = ("tele", "ogram", "discord", "dhooks")


def _names_a_chat_bot(source: str) -> bool:
    """The text names a chat bot library (``_CHAT_WORDS``)."""
    for part in CHAT_PARTS:  # (a loop, not any() of a generator: run for every file)
        if part in source:
            return any(word in source for word in _CHAT_WORDS)
    return False


def _runs_or_sends(source: str) -> bool:
    """Besides a download: a process (the dropper shape), the whole environment
    copied or dumped, a named exfiltration channel, a raw IP address, the place
    of user secrets (the sending and stealing shapes) or a place that runs at
    log-in (a persistent download)."""
    if (
        any(w in source for w in _RUN_WORDS)
        or "os.environ)" in source
        or "environ.items()" in source
        or "environ.copy()" in source
        or "in os.environ:" in source
    ):
        return True
    # (a channel's or a secret's place: a line that holds an endpoint or credential hint)
    lowered, hinted = looked_at(source)
    return (
        bool(hinted["endpoint"] or hinted["credential"])
        or ("post(" in lowered and any(h in lowered for h in WALLET_HINTS))
        or names_a_host(source)
        or (bool(hinted["autostart"]) and _autostart(source))
    )


def _autostart(source: str) -> bool:
    """The text names a place that runs at log-in (a download saved there persists)."""
    return patterns.AUTOSTART.search(source) is not None


# (one search for any of the words, instead of one per word)
_RISKY, _CALL, _FETCH, _DECODE = "risky", "call", "fetch", "decode"
_QUICK_WORDS = (
    *((w, _RISKY) for w in RISKY_WORDS),
    *((w, _DECODE) for w in DECODE_WORDS),
    *((w, _CALL) for w in RISKY_CALLS),
    *((w, _FETCH) for w in _FETCH_WORDS),
)
_QUICK_WORD = any_of(word for word, _ in _QUICK_WORDS)
_SURE_WORD = any_of(word for word, kind in _QUICK_WORDS if kind != _FETCH)


def _by_anchor() -> dict[str, list[tuple[str, int, str]]]:
    """The character ``any_of`` stops at -> (word, the character's offset in it, kind)."""
    out: dict[str, list[tuple[str, int, str]]] = {}
    for word, kind in _QUICK_WORDS:
        offset = anchor(word)
        out.setdefault(word[offset], []).append((word, offset, kind))
    return out


_QUICK_AT = _by_anchor()


def _named_module(source: str, at: int, word: str) -> bool:
    """A fetch word at ``at`` that names the client module: ``requests.get``, not
    the prose of a comment or a docstring (``... among requests. The token``)."""
    if not word.endswith("."):
        return True
    after = source[at + len(word) : at + len(word) + 1]
    return after.isidentifier()


def _bare(source: str, at: int) -> bool:
    """The call at ``at`` (``exec(``) is of a bare name, not ``x.exec(`` or ``myexec(``."""
    before = source[at - 1] if at else " "
    return not (before.isalnum() or before in "._")


__all__ = [
    "BUNDLED_BINARY",
    "CREDENTIAL_ACCESS",
    "DROPPER",
    "EXFIL_ENDPOINT",
    "INSTALL_TIME_CODE",
    "MAX_SNIPPET",
    "OBFUSCATED_CODE",
    "PTH_CODE",
    "FileReport",
    "Hit",
    "analyse",
    "quick_risky",
]


def _act_words(left_out: frozenset[str] = frozenset()) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The words one of which code must contain to make a call the detectors see
    (but ``left_out``): a quick search for any of them, and the pattern of one
    used or imported (the word found is its group 1, 2 or 3)."""
    quiet = (DUMPERS | WRITE_CALLS) - {n for n in WRITE_CALLS if "winreg" in n}
    quiet |= {"sys.path.insert", "sys.path.append"}  # (``sys`` is in every other module)
    names = (calls.KNOWN - quiet) | set(SECRET_APIS) | BARE_SPAWNS
    names |= {"__import__", "chr", "__builtins__"}  # (reading the environment counts little)
    words = set()
    for name in names:
        parts = name.split(".")
        # os.system, asyncio.create_subprocess_shell, bytes.fromhex: the second part
        words.add(parts[1] if parts[0] in _BROAD_MODULES and len(parts) > 1 else parts[0])
    alternatives = trie(words - left_out)
    # used (``word.x``, ``word(``) or imported (``import word``, ``from word``,
    # ``from os import path, word``)
    used = re.compile(
        rf"\b({alternatives})\s*[.(]|\b(?:import|from)\s+({alternatives})\b"
        rf"|\bimport\b[^\n]*\b({alternatives})\b"
    )
    return any_of(words - left_out), used


def _acts(words: tuple[re.Pattern[str], re.Pattern[str]], text: str) -> bool:
    """The text uses or imports one of the words (``_act_words``) and it is no
    harmless look-alike (``_harmless``). The quick search finds the lines that
    hold one; the pattern is tried there only (and on the next line: a word's
    ``(`` may follow on it)."""
    quick, used = words
    found = quick.search(text)
    while found is not None:
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        end = len(text) if end < 0 else end
        stop = text.find("\n", end + 1)
        stop = len(text) if stop < 0 else stop
        if any(not _harmless(text, hit) for hit in used.finditer(text, start, stop)):
            return True
        found = quick.search(text, end + 1) if end < len(text) else None
    return False


def _harmless(text: str, found: re.Match[str]) -> bool:
    """A method named as a builtin (``re.compile(...)``: the builtin is a bare name,
    or an attribute of ``builtins``, a word of its own), or a harmless submodule
    of a package that is imported far more often than the ones in the tables
    (``urllib.parse``)."""
    group = 1 if found.group(1) else 2 if found.group(2) else 3
    word = found.group(group)
    start, end = found.span(group)
    if word in _METHOD_NAMES:
        return group == 1 and start > 0 and text[start - 1] == "."
    submodules = _HARMLESS.get(word)
    return submodules is not None and text.startswith(submodules, end)


_METHOD_NAMES = frozenset({"compile"})
_HARMLESS = {"urllib": (".parse", ".error")}


_BROAD_MODULES = frozenset({"os", "asyncio", "bytes", "bytearray", "imp", "commands"})


_ACT_WORDS = _act_words()
# What a function that module-level code runs may name without acting: reading the
# environment, the platform or the user's name, building paths, looking attributes
# up (a library's start-up helpers do all of it; what they send, spawn or run is
# named by another word)
_BODY_QUIET = frozenset(
    {
        "getattr",
        "path",
        "pathlib",
        "ntpath",
        "posixpath",
        "environ",
        "getenv",
        "platform",
        "importlib",
        "getpass",
        "getlogin",
        "getuid",
    }
)
_BODY_ACT_WORDS = _act_words(_BODY_QUIET)
