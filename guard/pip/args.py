"""Split a command line into safepip's own options and pip's ``install`` arguments.

safepip's own options are long options pip's ``install`` does not use the same
way (``--policy``, ``--format``, ``--pypi-url``, ``--osv-url``, ``--python``,
``--no-progress``);
they are taken wherever they appear before a ``--`` (by ``argparse``, which
passes every word it does not know through). Everything else is pip's and
passes through unchanged, in order. After ``--`` everything is pip's.

pip's arguments are then classified with pip's own option table (so values of
options such as ``-r FILE`` are never mistaken for requirements): what says
*what* to install (requirements, constraints, editables, format and index
choices) shapes the resolution, and the rest (``--target``, ``--user``,
``--upgrade``...) applies to both the resolution and the final install.
"""

from __future__ import annotations

import argparse
from argparse import SUPPRESS
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, TypeVar

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from guard.errors import UsageError
from guard.pip import options as pipopts

# safepip's own options that take a value, and flags.
OWN_VALUED = ("--policy", "--format", "--pypi-url", "--osv-url", "--python", "--deadline")
OWN_FLAGS = ("--no-progress",)

# pip options that only say what to resolve: used in the resolution, not passed
# again to the final install (which installs pinned, vetted files).
RESOLUTION_ONLY = {
    "--requirement",
    "--constraint",
    "--build-constraint",
    "--requirements-from-script",
    "--editable",
    "--group",
    "--no-deps",
    "--pre",
    "--all-releases",
    "--only-final",
    "--no-binary",
    "--only-binary",
    "--prefer-binary",
    "--require-hashes",
    "--upgrade-strategy",
    "--uploaded-prior-to",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "--find-links",
    "--ignore-requires-python",
}
# Options safepip sets itself and a user may not pass.
REFUSED = {"--dry-run", "--report", "--python"}
# Index-selection options, kept for a final install that must build sdists
# (pip needs the index then, for the build dependencies).
INDEX_OPTIONS = {"--index-url", "--extra-index-url", "--no-index", "--find-links"}


@dataclass(frozen=True)
class Token:
    """One pip option with its value, or one positional argument."""

    option: str  # canonical long name ("--requirement"), or "" for a positional
    value: str | None
    raw: tuple[str, ...]  # the argv words it came from

    @property
    def words(self) -> list[str]:
        return list(self.raw)


@dataclass(frozen=True)
class PipArgs:
    """pip install arguments, parsed."""

    tokens: tuple[Token, ...]

    def resolution_args(self) -> list[str]:
        """Everything the user gave pip, in order: the resolution sees it all."""
        return [w for t in self.tokens for w in t.raw]

    def install_args(self, keep_index: bool) -> list[str]:
        """Options that still apply to the final pinned install."""
        words: list[str] = []
        for t in self.tokens:
            if not t.option:
                continue
            if (t.option in INDEX_OPTIONS and keep_index) or t.option not in RESOLUTION_ONLY:
                words.extend(t.raw)
        return words

    def values(self, option: str) -> list[str]:
        return [t.value for t in self.tokens if t.option == option and t.value is not None]

    @property
    def positionals(self) -> list[str]:
        return [t.value for t in self.tokens if not t.option and t.value is not None]

    def has(self, option: str) -> bool:
        return any(t.option == option for t in self.tokens)

    def no_binary_names(self) -> tuple[set[NormalizedName], bool]:
        """Names the user wants built from source, and whether that is ``:all:``."""
        names: set[NormalizedName] = set()
        everything = False
        for t in self.tokens:
            choose = _BINARY_CHOICES.get(t.option)
            if choose is None or t.value is None:
                continue
            for part in t.value.split(","):
                everything = choose(part.strip(), names, everything)
        return names, everything


def _no_binary(part: str, names: set[NormalizedName], everything: bool) -> bool:
    """Apply one ``--no-binary`` entry to ``names``; return the new ``:all:``."""
    if part == ":all:":
        return True
    if part == ":none:":
        names.clear()
        return False
    if part:
        names.add(canonicalize_name(part))
    return everything


def _only_binary(part: str, names: set[NormalizedName], everything: bool) -> bool:
    """Apply one ``--only-binary`` entry to ``names``; return the new ``:all:``."""
    if part == ":all:":
        names.clear()
        return False
    if part not in {"", ":none:"}:
        names.discard(canonicalize_name(part))
    return everything


_BINARY_CHOICES = {"--no-binary": _no_binary, "--only-binary": _only_binary}


