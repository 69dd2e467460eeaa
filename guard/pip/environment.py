"""List what an environment holds, for ``safepip audit``, without running its code.

``pip --python PY inspect`` starts the target interpreter with its ``site``
module, and ``site`` executes every ``import`` line of every ``.pth`` file in
site-packages: auditing a tampered environment that way runs the very payload
the audit looks for (the tests prove it). So this module does it in two steps
that never run the environment's own code:

1. ``locate``: the target interpreter runs ``-I -S`` (isolated, no ``site``: no
   ``.pth`` file, no ``sitecustomize``) and prints its ``sysconfig`` paths,
   with the venv base worked out from ``pyvenv.cfg`` as ``site`` would.
2. ``run_inspect``: safepip's own pip runs ``pip inspect --path SITE_PACKAGES``
   in safepip's own interpreter, reading the metadata of the environment's
   own site-packages (what ``--local`` would list; not the base interpreter's
   packages even when the venv can see them).

``parse_inspect`` (pure) turns pip's inspection report into ``Installed``
objects; ``Installed.to_candidate`` gives what the index rules judge: the
installed name and version.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from guard.errors import AuditError, ProcessError
from guard.models import Candidate, Source
from guard.pip import process
from guard.pip.worker import pip_env

LOCATE_TIMEOUT = 60  # seconds for the target interpreter to print its paths
INSPECT_TIMEOUT = 300  # seconds for pip inspect

# Run by the target interpreter with -I -S. Kept to Python 3.6 syntax so that an
# old target still answers. It mirrors site.venv(): a pyvenv.cfg next to the
# executable or one directory up makes that directory the base of the paths.
_LOCATE_SCRIPT = """
import json, os, sys, sysconfig
exe_dir = os.path.dirname(os.path.abspath(sys.executable))
root = None
for cand in (exe_dir, os.path.dirname(exe_dir)):
    if os.path.isfile(os.path.join(cand, "pyvenv.cfg")):
        root = cand
        break
if root is None:
    prefix = sys.prefix
    paths = sysconfig.get_paths()
else:
    prefix = root
    names = sysconfig.get_scheme_names()
    scheme = "venv" if "venv" in names else ("nt" if os.name == "nt" else "posix_prefix")
    paths = sysconfig.get_paths(scheme, vars={"base": root, "platbase": root})
