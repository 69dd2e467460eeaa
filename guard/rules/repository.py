"""``repo-impersonation``: a project that declares the repository of a different,
popular project as its own (starjacking), and the URL helpers other rules share.

A repository is named by a key: ``host/owner/repo`` for github.com, gitlab.com
and bitbucket.org, lower-case, without ``.git``, a trailing slash or any deeper
path (``/issues``, ``/tree/main``). Which popular project owns which repository
comes from two places: ``guard/data/popular-repos.json`` (built from PyPI's JSON
API for the most-downloaded projects by ``benchmarks/build_popular_repos.py``;
it carries its own source and date), and the popular projects looked up in this
run (``ctx.projects``), whose fresher data wins for their own entries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from packaging.utils import NormalizedName, canonicalize_name

from guard import data
from guard.models import Action, Candidate, Finding, Ownership, Project
from guard.rules.base import Context, RuleBase
from guard.rules.repo_table import lazy_tables

DATA_FILE = "popular-repos.json"

# Hosts whose URLs name a repository as the first path segments.
_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"}
# github.com paths that are site pages, not owners.
_NOT_OWNERS = frozenset(
    {
        "about", "apps", "collections", "enterprise", "features", "login", "marketplace",
        "orgs", "pricing", "security", "settings", "site", "sponsors", "topics", "trending",
        "users",
    }
)  # fmt: skip
# Project-URL labels that point elsewhere by nature (a sponsor page, the docs of
# a parent project) and so do not claim a repository as the project's own.
_NOT_CLAIMS = re.compile(
    r"fund|donat|sponsor|tidelift|doc|changelog|changes|release.?notes|history|chat|"
    r"discord|gitter|slack|twitter|mastodon|forum|discuss",
    re.IGNORECASE,
)
_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")


def _host_and_path(text: str) -> tuple[str, str] | None:
    """(host, path) of a URL or of a ``git@host:owner/repo`` address."""
    scp = _SCP_LIKE.match(text) if "://" not in text else None
    if scp:
        return scp.group("host"), scp.group("path")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text.removeprefix("git+"))
    except ValueError:
        return None
    return parts.hostname or "", parts.path


def _repo_segments(host: str, path: str) -> list[str] | None:
    """``[owner, repo]`` (with subgroups on gitlab.com) of a repository path, or None."""
    segments = [s for s in path.lower().split("/") if s]
    if host == "gitlab.com" and "-" in segments:  # gitlab.com/group/sub/repo/-/issues
        segments = segments[: segments.index("-")]
    elif host != "gitlab.com":
        segments = segments[:2]
    if len(segments) < 2:
        return None
    segments[-1] = segments[-1].removesuffix(".git")
    if segments[-1] in {"", ".github"}:  # .github: an organisation's community files
        return None
    if host == "github.com" and segments[0] in _NOT_OWNERS:
        return None
    return segments


def repo_key(url: str) -> str | None:
    """``github.com/owner/repo`` for a repository URL on a known host, else None.

    Accepts ``https://``, ``git+https://``, ``git://``, ``ssh://`` and
    ``git@host:owner/repo.git`` forms; drops ``www.``, case, ``.git``, query,
    fragment and any path below the repository.
    """
    text = url.strip()
    found = _host_and_path(text) if text else None
    if found is None:
        return None
    host = found[0].lower().removeprefix("www.")
    segments = _repo_segments(host, found[1]) if host in _HOSTS else None
    return "/".join([host, *segments]) if segments else None


def claimed_urls(project: Project) -> tuple[str, ...]:
    """The URLs a project presents as its own home or repository."""
    urls = [project.home_page] if project.home_page else []
    urls.extend(url for label, url in project.project_urls if not _NOT_CLAIMS.search(label))
    return tuple(urls)


def claimed_repos(project: Project) -> tuple[str, ...]:
    """The repository keys a project claims, in order, without duplicates."""
    keys: dict[str, None] = {}
    for url in claimed_urls(project):
        key = repo_key(url)
        if key is not None:
            keys[key] = None
    return tuple(keys)


@dataclass(frozen=True)
class Owner:
    """A popular project's claim on a repository, with its PyPI owners if known."""

    name: NormalizedName
    ownership: Ownership


