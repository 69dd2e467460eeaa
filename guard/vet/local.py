"""Local projects (``install .``, ``install -e ./app``): their build requirements,
read from their ``pyproject.toml`` (nothing runs), are resolved wheels only and
vetted like any package before pip may build the project, then pinned for its
build (the path an sdist's build requirements take, ``guard.vet.sdists``)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from guard.analysis import build_requirements as buildreqs
from guard.pip.args import PipArgs
from guard.vet.model import Ledger
from guard.vet.project_deps import looks_like_path
from guard.vet.sdists import Checked, vet_build_requirements
from guard.vet.tools import Tools

_EXTRAS = re.compile(r"\[[^\]]*\]$")


def project_dirs(args: PipArgs) -> list[Path]:
    """The local project directories the user asks pip to install (editable or not)."""
    out = []
    positionals = [text for text in args.positionals if looks_like_path(text)]
    for text in [*positionals, *args.values("--editable")]:
        if "://" in text or "@" in text:
            continue
        path = Path(_EXTRAS.sub("", text.strip()))
        if path.is_dir():
            out.append(path)
    return out


def vet_local_builds(tools: Tools, ledger: Ledger, cutoff: datetime | None) -> Checked:
    """Vet and pin the build requirements of the local projects asked for."""
    requires: dict[str, list[str]] = {}
    for folder in [*project_dirs(tools.request.pip_args), *tools.request.local_projects]:
        for text in buildreqs.project_build_requirements(folder):
            requires.setdefault(text, []).append(f"the local project {folder}")
    if not requires:
        return Checked(ledger)
    return vet_build_requirements(tools, ledger, requires, cutoff)