print(json.dumps({
    "prefix": prefix,
    "venv": root is not None,
    "purelib": paths["purelib"],
    "platlib": paths["platlib"],
    "scripts": paths["scripts"],
    "python_version": "%d.%d" % sys.version_info[:2],
}))
"""


class DirectKind(enum.Enum):
    """The three kinds of PEP 610 ``direct_url.json``."""

    VCS = "vcs"
    ARCHIVE = "archive"
    DIR = "dir"


@dataclass(frozen=True)
class DirectUrl:
    """PEP 610 ``direct_url.json``: the distribution was installed from a URL, not an index."""

    url: str
    kind: DirectKind
    editable: bool = False
    vcs: str = ""  # "git", "hg", ...
    commit_id: str = ""
    requested_revision: str = ""
    archive_hash: str = ""  # "sha256=<hex>" where recorded
    subdirectory: str = ""

    @property
    def source(self) -> Source:
        if self.kind is DirectKind.VCS:
            return Source.VCS
        if self.kind is DirectKind.DIR or self.url.startswith("file:"):
            return Source.LOCAL
        return Source.URL

    def describe(self) -> str:
        """A short phrase: 'an editable install of file:///src/x'."""
        if self.kind is DirectKind.VCS:
            at = f"@{self.commit_id}" if self.commit_id else ""
            return f"a {self.vcs or 'VCS'} checkout of {self.url}{at}"
        if self.kind is DirectKind.DIR:
            what = "an editable install" if self.editable else "an install"
            return f"{what} of the local directory {self.url}"
        if self.url.startswith("file:"):
            return f"an install of the local file {self.url}"
        return f"an install of the archive {self.url}"


@dataclass(frozen=True)
class Installed:
    """One distribution installed in the audited environment."""

    name: NormalizedName
    display_name: str
    version: Version
    location: Path  # the site-packages directory it is installed in
    dist_info: Path  # its .dist-info (or .egg-info) directory
    installer: str = ""  # the INSTALLER file: "pip", "uv", ...
    requested: bool = False  # a REQUESTED file: installed on purpose, not as a dependency
    direct_url: DirectUrl | None = None
    summary: str = ""  # from its own metadata (attacker-controlled)
    requires_dist: tuple[str, ...] = ()

    @property
    def has_record(self) -> bool:
        return (self.dist_info / "RECORD").is_file()

    def to_candidate(self) -> Candidate:
        """The installed version as a candidate for the index rules.

        ``filename`` is empty and ``sha256`` None: what is judged is the
        installed name and version, not an artifact.
        """
        direct = self.direct_url
        source = direct.source if direct is not None else Source.INDEX
        return Candidate(
            name=self.name,
            version=self.version,
            source=source,
            url=direct.url if direct is not None else "",
            filename="",
            sha256=None,
            requested=self.requested,
            editable=direct.editable if direct is not None else False,
            summary=self.summary,
            requires_dist=self.requires_dist,
            vcs_commit=direct.commit_id if direct is not None else "",
        )


@dataclass(frozen=True)
class Paths:
    """Where the target interpreter keeps its packages and scripts."""

    prefix: Path
    venv: bool
    site_packages: tuple[Path, ...]  # purelib and platlib, existing ones, deduplicated
    scripts: Path
    python_version: str


@dataclass(frozen=True)
class Environment:
    """An audited environment: its paths and what pip says is installed in it."""

    python: str
    paths: Paths
    installed: tuple[Installed, ...]

    @property
    def site_packages(self) -> tuple[Path, ...]:
        return self.paths.site_packages


def _run(cmd: list[str], timeout: int, env: Mapping[str, str] | None, what: str) -> str:
    try:
        return process.output(cmd, env=_clean_env(env), timeout=timeout, what=what)
    except ProcessError as exc:
        raise AuditError(str(exc)) from exc


def _clean_env(env: Mapping[str, str] | None) -> dict[str, str]:
    clean = pip_env(env)
    # PIP_PYTHON would make pip re-run itself under the target interpreter,
    # with site and its .pth files: exactly what this module avoids.
    clean.pop("PIP_PYTHON", None)
    return clean


def locate(python: str, env: Mapping[str, str] | None = None) -> Paths:
    """Ask the target interpreter, without ``site``, where its packages live."""
    out = _run(
        [python, "-I", "-S", "-c", _LOCATE_SCRIPT],
        LOCATE_TIMEOUT,
        env,
        f"{python} to find its site-packages",
    )
    try:
        data = json.loads(out)
        prefix = Path(str(data["prefix"]))
        dirs = [Path(str(data["purelib"])), Path(str(data["platlib"]))]
        scripts = Path(str(data["scripts"]))
        version = str(data["python_version"])
        is_venv = bool(data["venv"])
    except (ValueError, KeyError, TypeError) as exc:
        raise AuditError(f"{python} did not say where its site-packages are") from exc
    site: list[Path] = []
    seen: set[Path] = set()
    for directory in dirs:
        if not directory.is_dir():
            continue
        real = directory.resolve()
        if real not in seen:
            seen.add(real)
            site.append(directory)
    return Paths(prefix, is_venv, tuple(site), scripts, version)


def inspect_command(site_packages: Sequence[Path]) -> list[str]:
    """safepip's own pip, in safepip's own interpreter, reading only these paths."""
    cmd = [sys.executable, "-m", "pip", "inspect"]
    for directory in site_packages:
        cmd += ["--path", str(directory)]
    return cmd


def run_inspect(site_packages: Sequence[Path], env: Mapping[str, str] | None = None) -> object:
    """pip's inspection report (JSON, format version 1) of these directories."""
    if not site_packages:
        return {"version": "1", "installed": []}
    out = _run(inspect_command(site_packages), INSPECT_TIMEOUT, env, "pip inspect")
    try:
        report: object = json.loads(out)
    except ValueError as exc:
        raise AuditError("pip inspect's output is not JSON") from exc
    return report