def repo_path(key: str) -> str:
    """``owner/repo`` of a key: the repository whatever host mirrors it."""
    return key.split("/", 1)[1] if "/" in key else key


def repo_core(key: str) -> str:
    """The repository's own name, canonical, without a Python affix
    (``github.com/ethereum/web3.py`` -> ``web3``; ``psf/python-requests`` -> ``requests``)."""
    core: str = canonicalize_name(key.rsplit("/", 1)[-1])
    for suffix in ("-py", "-python"):
        core = core.removesuffix(suffix)
    for prefix in ("python-", "py-"):
        core = core.removeprefix(prefix)
    return core


class RepoMap:
    """Which popular projects claim which repository.

    Held as the shipped document's own tables (repository key -> project names,
    project -> owners, repository core name -> keys), read as they are asked
    (the shipped file through guard.rules.repo_table, which parses only the
    entries asked for); any entry of an unexpected shape counts as absent.
    """

    def __init__(
        self,
        repos: Mapping[str, object] | None = None,
        owners: Mapping[str, object] | None = None,
        cores: Mapping[str, object] | None = None,
        source: str = "",
        generated: str = "",
    ) -> None:
        self._repos = repos or {}
        self._owners = owners or {}
        self._cores = cores or {}
        self.source = source
        self.generated = generated

    def _owner(self, name: str) -> Owner:
        entry = self._owners.get(name)
        users, org = (
            (entry[0], entry[1])
            if isinstance(entry, list | tuple) and len(entry) == 2
            else ((), None)
        )
        return Owner(canonicalize_name(name), _ownership({"users": users, "organization": org}))

    def claimants(self, key: str) -> tuple[Owner, ...]:
        names = _listed(self._repos.get(key))
        return tuple(self._owner(n) for n in names if isinstance(n, str))

    def same_path(self, key: str) -> tuple[Owner, ...]:
        """Claimants of the same ``owner/repo`` on another host (a mirror)."""
        host, _, path = key.partition("/")
        return tuple(
            o for other in sorted(_HOSTS - {host}) for o in self.claimants(f"{other}/{path}")
        )

    def same_name(self, key: str) -> tuple[tuple[str, Owner], ...]:
        """(their key, claimant) of popular projects whose repository has this
        repository's name and is named after the project (a renamed or moved
        repository, or a copy under another owner)."""
        core = repo_core(key)
        return tuple(
            (theirs, owner)
            for theirs in _listed(self._cores.get(core))
            if isinstance(theirs, str) and repo_path(theirs) != repo_path(key)
            for owner in self.claimants(theirs)
            if owner.name == core
        )


def _listed(value: object) -> list[object] | tuple[object, ...]:
    """A table's entry as a list; anything else (absent, malformed) as nothing."""
    return value if isinstance(value, list | tuple) else ()


def _ownership(entry: Mapping[str, object]) -> Ownership:
    users = entry.get("users")
    org = entry.get("organization")
    return Ownership(
        organization=org if isinstance(org, str) and org else None,
        users=tuple(sorted(u.lower() for u in users if isinstance(u, str)))
        if isinstance(users, list | tuple)
        else (),
    )


def _repos(entry: Mapping[str, object]) -> list[str]:
    repos = entry.get("repos")
    listed = repos if isinstance(repos, list) else ()
    return [repo.lower() for repo in listed if isinstance(repo, str) and repo]


def tables_of(projects: Mapping[str, object]) -> dict[str, object]:
    """The map's tables from ``{project: {"repos", "users", "organization"}}``
    (what ``benchmarks/build_popular_repos.py`` writes them from)."""
    repos: dict[str, list[str]] = {}
    owners: dict[str, list[object]] = {}
    cores: dict[str, list[str]] = {}
    for raw_name, entry in projects.items():
        if not isinstance(raw_name, str) or not isinstance(entry, dict):
            continue
        name = canonicalize_name(raw_name)
        owners[name] = [entry.get("users") or [], entry.get("organization")]
        for key in _repos(entry):
            repos.setdefault(key, []).append(name)
            if repo_core(key) == name:
                cores.setdefault(name, []).append(key)
    return {"repos": repos, "owners": owners, "cores": cores}


