"""Tree files that run as Python whatever their names say, and zips of code.

Install- or import-time code can run a file of the tree that has no Python
suffix (``subprocess.Popen([sys.executable, "pkg/version"])``,
``exec(open("VERSION").read())``, ``runpy.run_path("tool")``), or import from a
zip archive of the tree (``zipimport.zipimporter("my.zip")``, a ``.zip`` put on
``sys.path``). The archive reader keeps only the sources of a tree (and the
first bytes of files without a suffix), so such a file is found here by the
words the code names it with (see ``python.Context.scripts`` and ``zips``), then
read again from the archive. A script is code only if it parses: Python cannot
run a file that does not; a zip's modules (``zip_modules``) are analysed as the
code that imports them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from guard.analysis.scan import archive as archives

MAX_MATCHES = 3  # files one bare file name may name (``version`` in two packages)


def named_files(
    words: Iterable[str],
    importer: str,
    by_rel: Mapping[str, str],
    by_name: Callable[[], Mapping[str, list[str]]],
) -> list[str]:
    """The members (archive names) the words name: by path from the project's root
    or the importing file's directory, else by file name (a path built at run time
    leaves only its last part known: ``here.replace("__init__.py", "version")``;
    ``by_name``: the project paths by file name, made once per archive)."""
    here = importer.rsplit("/", 1)[0] + "/" if "/" in importer else ""
    found: list[str] = []
    for word in words:
        path = word.replace("\\", "/").strip("\"'")
        while path.startswith("./"):
            path = path[2:]
        direct = [p for p in (path, here + path) if p in by_rel]
        if not direct:
            direct = by_name().get(path.rsplit("/", 1)[-1], [])[:MAX_MATCHES]
        found.extend(by_rel[p] for p in direct if not p.lower().endswith((".py", ".pyw")))
    return list(dict.fromkeys(found))


def by_file_name(rels: Iterable[str]) -> dict[str, list[str]]:
    """Project paths by their file name (``pkg/version`` under ``version``), sorted."""
    out: dict[str, list[str]] = {}
    for rel in sorted(rels):
        out.setdefault(rel.rsplit("/", 1)[-1], []).append(rel)
    return out


def read_again(path: Path, filename: str, names: Iterable[str]) -> archives.Archive:
    """Those members of the archive, read whole (as sources are: under the same
    caps; one over the member cap is listed in ``oversized``)."""
    wanted = set(names)
    return archives.read_archive(path, filename, lambda name, _: "read" if name in wanted else "")


def parses(text: str) -> bool:
    """Python could run it: it parses, or the parser gave up on it (too deep: the
    analysis then says it could not read it in full)."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    except (RecursionError, MemoryError):
        return True
    return True


MAX_ZIP_MODULES = 2000  # (modules of one zip an import reads)


def zip_modules(data: bytes) -> list[tuple[str, bytes]]:
    """The Python modules (``.py``) of a zip archive held in memory, under the
    archive reader's caps; raises ``archive.UnsafeArchive`` for a bomb or a link,
    and gives nothing for bytes that are no zip (Python imports nothing from
    them either)."""
    try:
        inner = archives.read_zip_bytes(data, lambda name, _: "read" if _module(name) else "")
    except archives.UnreadableArchive:
        return []
    return sorted(inner.contents.items())[:MAX_ZIP_MODULES]


def _module(name: str) -> bool:
    return name.lower().endswith((".py", ".pyw"))
