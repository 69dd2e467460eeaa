"""Ask pip what it would install: ``pip --python TARGET install --dry-run --report``,
run by safepip's own pip, wheels only unless told which names may be built.

``parse_report`` (pure) turns pip's JSON report into ``Candidate`` objects;
``failed_requirements`` (pure) reads which requirements pip found no file for.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from guard.errors import ResolveError
from guard.models import Candidate, Source

PIP_TIMEOUT = 1800  # seconds; a resolution that takes longer is an error

_NOT_FOUND = re.compile(r"No matching distribution found for (.+?)\s*$", re.MULTILINE)
_NO_UPLOAD_TIME = "does not provide upload-time metadata"


@cache
def _pip_runner() -> str | None:
    spec = importlib.util.find_spec("pip")
    if spec is None or spec.origin is None:
        return None
    runner = Path(spec.origin).parent / "__pip-runner__.py"
    return str(runner) if runner.is_file() else None


def pip_sources_root() -> str | None:
    """The folder that holds safepip's own ``pip`` package."""
    runner = _pip_runner()
    return str(Path(runner).parent.parent) if runner else None


def pip_command(target_python: str) -> list[str]:
    """safepip's own pip, run by the target interpreter.

    This is what ``pip --python TARGET`` does (it re-runs pip's own
    ``__pip-runner__.py`` under TARGET); doing it directly saves starting one
    interpreter and importing pip once more for every pip run.
    """
    runner = _pip_runner()
    if runner is None:
        return [sys.executable, "-m", "pip", "--python", target_python]
    return [target_python, runner]


def pip_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.setdefault("PIP_NO_INPUT", "1")
    return env


@dataclass(frozen=True)
class DryRun:
    """What one dry run gave: candidates, or the requirements pip found nothing for."""

    candidates: tuple[Candidate, ...]
    missing: tuple[Requirement, ...]
    upload_time_unsupported: bool
    stderr: str

    @property
    def ok(self) -> bool:
        return not self.missing and not self.upload_time_unsupported


def dry_run_args(
    user_args: Sequence[str],
    source_ok: Sequence[str],
    cutoff: datetime | None,
    build_constraint: Path | None = None,
    ignore_installed: bool = False,
) -> list[str]:
    """The arguments of one wheels-only dry run.

    ``--only-binary :all:`` comes after the user's own format options so it wins;
    ``--no-binary`` then lets exactly the names already vetted for a source build
    be built.
    """
    args = ["install", "--dry-run", "--quiet", "--report", "-"]
    args += list(user_args)
    args += ["--only-binary", ":all:"]
    if source_ok:
        args += ["--no-binary", ",".join(sorted(source_ok))]
    if cutoff is not None and "--uploaded-prior-to" not in user_args:
        args += ["--uploaded-prior-to", cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")]
    if build_constraint is not None:
        args += ["--build-constraint", str(build_constraint)]
    if ignore_installed:  # e.g. a build environment, which starts empty
        args.append("--ignore-installed")
    return args


def run_dry_run(
    target_python: str,
    user_args: Sequence[str],
    source_ok: Sequence[str],
    cutoff: datetime | None,
    env: Mapping[str, str] | None = None,
    build_constraint: Path | None = None,
    ignore_installed: bool = False,
) -> DryRun:
    cmd = pip_command(target_python) + dry_run_args(
        user_args, source_ok, cutoff, build_constraint, ignore_installed
    )
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=pip_env(env),
            timeout=PIP_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ResolveError(f"could not run pip: {exc}") from exc
    if proc.returncode == 0:
        try:
            report = json.loads(proc.stdout)
        except ValueError as exc:
            raise ResolveError("pip's --report output is not JSON") from exc
        return DryRun(tuple(parse_report(report)), (), False, proc.stderr)
    missing = failed_requirements(proc.stderr)
    unsupported = _NO_UPLOAD_TIME in proc.stderr
    if not missing and not unsupported:
        raise ResolveError("pip could not resolve the requirements:\n" + _tail(proc.stderr))
    return DryRun((), tuple(missing), unsupported, proc.stderr)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def failed_requirements(stderr: str) -> list[Requirement]:
    """Requirements pip reported 'No matching distribution found for'."""
    out: list[Requirement] = []
    for match in _NOT_FOUND.finditer(stderr):
        try:
            out.append(Requirement(match.group(1).strip()))
        except InvalidRequirement:
            continue
    return out


def _source_of(download_info: Mapping[str, object]) -> tuple[Source, bool, str]:
    url = str(download_info.get("url", ""))
    if isinstance(download_info.get("vcs_info"), dict):
        vcs = download_info["vcs_info"]
        commit = str(vcs.get("commit_id", "")) if isinstance(vcs, dict) else ""
        return Source.VCS, False, commit
    if isinstance(download_info.get("dir_info"), dict):
        info = download_info["dir_info"]
        editable = bool(info.get("editable")) if isinstance(info, dict) else False
        return Source.LOCAL, editable, ""
    if url.startswith("file:"):
        return Source.LOCAL, False, ""
    return Source.URL, False, ""


def parse_report(report: object) -> list[Candidate]:
    """Turn pip's installation report (format version 1) into candidates."""
    if not isinstance(report, dict) or not isinstance(report.get("install"), list):
        raise ResolveError("pip's report has no 'install' list")
    if str(report.get("version")) != "1":
        raise ResolveError(f"unsupported pip report version {report.get('version')!r}")
    out: list[Candidate] = []
    for item in report["install"]:
        if not isinstance(item, dict):
            raise ResolveError("pip's report has a malformed entry")
        meta = item.get("metadata")
        info = item.get("download_info")
        if not isinstance(meta, dict) or not isinstance(info, dict):
            raise ResolveError("pip's report entry lacks metadata or download_info")
        try:
            name = canonicalize_name(str(meta["name"]))
            version = Version(str(meta["version"]))
        except (KeyError, InvalidVersion) as exc:
            raise ResolveError(f"pip's report has a bad name or version: {exc}") from exc
        url = str(info.get("url", ""))
        archive = info.get("archive_info")
        sha256: str | None = None
        if isinstance(archive, dict):
            hashes = archive.get("hashes")
            if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
                sha256 = hashes["sha256"].lower()
            elif isinstance(archive.get("hash"), str) and archive["hash"].startswith("sha256="):
                sha256 = archive["hash"].split("=", 1)[1].lower()
        if item.get("is_direct"):
            source, editable, commit = _source_of(info)
        else:
            source, editable, commit = Source.INDEX, False, ""
        path = urlparse(url).path
        filename = unquote(path.rsplit("/", 1)[-1]) if source in {Source.INDEX, Source.URL} else ""
        if source is Source.LOCAL and not info.get("dir_info"):
            filename = unquote(path.rsplit("/", 1)[-1])
        requires = meta.get("requires_dist")
        out.append(
            Candidate(
                name=name,
                version=version,
                source=source,
                url=url,
                filename=filename,
                sha256=sha256,
                requested=bool(item.get("requested")),
                editable=editable,
                summary=str(meta.get("summary") or ""),
                requires_dist=tuple(str(r) for r in requires) if isinstance(requires, list) else (),
                vcs_commit=commit,
            )
        )
    return out


def local_path(candidate: Candidate) -> Path:
    return Path(unquote(urlparse(candidate.url).path))


def names(candidates: Sequence[Candidate]) -> set[NormalizedName]:
    return {c.name for c in candidates}
