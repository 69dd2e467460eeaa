"""Ask pip what it would install: ``pip --python TARGET install --dry-run --report``,
run by safepip's own pip (guard.pip.worker), wheels only unless told which names
may be built.

``parse_report`` (pure) turns pip's JSON report into ``Candidate`` objects;
``failed_requirements`` (pure) reads which requirements pip found no file for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from guard.errors import BuildFailed, ResolveError, UsageError
from guard.files import read_regular, temporary_directory
from guard.models import Candidate, Source
from guard.pip import diagnose
from guard.pip.args import PipArgs, parse_pip_args, requirement_file_lines
from guard.pip.worker import Captured, capture_pip, pip_command

# Runs pip with the given arguments: exit code, stdout, stderr (PipWorker.capture).
PipRun = Callable[[Sequence[str]], Captured]

_NO_UPLOAD_TIME = "does not provide upload-time metadata"
REPORT_LIMIT = 64 * 1024 * 1024  # bytes of pip's report safepip reads
REPORT_NAME = "report.json"


@dataclass(frozen=True)
class DryRun:
    """What one dry run gave: candidates and the target's marker environment, or
    the requirements pip found nothing for and who pulls them in."""

    candidates: tuple[Candidate, ...]
    missing: tuple[Requirement, ...]
    upload_time_unsupported: bool
    stderr: str
    environment: Mapping[str, str] = field(default_factory=dict)
    parents: Mapping[NormalizedName, tuple[NormalizedName, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.upload_time_unsupported


def dry_run_args(
    user_args: Sequence[str],
    source_ok: Sequence[str],
    cutoff: datetime | None,
    build_constraint: Path | None = None,
    ignore_installed: bool = False,
    report: Path | None = None,
) -> list[str]:
    """The arguments of one wheels-only dry run, its report written to ``report``.

    ``--only-binary :all:`` comes after the user's own format options so it wins;
    ``--no-binary`` then lets exactly the names already vetted for a source build
    be built. The report goes to a file, so pip's output (``-v`` included) is
    free to say what it likes.
    """
    args = ["install", "--dry-run", "--report", str(report or REPORT_NAME)]
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


def _run(
    pip: PipRun | None, target_python: str, args: Sequence[str], env: Mapping[str, str] | None
) -> Captured:
    if pip is None:
        return capture_pip(pip_command(target_python) + list(args), env)
    return pip(args)


def _read_report(path: Path) -> object:
    try:
        return json.loads(read_regular(path, REPORT_LIMIT))
    except (OSError, ValueError) as exc:
        raise ResolveError(f"pip's --report file could not be read: {exc}") from exc


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
    with temporary_directory("safepip-report-") as folder:
        report = folder / REPORT_NAME
        args = dry_run_args(
            user_args, source_ok, cutoff, build_constraint, ignore_installed, report
        )
        code, stdout, stderr = _run(pip, target_python, args, env)
        if code == 0:
            doc = _read_report(report)
            return DryRun(tuple(parse_report(doc)), (), False, stderr, environment_of(doc))
    return _failed(stdout, stderr, user_args, env)


def _failed(
    stdout: str, stderr: str, user_args: Sequence[str], env: Mapping[str, str] | None
) -> DryRun:
    """A failed dry run: what pip found nothing for, or the error that says why."""
    output = f"{stdout}\n{stderr}"
    unsupported = _NO_UPLOAD_TIME in output
    failure = diagnose.read_failure(output)
    if not unsupported:
        try:
            args = parse_pip_args(user_args)
        except UsageError:
            args = PipArgs(())
        dead = diagnose.unreachable(output, args, os.environ if env is None else env)
        if dead is not None:
            raise ResolveError(dead)
    if not failure.missing and not unsupported:
        built = diagnose.build_failure(output)
        if built is not None:
            raise BuildFailed(built.name, built.step, built.said)
        raise ResolveError(
            "pip could not resolve the requirements:\n" + diagnose.pip_error(stderr or stdout)
        )
    return DryRun((), failure.missing, unsupported, stderr, parents=failure.parents)


def failed_requirements(stderr: str) -> list[Requirement]:
    """Requirements pip found no file for."""
    return list(diagnose.read_failure(stderr).missing)


def environment_of(report: object) -> dict[str, str]:
    """The marker environment of the target, as pip's report (or ``pip inspect``)
    gives it."""
    env = report.get("environment") if isinstance(report, dict) else None
    if not isinstance(env, dict):
        return {}
    return {str(k): str(v) for k, v in env.items() if isinstance(v, str)}


def target_environment(target_python: str, pip: PipRun | None = None) -> dict[str, str]:
    """The target's marker environment, from ``pip inspect`` ({} if it fails)."""
    code, stdout, _ = _run(pip, target_python, ["inspect", "--local"], None)
    if code != 0:
        return {}
    try:
        return environment_of(json.loads(stdout))
    except ValueError:
        return {}


def user_requirements(args: PipArgs) -> list[Asked]:
    """The requirements the user gave (command line and requirement files) and
    the constraints of constraint files, each with where it comes from."""
    out = [Asked(req, "your requirement") for req in _parsed(args.positionals)]
    for option, kind in (("--requirement", "your requirement"), ("--constraint", "constraint")):
        seen: set[Path] = set()
        for file in args.values(option):
            if "://" in file:
                continue
            for line, where in requirement_file_lines(Path(file), seen):
                out.extend(Asked(req, f"{kind} in {where}") for req in _parsed([line]))
    return out


def _parsed(lines: Sequence[str]) -> list[Requirement]:
    out = []
    for line in lines:
        try:
            out.append(Requirement(line))
        except InvalidRequirement:
            continue
    return out


@dataclass(frozen=True)
class Asked:
    """One requirement or constraint the user gave, and where."""

    requirement: Requirement
    origin: str  # "your requirement", "constraint in FILE:LINE", ...


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
