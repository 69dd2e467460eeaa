"""The PyPI JSON API's answers, parsed: untrusted JSON into typed ``guard.models``.

Pure: no I/O. ``project_from_body`` and ``vulnerabilities_from_body`` take the
bytes the client received, so raw JSON never leaves this module;
``parse_project`` takes an already decoded ``/pypi/NAME/json`` document.
Anything of the wrong type is skipped or read as empty, except what a project
cannot do without (an ``info`` object and a name), which is an ``IndexError_``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urljoin

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard.errors import IndexError_
from guard.models import FileInfo, Ownership, Project, Release, Vulnerability

SUMMARY_FROM_DETAILS = 200  # characters of a vulnerability's details used when it has no summary


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _strings(value: object) -> tuple[str, ...]:
    """The strings of a JSON list (other items skipped); () when it is not a list."""
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _file(raw: object, doc_url: str) -> FileInfo | None:
    if not isinstance(raw, dict):
        return None
    filename = _str(raw.get("filename"))
    if not filename:
        return None
    digests = raw.get("digests")
    sha = _str(digests.get("sha256")).lower() if isinstance(digests, dict) else ""
    return FileInfo(
        filename=filename,
        url=urljoin(doc_url, _str(raw.get("url"))) if raw.get("url") else "",
        sha256=sha or None,
        packagetype=_str(raw.get("packagetype")),
        upload_time=_time(raw.get("upload_time_iso_8601")) or _time(raw.get("upload_time")),
        size=_int(raw.get("size")),
        yanked=raw.get("yanked") is True,
        yanked_reason=_str(raw.get("yanked_reason")),
        requires_python=_str(raw.get("requires_python")),
    )


def _files(raw: object, doc_url: str) -> tuple[FileInfo, ...]:
    files = [_file(f, doc_url) for f in raw] if isinstance(raw, list) else []
    return tuple(f for f in files if f is not None)


def _vulnerability(item: object) -> Vulnerability | None:
    """One advisory; None when it has no id or was withdrawn."""
    if not isinstance(item, dict) or not _str(item.get("id")) or item.get("withdrawn"):
        return None
    return Vulnerability(
        id=_str(item.get("id")),
        aliases=_strings(item.get("aliases")),
        summary=_str(item.get("summary")) or _str(item.get("details"))[:SUMMARY_FROM_DETAILS],
        fixed_in=_strings(item.get("fixed_in")),
        link=_str(item.get("link")),
    )


def _vulnerabilities(raw: object) -> tuple[Vulnerability, ...]:
    if not isinstance(raw, list):
        return ()
    found = (_vulnerability(item) for item in raw)
    return tuple(v for v in found if v is not None)


def _ownership(raw: object) -> Ownership:
    if not isinstance(raw, dict):
        return Ownership()
    org = raw.get("organization")
    roles = raw.get("roles")
    users: set[str] = set()
    if isinstance(roles, list):
        for role in roles:
            if isinstance(role, dict) and _str(role.get("user")):
                users.add(_str(role.get("user")).lower())
    return Ownership(
        organization=org if isinstance(org, str) and org else None, users=tuple(sorted(users))
    )


def _releases(raw: object, doc_url: str) -> tuple[dict[Version, Release], tuple[str, ...]]:
    """The ``releases`` object: releases by version, and the versions that do not parse."""
    releases: dict[Version, Release] = {}
    invalid: list[str] = []
    if not isinstance(raw, dict):
        return releases, ()
    for raw_version, raw_files in raw.items():
        try:
            version = Version(str(raw_version))
        except InvalidVersion:
            invalid.append(str(raw_version))
            continue
        releases[version] = Release(version, _files(raw_files, doc_url))
    return releases, tuple(invalid)


def _latest(info: dict[str, object]) -> Version | None:
    try:
        return Version(_str(info.get("version")))
    except InvalidVersion:
        return None


def _project_urls(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        return ()
    return tuple((str(k), v) for k, v in raw.items() if isinstance(v, str))


def _status(raw: object) -> str:
    """PEP 792 project status: an object with a ``status``, or (older form) a string."""
    if isinstance(raw, dict):
        return _str(raw.get("status"))
    return _str(raw)


def _document(data: object, doc_url: str) -> tuple[dict[str, object], dict[str, object], str]:
    """The document, its ``info`` object and the project's display name."""
    if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
        raise IndexError_(f"{doc_url}: not a PyPI JSON API document (no 'info' object)")
    info: dict[str, object] = data["info"]
    display = _str(info.get("name"))
    if not display:
        raise IndexError_(f"{doc_url}: the JSON API document has no project name")
    return data, info, display


def parse_project(data: object, doc_url: str) -> Project:
    """Parse one ``/pypi/NAME/json`` document; ``doc_url`` resolves relative file URLs."""
    document, info, display = _document(data, doc_url)
    releases, invalid = _releases(document.get("releases"), doc_url)
    latest = _latest(info)
    if latest is not None and latest not in releases:
        # Some mirrors omit "releases"; the latest files are in "urls".
        releases[latest] = Release(latest, _files(document.get("urls"), doc_url))
    return Project(
        name=canonicalize_name(display),
        display_name=display,
        summary=_str(info.get("summary")),
        description=_str(info.get("description")),
        author=_str(info.get("author")),
        author_email=_str(info.get("author_email")),
        maintainer_email=_str(info.get("maintainer_email")),
        home_page=_str(info.get("home_page")),
        project_urls=_project_urls(info.get("project_urls")),
        latest_version=latest,
        releases=releases,
        invalid_versions=invalid,
        vulnerabilities=_vulnerabilities(document.get("vulnerabilities")),
        ownership=_ownership(document.get("ownership")),
        status=_status(document.get("project-status") or info.get("project_status")),
        last_serial=_int(document.get("last_serial")),
        requires_dist=_strings(info.get("requires_dist")),
    )


def project_from_body(body: bytes, url: str) -> Project:
    """The project in a ``/pypi/NAME/json`` answer fetched from ``url``."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise IndexError_(f"{url}: the answer is not JSON") from exc
    return parse_project(data, url)


def vulnerabilities_from_body(body: bytes) -> tuple[Vulnerability, ...] | None:
    """The vulnerabilities in a ``/pypi/NAME/VERSION/json`` answer; None when it
    is not such a document."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return _vulnerabilities(data.get("vulnerabilities"))