def parse_repo_data(data: object) -> RepoMap:
    """The map from its JSON (the tables, or the older ``projects`` form);
    anything malformed is skipped, not trusted."""
    if not isinstance(data, dict):
        return RepoMap()
    tables = data
    if "repos" not in data and isinstance(data.get("projects"), dict):
        tables = tables_of(data["projects"])
    repos, owners, cores = (tables.get(k) for k in ("repos", "owners", "cores"))
    return RepoMap(
        repos if isinstance(repos, dict) else None,
        owners if isinstance(owners, dict) else None,
        cores if isinstance(cores, dict) else None,
        source=str(data.get("source", "")),
        generated=str(data.get("generated", "")),
    )


@lru_cache(maxsize=1)
def shipped_repos() -> RepoMap:
    """The shipped ``popular-repos.json``; an absent or broken file is an empty map."""
    try:
        text = data.read_text(DATA_FILE)
        lazy = lazy_tables(text)
        if lazy is None:
            return parse_repo_data(json.loads(text))
    except (OSError, UnicodeDecodeError, ValueError):
        return RepoMap()
    meta, tables = lazy
    return RepoMap(
        tables["repos"],
        tables["owners"],
        tables["cores"],
        source=str(meta.get("source", "")),
        generated=str(meta.get("generated", "")),
    )


def _shares_owner(project: Project, claimants: tuple[Owner, ...]) -> bool:
    """True when the project shares a PyPI owner with a claimant (a sibling package)."""
    return project.ownership.known and any(
        project.ownership.shares_owner_with(owner.ownership) for owner in claimants
    )


def _is_sibling(project: Project, claimants: tuple[Owner, ...]) -> bool:
    """The project is a claimant itself, or shares an owner with one."""
    if any(owner.name == project.name for owner in claimants):
        return True
    return _shares_owner(project, claimants)


def _pulled_in_by_claimant(
    candidate: Candidate, claimants: tuple[Owner, ...], ctx: Context
) -> bool:
    """A claimant of the repository, in this run, requires the candidate: the
    repository's own popular project depends on it (a new member of a monorepo
    family), which an impersonator cannot arrange."""
    names = {owner.name for owner in claimants}
    return any(parent in names for parent in ctx.requirers.parents.get(candidate.name, ()))


def _named_like(
    project: Project, matches: tuple[tuple[str, Owner], ...]
) -> tuple[str, Owner] | None:
    """The first popular project whose repository has this name, that the
    project is not and shares no owner with."""
    for theirs, owner in matches:
        if not _is_sibling(project, (owner,)):
            return theirs, owner
    return None


def _named_like_finding(
    rule: str, candidate: Candidate, project: Project, key: str, theirs: str, owner: Owner
) -> Finding:
    """A claim on a repository of the popular project's name under another owner:
    the project's old home (moved or renamed repositories redirect) or a copy.
    A warning: forks are published under new names too."""
    return Finding(
        rule,
        f"{candidate.name} declares the repository {key}, named like the repository of the "
        f"popular project {owner.name} ({theirs}) under another owner; "
        + (
            f"{candidate.name} shares no PyPI owner with it"
            if project.ownership.known
            else f"the index does not say who owns {candidate.name}"
        ),
        remedy=f"make sure you mean {candidate.name}, not {owner.name}; "
        "allow-list it with a reason if it is a legitimate fork",
        weak=True,
        evidence=(("repository", key), ("claimed-by", owner.name), ("their-repository", theirs)),
    )