def inspect_environment(python: str, env: Mapping[str, str] | None = None) -> Environment:
    """Everything installed in the environment of ``python``; runs none of it."""
    paths = locate(python, env)
    installed = parse_inspect(run_inspect(paths.site_packages, env))
    return Environment(python, paths, tuple(installed))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _archive_hash(archive: Mapping[str, object]) -> str:
    """An archive's recorded hash: "sha256=<hex>" from ``hashes``, else the legacy ``hash``."""
    hashes = archive.get("hashes")
    sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
    if isinstance(sha256, str):
        return "sha256=" + sha256.lower()
    legacy = archive.get("hash")
    return legacy if isinstance(legacy, str) else ""


def parse_direct_url(data: object) -> DirectUrl:
    """A PEP 610 ``direct_url.json`` document (already decoded)."""
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise AuditError("a direct_url.json has no 'url'")
    url = data["url"]
    subdirectory = _text(data.get("subdirectory"))
    vcs, archive, directory = data.get("vcs_info"), data.get("archive_info"), data.get("dir_info")
    if isinstance(vcs, dict):
        return DirectUrl(
            url,
            DirectKind.VCS,
            vcs=_text(vcs.get("vcs")),
            commit_id=_text(vcs.get("commit_id")),
            requested_revision=_text(vcs.get("requested_revision")),
            subdirectory=subdirectory,
        )
    if isinstance(directory, dict):
        return DirectUrl(
            url, DirectKind.DIR, editable=bool(directory.get("editable")), subdirectory=subdirectory
        )
    if isinstance(archive, dict):
        return DirectUrl(
            url, DirectKind.ARCHIVE, archive_hash=_archive_hash(archive), subdirectory=subdirectory
        )
    raise AuditError(f"the direct_url.json for {url!r} is neither vcs, archive nor dir")


def _installed(item: object) -> Installed:
    """One entry of the report's ``installed`` list."""
    if not isinstance(item, dict):
        raise AuditError("pip inspect's report has a malformed entry")
    meta = item.get("metadata")
    where = item.get("metadata_location")
    if not isinstance(meta, dict) or not isinstance(where, str) or not where:
        raise AuditError("a pip inspect entry lacks metadata or metadata_location")
    display = _text(meta.get("name"))
    if not display:
        raise AuditError(f"the distribution at {where} has no name")
    try:
        version = Version(_text(meta.get("version")))
    except InvalidVersion as exc:
        raise AuditError(
            f"{display} at {where} has an invalid version {meta.get('version')!r}"
        ) from exc
    direct = item.get("direct_url")
    requires = meta.get("requires_dist")
    dist_info = Path(where)
    return Installed(
        name=canonicalize_name(display),
        display_name=display,
        version=version,
        location=dist_info.parent,
        dist_info=dist_info,
        installer=_text(item.get("installer")),
        requested=bool(item.get("requested")),
        direct_url=parse_direct_url(direct) if direct is not None else None,
        summary=_text(meta.get("summary")),
        requires_dist=tuple(str(r) for r in requires) if isinstance(requires, list) else (),
    )


def parse_inspect(report: object) -> list[Installed]:
    """Turn pip's inspection report (format version 1) into ``Installed`` objects.

    Order is pip's. A name may appear twice when two copies are installed side
    by side; both are kept, since both are on disk.
    """
    if not isinstance(report, dict) or not isinstance(report.get("installed"), list):
        raise AuditError("pip inspect's report has no 'installed' list")
    if str(report.get("version")) != "1":
        raise AuditError(f"unsupported pip inspect report version {report.get('version')!r}")
    return [_installed(item) for item in report["installed"]]


def venv_python(root: Path) -> Path:
    """The interpreter of the venv at ``root`` (for ``safepip audit PATH_TO_VENV``)."""
    for candidate in (root / "bin" / "python", root / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    raise AuditError(f"{root} is not a virtual environment (no bin/python)")
