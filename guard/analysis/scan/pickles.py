"""Pickles shipped in a package, read as the code they are: what loading one calls.

A pickle is a program for a small stack machine, and loading it imports and
calls whatever its ``GLOBAL`` and ``STACK_GLOBAL`` opcodes name: a model file
can run ``os.system`` as it is loaded (``pickle.load``, ``torch.load``,
``joblib.load``). Honest pickles name the classes they rebuild (``numpy``,
``torch._utils``, ``collections.OrderedDict``); a pickle that names a shell, a
process, ``exec`` or the network runs code (``pickle-code``, a technique).

The opcodes are listed with ``pickletools.genops``, which reads and never runs
them; a PyTorch file is a zip whose ``data.pkl`` is read so. Nothing here
executes the pickle. A pickle that cannot be listed to its end is read as far as
it goes (what a loader would run first is at the start).
"""

from __future__ import annotations

import io
import pickletools
import zipfile
from collections.abc import Iterator

from guard.analysis.scan.hits import OBFUSCATED_CODE, Hit

# Files a package keeps pickles in (``.pth`` too: PyTorch weights, not path files).
PICKLE_SUFFIXES = (".pkl", ".pickle", ".pt", ".pth", ".joblib", ".ckpt", ".sav")
MAX_OPCODES = 500_000  # (a model's pickle lists its tensors: tens of thousands)
MAX_INNER = 8  # pickles read inside one zip-format file
_CALLS_OUT = {
    "os": None,  # every name of these modules runs or reaches out
    "posix": None,
    "nt": None,
    "subprocess": None,
    "commands": None,  # (protocols 0-2 name subprocess so, for Python 2)
    "popen2": None,
    "urllib2": None,
    "httplib": None,
    "pty": None,
    "socket": None,
    "runpy": None,
    "webbrowser": None,
    "urllib.request": None,
    "requests": None,
    "httpx": None,
    "shutil": None,
    "ctypes": None,
    "builtins": frozenset({"exec", "eval", "compile", "__import__", "breakpoint", "open"}),
    "__builtin__": frozenset({"exec", "eval", "compile", "__import__", "execfile", "open"}),
    "importlib": frozenset({"import_module"}),
    "code": frozenset({"interact", "InteractiveInterpreter", "InteractiveConsole"}),
    "pickle": frozenset({"loads", "load"}),
    "marshal": frozenset({"loads"}),
    "sys": frozenset({"modules"}),
}
_STRINGS = frozenset(
    {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING"}
    | {"SHORT_BINSTRING"}
)


def is_pickle_name(name: str) -> bool:
    """A member whose name says it may hold a pickle."""
    return name.lower().endswith(PICKLE_SUFFIXES)


def pickle_hit(name: str, data: bytes) -> Hit | None:
    """A ``pickle-code`` hit when the pickle (or a zip-format model's pickles) names
    a callable that runs code or reaches out, else None."""
    for module, attr in _globals(data):
        if _calls_out(module, attr):
            base = name.rsplit("/", 1)[-1]
            what = f"a pickle ({base}) that calls {module}.{attr} as it is loaded"
            return Hit(OBFUSCATED_CODE, "pickle-code", 6.0, 0, "", what)
    return None


def _globals(data: bytes) -> Iterator[tuple[str, str]]:
    if data.startswith(b"PK\x03\x04"):
        yield from _zipped(data)
    elif data[:1] == b"\x80" or data[:1] in (b"c", b"("):
        yield from _named(data)


def _zipped(data: bytes) -> Iterator[tuple[str, str]]:
    """The pickles of a zip-format file (PyTorch's ``archive/data.pkl``)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inner = [i for i in archive.infolist() if i.filename.endswith(".pkl")]
            for info in inner[:MAX_INNER]:
                if info.file_size <= len(data) * 4 + 1_000_000:
                    yield from _named(archive.read(info))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return


def _named(data: bytes) -> Iterator[tuple[str, str]]:
    """(module, name) of each global the pickle imports, in order."""
    recent: list[str] = []
    try:
        for count, (opcode, arg, _) in enumerate(pickletools.genops(data)):
            if count >= MAX_OPCODES:
                return
            if opcode.name == "GLOBAL" and isinstance(arg, str) and " " in arg:
                module, attr = arg.split(" ", 1)
                yield module, attr
            elif opcode.name == "STACK_GLOBAL" and len(recent) >= 2:
                yield recent[-2], recent[-1]
            elif opcode.name in _STRINGS and isinstance(arg, str | bytes):
                text = arg.decode("latin-1") if isinstance(arg, bytes) else arg
                recent = [*recent[-1:], text]
    except Exception:  # noqa: BLE001 - hostile bytes: read as far as they go
        return


def _calls_out(module: str, attr: str) -> bool:
    names = _CALLS_OUT.get(module, frozenset())  # (None: every name of the module)
    return names is None or attr.split(".", 1)[0] in names