@dataclass(frozen=True)
class CommandLine:
    """safepip's own options and pip's arguments, apart."""

    own: dict[str, str | bool] = field(default_factory=dict)
    pip: PipArgs = field(default_factory=lambda: PipArgs(()))


@dataclass(frozen=True)
class _Option:
    canonical: str
    takes_value: bool


def _table() -> tuple[dict[str, _Option], dict[str, _Option]]:
    longs: dict[str, _Option] = {}
    shorts: dict[str, _Option] = {}
    for rows, valued in ((pipopts.VALUED, True), (pipopts.FLAGS, False)):
        for names in rows:
            option = _Option(names[0], valued)
            for name in names:
                (longs if name.startswith("--") else shorts)[name] = option
    return longs, shorts


_LONG, _SHORT = _table()


def _match_long(key: str) -> _Option:
    """pip's option for ``key``, allowing unique abbreviations as optparse does."""
    if key in _LONG:
        return _LONG[key]
    matches = {opt.canonical: opt for name, opt in _LONG.items() if name.startswith(key)}
    if len(matches) == 1:
        return next(iter(matches.values()))
    if matches:
        raise UsageError(f"ambiguous pip option {key}: {', '.join(sorted(matches))}")
    raise UsageError(f"pip install has no option {key}")


_Parser = TypeVar("_Parser", bound=argparse.ArgumentParser)


