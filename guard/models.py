"""Frozen data that flows between the modules: what pip would install, what the
index says about it, what the rules found and what the policy decided.

No I/O here. Names are canonical and versions are parsed before they get here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version


class Action(enum.IntEnum):
    """What a policy does with a finding; ordered so that max() is the strictest."""

    IGNORE = 0
    WARN = 1
    BLOCK = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Action:
        return cls[text.upper()]


class Source(enum.Enum):
    """Where pip would take a candidate from."""

    INDEX = "index"  # a file from a package index: vetted against the JSON API
    URL = "url"  # a direct URL to an archive (PEP 440 ``name @ https://...``)
    VCS = "vcs"  # a version-control checkout
    LOCAL = "local"  # a local directory or file, editable or not


@dataclass(frozen=True)
class Candidate:
    """One distribution that pip would install, exactly as pip chose it."""

    name: NormalizedName
    version: Version
    source: Source
    url: str  # where pip would fetch it (file:// for local ones)
    filename: str  # the artifact's file name ("" for directories and VCS)
    sha256: str | None  # the hash pip knows for the file, if any
    requested: bool = False  # asked for directly, not pulled in as a dependency
    editable: bool = False
    summary: str = ""  # from the artifact's own metadata (attacker-controlled)
    requires_dist: tuple[str, ...] = ()
    vcs_commit: str = ""  # for Source.VCS

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def needs_build(self) -> bool:
        """True when installing it runs the package's own build code."""
        return not self.is_wheel

    def required(self) -> Iterator[tuple[NormalizedName, bool]]:
        """Each project its ``requires_dist`` names, with whether an extra's marker
        gates it; requirements that do not parse are skipped."""
        for text in self.requires_dist:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            marker = requirement.marker
            yield canonicalize_name(requirement.name), marker is not None and "extra" in str(marker)


@dataclass(frozen=True)
class FileInfo:
    """One file of a release, as the JSON API lists it."""

    filename: str
    url: str  # absolute: relative URLs are resolved at the edge
    sha256: str | None
    packagetype: str  # "sdist", "bdist_wheel", ...
    upload_time: datetime | None  # timezone-aware UTC
    size: int | None = None
    yanked: bool = False
    yanked_reason: str = ""
    requires_python: str = ""  # the file's Requires-Python ("" when none is given)


@dataclass(frozen=True)
class Release:
    """One version of a project with its files."""

    version: Version
    files: tuple[FileInfo, ...]

    @property
    def upload_time(self) -> datetime | None:
        """The earliest upload time of the release's files."""
        times = [f.upload_time for f in self.files if f.upload_time is not None]
        return min(times) if times else None

    @property
    def yanked(self) -> bool:
        return bool(self.files) and all(f.yanked for f in self.files)


@dataclass(frozen=True)
class Vulnerability:
    """A known vulnerability (from the JSON API's ``vulnerabilities``, OSV-shaped)."""

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    fixed_in: tuple[str, ...] = ()
    link: str = ""

    @property
    def malicious(self) -> bool:
        """A malicious-package advisory (OSV's ``MAL-`` ids), not a vulnerability."""
        return any(i.upper().startswith("MAL-") for i in (self.id, *self.aliases))


# One release as an advisory database is asked about it: (name, version).
ReleaseKey = tuple[NormalizedName, Version]


@dataclass(frozen=True)
class Advisories:
    """What an advisory database (OSV) says of the releases it was asked about.

    ``found`` has the advisories of every release it answered for (an empty
    tuple: none known); a release it has no answer for is absent. ``unavailable``
    says why some or all answers are missing ("" when every answer came).
    """

    found: Mapping[ReleaseKey, tuple[Vulnerability, ...]] = field(default_factory=dict)
    unavailable: str = ""

    def of(self, name: NormalizedName, version: Version) -> tuple[Vulnerability, ...] | None:
        """The advisories of one release, or None when there is no answer for it."""
        return self.found.get((name, version))


@dataclass(frozen=True)
class Ownership:
    """Who owns a project on PyPI (the JSON API's ``ownership``), where given."""

    organization: str | None = None
    users: tuple[str, ...] = ()  # user names with a role, sorted

    @property
    def known(self) -> bool:
        return self.organization is not None or bool(self.users)

    def shares_owner_with(self, other: Ownership) -> bool:
        """The same organization, or at least one user with a role on both."""
        if self.organization is not None and self.organization == other.organization:
            return True
        return bool(set(self.users) & set(other.users))