def _starjacking(
    rule: str, candidate: Candidate, project: Project, key: str, claimants: tuple[Owner, ...]
) -> Finding:
    """The finding on a project that claims the repository ``key`` of ``claimants``."""
    names = ", ".join(sorted(owner.name for owner in claimants))
    monorepo = len(claimants) > 1
    # Weak when a monorepo family may have a new member, or when the index
    # (a mirror) gives no ownership to compare.
    weak = monorepo or not project.ownership.known
    who = (
        f"is shared by the popular projects {names}"
        if monorepo
        else f"belongs to the popular project {names}"
    )
    owners = (
        f"{candidate.name} shares no PyPI owner with " + ("them" if monorepo else "it")
        if project.ownership.known
        else f"the index does not say who owns {candidate.name}"
    )
    return Finding(
        rule,
        f"{candidate.name} declares the repository {key}, which {who}; {owners}",
        remedy=f"make sure you mean {candidate.name}, not {names}; "
        "allow-list it with a reason if the claim is legitimate",
        weak=weak,
        evidence=(("repository", key), ("claimed-by", names)),
    )


def _claimants(key: str, ctx: Context, base: RepoMap) -> tuple[Owner, ...]:
    """The popular claimants of a repository, refreshed from this run's lookups."""
    shipped = {owner.name: owner for owner in base.claimants(key)}
    merged: dict[NormalizedName, Owner] = {}
    for name, owner in shipped.items():
        fresh = ctx.projects.get(name)
        if fresh is None:
            merged[name] = owner
        elif key in claimed_repos(fresh):  # still claims it: take today's owners
            merged[name] = Owner(
                name, fresh.ownership if fresh.ownership.known else owner.ownership
            )
        # a popular project that no longer claims the repository drops out
    return tuple(merged.values())


class RepoImpersonation(RuleBase):
    id = "repo-impersonation"
    summary = "The project claims the repository of a different popular project (starjacking)."
    rationale = (
        "PyPI shows a project's repository, with its stars and forks, on the project page. "
        "A new package that points at github.com/psf/requests borrows that reputation: a "
        "common trick of malicious uploads. Only the real project's owners publish from it."
    )
    explain = """\
Detects starjacking: a project whose home page or repository URL is the repository
of a different popular project. PyPI shows the repository's stars and forks on the
project page, so pointing at a famous repository makes a new package look trusted.

Repositories are compared by key: host/owner/repo on github.com, gitlab.com and
bitbucket.org, lower-case, with .git, trailing slashes and deeper paths removed; the
same owner/repo on another host (a mirror) counts as the same repository. A
repository under another owner that has the name of a popular project's repository
named after that project (github.com/ethereum/web3.py for web3, whose repository is
github.com/apeworx/web3.py: moved repositories redirect) is a weak finding (a warning):
forks are published under new names too.
Which popular project claims which repository comes from guard/data/popular-repos.json
(built from PyPI's JSON API for the most-downloaded projects; the file names its date)
and from the popular projects looked up in this run, whose current data wins.
URLs labelled as funding, documentation, changelog or chat are not claims.

Not impersonation: the candidate is itself one of the popular projects that claim
the repository; or it shares a PyPI owner (a user or the organization, from the
JSON API's ownership) with a claimant, as sibling packages of one team do; or a
claimant in the same run requires it (the repository's own popular project
depends on it: a new member of a monorepo family). When a
repository is shared by several popular projects (a monorepo) and the candidate's
owners cannot be matched, the finding is weak (a warning): new members of a
monorepo family are common, a lone impersonated project is not. It is weak too when
the index gives no ownership for the candidate (some mirrors do not), since the
owners cannot be compared: measured on 500 random projects ranked 2,001-15,000, 44
claim a popular project's repository and all 44 share an owner with it.

Thresholds: none. Allow a project with a reason in the policy's [[allow]] list
(rules = ["repo-impersonation"]) if you know its repository claim is legitimate.
"""
    default_action = Action.BLOCK
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None:
            return
        base = shipped_repos()
        for key in claimed_repos(project):
            claimants = _claimants(key, ctx, base) or base.same_path(key)
            if claimants:
                if not _is_sibling(project, claimants) and not _pulled_in_by_claimant(
                    candidate, claimants, ctx
                ):
                    yield _starjacking(self.id, candidate, project, key, claimants)
                    return  # one repository is evidence enough
                continue
            renamed = _named_like(project, base.same_name(key))
            if renamed is not None:
                yield _named_like_finding(self.id, candidate, project, key, *renamed)
                return