class UsageParser(argparse.ArgumentParser):
    """An argparse parser that raises ``UsageError`` (``usage_error`` when given,
    else argparse's message) instead of printing and exiting. It adds no ``-h``
    (the CLI answers help) and takes no abbreviations."""

    def __init__(self, usage_error: str = "") -> None:
        super().__init__(add_help=False, allow_abbrev=False, exit_on_error=False)
        self.usage_error = usage_error

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.usage_error or message)

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        """Parse all of ``argv``; anything it does not know is a usage error."""
        try:
            return self.parse_args(list(argv))
        except argparse.ArgumentError as exc:
            raise UsageError(self.usage_error or str(exc)) from exc

    def parse_known(self, argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
        """Parse the words before ``--``; return the others (those it does not know,
        in order, then every word after the ``--``)."""
        head, tail = before_double_dash(argv)
        try:
            namespace, rest = self.parse_known_args(head)
        except argparse.ArgumentError as exc:
            raise UsageError(self.usage_error or str(exc)) from exc
        return namespace, [*rest, *tail]


def add_own_options(parser: _Parser) -> _Parser:
    """Add safepip's own options; a valued one given without a value reads as None."""
    for name in OWN_VALUED:
        parser.add_argument(name, dest=name[2:], nargs="?", const=None, default=SUPPRESS)
    for name in OWN_FLAGS:
        parser.add_argument(name, dest=name[2:], action="store_true", default=SUPPRESS)
    return parser


def own_options(namespace: argparse.Namespace) -> dict[str, str | bool]:
    """The own options given, by name (without the dashes), from a parsed namespace."""
    own: dict[str, str | bool] = {}
    for key in (name[2:] for name in OWN_VALUED + OWN_FLAGS):
        if key not in vars(namespace):
            continue
        value = vars(namespace)[key]
        if value is None:
            raise UsageError(f"--{key} needs a value")
        own[key] = value
    return own


def before_double_dash(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """The words before the first ``--``, and those after it (the ``--`` dropped)."""
    words = list(argv)
    if "--" not in words:
        return words, []
    at = words.index("--")
    return words[:at], words[at + 1 :]


def split_own(argv: Sequence[str]) -> tuple[dict[str, str | bool], list[str]]:
    """Take safepip's own options out of ``argv``; return them and pip's words."""
    namespace, rest = _OWN_PARSER.parse_known(argv)
    return own_options(namespace), rest


_OWN_PARSER = add_own_options(UsageParser())


def _long_tokens(words: Sequence[str], i: int) -> tuple[list[Token], int]:
    """The token of the long option at ``words[i]``, and the index after it."""
    word = words[i]
    key, eq, value = word.partition("=")
    opt = _match_long(key)
    if not opt.takes_value:
        return [Token(opt.canonical, None, (word,))], i + 1
    if eq:
        return [Token(opt.canonical, value, (word,))], i + 1
    if i + 1 >= len(words):
        raise UsageError(f"pip option {key} needs a value")
    return [Token(opt.canonical, words[i + 1], (word, words[i + 1]))], i + 2


def _short_tokens(words: Sequence[str], i: int) -> tuple[list[Token], int]:
    """The tokens of a cluster of short options (-qq, -rFILE, -r FILE, -Uv), and the
    index after it."""
    word = words[i]
    tokens: list[Token] = []
    for j in range(1, len(word)):
        short = "-" + word[j]
        found = _SHORT.get(short)
        if found is None:
            raise UsageError(f"pip install has no option {short}")
        if not found.takes_value:
            tokens.append(Token(found.canonical, None, (short,)))
            continue
        attached = word[j + 1 :]
        if attached:
            return [*tokens, Token(found.canonical, attached, (short + attached,))], i + 1
        if i + 1 >= len(words):
            raise UsageError(f"pip option {short} needs a value")
        return [*tokens, Token(found.canonical, words[i + 1], (short, words[i + 1]))], i + 2
    return tokens, i + 1


def parse_pip_args(words: Sequence[str]) -> PipArgs:
    """Tokenise pip ``install`` arguments with pip's own option table."""
    tokens: list[Token] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2:
            more, i = _long_tokens(words, i)
        elif word.startswith("-") and len(word) > 1:
            more, i = _short_tokens(words, i)
        else:
            more, i = [Token("", word, (word,))], i + 1
        tokens.extend(more)
    refused = sorted({t.option for t in tokens if t.option in REFUSED})
    if refused:
        raise UsageError(
            f"safepip sets {', '.join(refused)} itself; "
            "give --python to safepip, and use `safepip check` for a dry run"
        )
    return PipArgs(tuple(tokens))


def parse_command_line(argv: Sequence[str]) -> CommandLine:
    own, rest = split_own(argv)
    return CommandLine(own, parse_pip_args(rest))


# --- direct references ----------------------------------------------------

VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")


@dataclass(frozen=True)
class DirectReference:
    """A requirement pip would fetch from a URL rather than an index."""

    text: str  # as the user wrote it (user-controlled, not index-controlled)
    name: NormalizedName | None
    url: str
    where: str  # "command line" or "FILE:LINE"

    @property
    def is_wheel(self) -> bool:
        return self.url.split("#", 1)[0].split("?", 1)[0].endswith(".whl")


def _classify(text: str, where: str) -> DirectReference | None:
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.startswith(VCS_PREFIXES) or "://" in stripped.split(";", 1)[0].split(" @ ")[0]:
        url = stripped.split(";", 1)[0].strip()
        return DirectReference(stripped, None, url, where)
    try:
        req = Requirement(stripped)
    except InvalidRequirement:
        return None
    if req.url and not req.url.startswith("file:"):
        return DirectReference(stripped, canonicalize_name(req.name), req.url, where)
    return None


_NESTED_PREFIXES = ("-r ", "--requirement ", "--requirement=", "-r")
_EDITABLE_PREFIXES = ("-e ", "--editable ", "--editable=")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(number, line) of each line with content: continuations joined, comments dropped."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.replace("\\\n", "").splitlines(), start=1):
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            out.append((number, line))
    return out


def _after_prefix(line: str, prefixes: Sequence[str]) -> str | None:
    """What follows the first of ``prefixes`` that ``line`` starts with, or None."""
    for prefix in prefixes:
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    return None


def requirement_file_lines(path: Path, seen: set[Path]) -> list[tuple[str, str]]:
    """(line, where) for every requirement-like line of a file, following -r."""
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read requirements file {path}: {exc.strerror}") from exc
    out: list[tuple[str, str]] = []
    for number, line in _logical_lines(text):
        nested = (
            None if line.startswith("--requirements") else _after_prefix(line, _NESTED_PREFIXES)
        )
        editable = _after_prefix(line, _EDITABLE_PREFIXES)
        if nested is not None:
            out.extend(requirement_file_lines((path.parent / nested).resolve(), seen))
        elif editable is not None:
            out.append((editable, f"{path}:{number}"))
        elif not line.startswith("-"):
            out.append((line, f"{path}:{number}"))
    return out


def direct_references(args: PipArgs) -> list[DirectReference]:
    """Remote URL and VCS requirements, from the command line and requirement files.

    pip builds such requirements while it resolves, before safepip could look at
    them, so the policy must rule on them first. Local paths are the user's own
    code and are not listed.
    """
    refs: list[DirectReference] = []
    for text in [*args.positionals, *args.values("--editable")]:
        ref = _classify(text, "command line")
        if ref:
            refs.append(ref)
    seen: set[Path] = set()
    for file in args.values("--requirement"):
        if "://" in file:
            raise UsageError(f"requirements file {file} is a URL; download it and review it first")
        for line, where in requirement_file_lines(Path(file), seen):
            ref = _classify(line, where)
            if ref:
                refs.append(ref)
    return refs
