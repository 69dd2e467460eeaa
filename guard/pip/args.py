"""Split a command line into safepip's own options and pip's ``install`` arguments.

safepip's own options are long options pip's ``install`` does not use the same
way (``--policy``, ``--format``, ``--pypi-url``, ``--python``, ``--no-progress``);
they are taken wherever they appear before a ``--``. Everything else is pip's
and passes through unchanged, in order. After ``--`` everything is pip's.

pip's arguments are then classified with pip's own option table (so values of
options such as ``-r FILE`` are never mistaken for requirements): what says
*what* to install (requirements, constraints, editables, format and index
choices) shapes the resolution, and the rest (``--target``, ``--user``,
``--upgrade``...) applies to both the resolution and the final install.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from guard.errors import UsageError
from guard.pip import options as pipopts

# safepip's own options that take a value, and flags.
OWN_VALUED = ("--policy", "--format", "--pypi-url", "--python")
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
            if t.option not in {"--no-binary", "--only-binary"} or t.value is None:
                continue
            for part in t.value.split(","):
                part = part.strip()
                if t.option == "--only-binary":
                    if part == ":all:":
                        names.clear()
                        everything = False
                    elif part not in {"", ":none:"}:
                        names.discard(canonicalize_name(part))
                elif part == ":all:":
                    everything = True
                elif part == ":none:":
                    names.clear()
                    everything = False
                elif part:
                    names.add(canonicalize_name(part))
        return names, everything


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


def split_own(argv: Sequence[str]) -> tuple[dict[str, str | bool], list[str]]:
    """Take safepip's own options out of ``argv``; return them and pip's words."""
    own: dict[str, str | bool] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            rest.extend(argv[i + 1 :])
            break
        key, eq, value = word.partition("=")
        if key in OWN_VALUED:
            if not eq:
                if i + 1 >= len(argv):
                    raise UsageError(f"{key} needs a value")
                value = argv[i + 1]
                i += 1
            own[key[2:]] = value
        elif word in OWN_FLAGS:
            own[word[2:]] = True
        else:
            rest.append(word)
        i += 1
    return own, rest


def parse_pip_args(words: Sequence[str]) -> PipArgs:
    """Tokenise pip ``install`` arguments with pip's own option table."""
    tokens: list[Token] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2:
            key, eq, value = word.partition("=")
            opt = _match_long(key)
            if opt.takes_value:
                if not eq:
                    if i + 1 >= len(words):
                        raise UsageError(f"pip option {key} needs a value")
                    i += 1
                    value = words[i]
                    raw: tuple[str, ...] = (word, value)
                else:
                    raw = (word,)
                tokens.append(Token(opt.canonical, value, raw))
            else:
                tokens.append(Token(opt.canonical, None, (word,)))
        elif word.startswith("-") and len(word) > 1:
            # A cluster of short options: -qq, -rFILE, -r FILE, -Uv.
            j = 1
            while j < len(word):
                short = "-" + word[j]
                found = _SHORT.get(short)
                if found is None:
                    raise UsageError(f"pip install has no option {short}")
                if found.takes_value:
                    if j + 1 < len(word):
                        tokens.append(
                            Token(found.canonical, word[j + 1 :], (short + word[j + 1 :],))
                        )
                    else:
                        if i + 1 >= len(words):
                            raise UsageError(f"pip option {short} needs a value")
                        i += 1
                        tokens.append(Token(found.canonical, words[i], (short, words[i])))
                    break
                tokens.append(Token(found.canonical, None, (short,)))
                j += 1
        else:
            tokens.append(Token("", word, (word,)))
        i += 1
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


def _requirement_file_lines(path: Path, seen: set[Path]) -> list[tuple[str, str]]:
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
    joined = text.replace("\\\n", "")
    for number, line in enumerate(joined.splitlines(), start=1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        for prefix in ("-r ", "--requirement ", "--requirement=", "-r"):
            if line.startswith(prefix) and not line.startswith("--requirements"):
                nested = (path.parent / line[len(prefix) :].strip()).resolve()
                out.extend(_requirement_file_lines(nested, seen))
                break
        else:
            for prefix in ("-e ", "--editable ", "--editable="):
                if line.startswith(prefix):
                    out.append((line[len(prefix) :].strip(), where))
                    break
            else:
                if not line.startswith("-"):
                    out.append((line, where))
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
        for line, where in _requirement_file_lines(Path(file), seen):
            ref = _classify(line, where)
            if ref:
                refs.append(ref)
    return refs
