"""Ask pip what it would install: ``pip --python TARGET install --dry-run --report``,
run by safepip's own pip (guard.pip.worker), wheels only unless told which names
may be built.

``parse_report`` (pure) turns pip's JSON report into ``Candidate`` objects;
``failed_requirements`` (pure) reads which requirements pip found no file for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard.errors import ResolveError
from guard.models import Candidate, Source
from guard.pip.worker import Captured, capture_pip, pip_command

# Runs pip with the given arguments: exit code, stdout, stderr (PipWorker.capture).
PipRun = Callable[[Sequence[str]], Captured]

_NOT_FOUND = re.compile(r"No matching distribution found for (.+?)\s*$", re.MULTILINE)
_NO_UPLOAD_TIME = "does not provide upload-time metadata"


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
    pip: PipRun | None = None,
) -> DryRun:
    """One dry run: by ``pip`` (a running PipWorker's ``capture``) if given, else
    in a process of its own."""
    args = dry_run_args(user_args, source_ok, cutoff, build_constraint, ignore_installed)
    if pip is None:
        code, stdout, stderr = capture_pip(pip_command(target_python) + args, env)
    else:
        code, stdout, stderr = pip(args)
    if code == 0:
        try:
            report = json.loads(stdout)
        except ValueError as exc:
            raise ResolveError("pip's --report output is not JSON") from exc
        return DryRun(tuple(parse_report(report)), (), False, stderr)
    missing = failed_requirements(stderr)
    unsupported = _NO_UPLOAD_TIME in stderr
    if not missing and not unsupported:
        raise ResolveError("pip could not resolve the requirements:\n" + _tail(stderr))
    return DryRun((), tuple(missing), unsupported, stderr)


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


def _archive_sha256(info: Mapping[str, object]) -> str | None:
    """The sha256 pip recorded for a downloaded archive, if any."""
    archive = info.get("archive_info")
    if not isinstance(archive, dict):
        return None
    hashes = archive.get("hashes")
    sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
    if isinstance(sha256, str):
        return sha256.lower()
    legacy = archive.get("hash")
    if isinstance(legacy, str) and legacy.startswith("sha256="):
        return legacy.split("=", 1)[1].lower()
    return None


def _filename(url: str, source: Source, info: Mapping[str, object]) -> str:
    """The file name of an index or URL file, or of a local archive (not a directory)."""
    if source in {Source.INDEX, Source.URL} or (
        source is Source.LOCAL and not info.get("dir_info")
    ):
        return unquote(urlparse(url).path.rsplit("/", 1)[-1])
    return ""


def _candidate(item: object) -> Candidate:
    """One entry of the report's ``install`` list."""
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
    if item.get("is_direct"):
        source, editable, commit = _source_of(info)
    else:
        source, editable, commit = Source.INDEX, False, ""
    requires = meta.get("requires_dist")
    return Candidate(
        name=name,
        version=version,
        source=source,
        url=url,
        filename=_filename(url, source, info),
        sha256=_archive_sha256(info),
        requested=bool(item.get("requested")),
        editable=editable,
        summary=str(meta.get("summary") or ""),
        requires_dist=tuple(str(r) for r in requires) if isinstance(requires, list) else (),
        vcs_commit=commit,
    )


def parse_report(report: object) -> list[Candidate]:
    """Turn pip's installation report (format version 1) into candidates."""
    if not isinstance(report, dict) or not isinstance(report.get("install"), list):
        raise ResolveError("pip's report has no 'install' list")
    if str(report.get("version")) != "1":
        raise ResolveError(f"unsupported pip report version {report.get('version')!r}")
    return [_candidate(item) for item in report["install"]]


def local_path(candidate: Candidate) -> Path:
    return Path(unquote(urlparse(candidate.url).path))