@dataclass(frozen=True)
class Project:
    """What the JSON API says of one project: parsed once, at the edge."""

    name: NormalizedName
    display_name: str
    summary: str = ""
    description: str = ""
    author: str = ""
    author_email: str = ""
    maintainer_email: str = ""
    home_page: str = ""
    project_urls: tuple[tuple[str, str], ...] = ()  # (label, url)
    latest_version: Version | None = None
    releases: Mapping[Version, Release] = field(default_factory=dict)
    invalid_versions: tuple[str, ...] = ()  # version strings that do not parse
    vulnerabilities: tuple[Vulnerability, ...] = ()  # for latest_version
    # Vulnerabilities of other versions, fetched from the per-version endpoint
    # when available; a version absent from this map has no data.
    version_vulnerabilities: Mapping[Version, tuple[Vulnerability, ...]] = field(
        default_factory=dict
    )
    ownership: Ownership = field(default_factory=Ownership)
    status: str = ""  # PEP 792 project status, where the index gives one
    last_serial: int | None = None
    requires_dist: tuple[str, ...] = ()  # the latest release's declared requirements

    @property
    def first_upload(self) -> datetime | None:
        times = [r.upload_time for r in self.releases.values() if r.upload_time is not None]
        return min(times) if times else None

    @property
    def last_upload(self) -> datetime | None:
        times = [r.upload_time for r in self.releases.values() if r.upload_time is not None]
        return max(times) if times else None

    def file(self, filename: str) -> FileInfo | None:
        for release in self.releases.values():
            for info in release.files:
                if info.filename == filename:
                    return info
        return None

    def vulnerabilities_for(self, version: Version) -> tuple[Vulnerability, ...] | None:
        """Known vulnerabilities of one version, or None when there is no data."""
        if version in self.version_vulnerabilities:
            return self.version_vulnerabilities[version]
        if self.latest_version is not None and version == self.latest_version:
            return self.vulnerabilities
        return None

    @property
    def repository_urls(self) -> tuple[str, ...]:
        """Every URL the project declares (home page and project URLs)."""
        urls = [self.home_page] if self.home_page else []
        urls.extend(url for _, url in self.project_urls)
        return tuple(urls)


@dataclass(frozen=True)
class Finding:
    """One thing a rule noticed about one candidate.

    ``message`` states the evidence, ``remedy`` what the user can do. Both may
    quote index-supplied text: the report sanitises them, nothing else may print
    them. A ``weak`` finding is capped at WARN whatever the policy says for its
    rule; ``forced`` sets the action outright (used for rule errors, which block).
    A ``note`` finding that the policy would warn on is a line in the verdict's
    notes instead, when nothing else about its package acts (see
    ``guard.policy.decide.judge``).
    """

    rule: str
    message: str
    remedy: str = ""
    weak: bool = False
    forced: Action | None = None
    evidence: tuple[tuple[str, str], ...] = ()
    score: float = 0.0  # contribution to a combined signal, where the rule has one
    note: bool = False  # alone, a note rather than a warning


@dataclass(frozen=True)
class Judged:
    """A finding together with the action the policy gave it."""

    finding: Finding
    action: Action
    allowed_because: str = ""  # the allow-list reason that waived it, if any


@dataclass(frozen=True)
class PackageVerdict:
    candidate: Candidate
    project: Project | None
    judged: tuple[Judged, ...]

    @property
    def action(self) -> Action:
        return max((j.action for j in self.judged), default=Action.IGNORE)


class Decision(enum.Enum):
    ALLOW = "allow"
    WARN = "warn"
    BLOCK = "block"
    ERROR = "error"

    @property
    def exit_code(self) -> int:
        return {Decision.ALLOW: 0, Decision.WARN: 0, Decision.BLOCK: 1, Decision.ERROR: 2}[self]


@dataclass(frozen=True)
class Verdict:
    """The decision on a whole set of candidates."""

    packages: tuple[PackageVerdict, ...]
    notes: tuple[str, ...] = ()  # things the user should know (e.g. an older release was picked)

    @property
    def decision(self) -> Decision:
        worst = max((p.action for p in self.packages), default=Action.IGNORE)
        if worst is Action.BLOCK:
            return Decision.BLOCK
        if worst is Action.WARN:
            return Decision.WARN
        return Decision.ALLOW


@dataclass(frozen=True)
class Publisher:
    """A trusted publisher as the index reports it in a PEP 740 provenance object
    (not verified by safepip: the signatures are not checked)."""

    kind: str  # "GitHub", "GitLab", "Google", "ActiveState", ...
    repository: str = ""  # "owner/repo" (GitHub, GitLab)
    workflow: str = ""  # "release.yml" (GitHub), the CI file (GitLab)
    environment: str = ""  # the deployment environment, "" when none

    def same_source(self, other: Publisher) -> bool:
        """The same kind, repository and workflow (case-insensitive; the
        environment may differ)."""
        return (self.kind.lower(), self.repository.lower(), self.workflow.lower()) == (
            other.kind.lower(),
            other.repository.lower(),
            other.workflow.lower(),
        )

    def describe(self) -> str:
        parts = [self.kind]
        if self.repository:
            parts.append(f"repository {self.repository}")
        if self.workflow:
            parts.append(f"workflow {self.workflow}")
        if self.environment:
            parts.append(f"environment {self.environment}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Provenance:
    """What the index says of who published one file.

    ``unavailable`` says why the index gave no provenance data ("" when it did);
    with data, ``publishers`` is empty when the file has no attestation.
    """

    publishers: tuple[Publisher, ...] = ()
    unavailable: str = ""

    @property
    def available(self) -> bool:
        return not self.unavailable

    @property
    def attested(self) -> bool:
        return bool(self.publishers)


@dataclass(frozen=True)
class Provenances:
    """The provenance of the candidates' files (by file name) and, for projects
    whose candidate was checked against it, of the previous release (by name)."""

    files: Mapping[str, Provenance] = field(default_factory=dict)
    previous: Mapping[NormalizedName, Provenance] = field(default_factory=dict)
