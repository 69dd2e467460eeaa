"""Unit tests of the metadata rules: repo-impersonation, dormant-revival,
maintainers-changed, the weak signals and their sum, suspicious-author-email,
stdlib-shadow, project-status and install-hook.

Every test builds its Candidate, Project and Context by hand, with a fixed ``now``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from guard.analysis.pth import is_namespace_shim
from guard.models import Candidate, FileInfo, Finding, Ownership, Project, Release, Source
from guard.rules import repository
from guard.rules.artifact import InstallHook
from guard.rules.base import Context, Requirers, Rule, Threshold
from guard.rules.names import StdlibShadow
from guard.rules.owners import DormantRevival, MaintainersChanged
from guard.rules.repository import (
    RepoImpersonation,
    RepoMap,
    parse_repo_data,
    repo_core,
    repo_key,
    shipped_repos,
)
from guard.rules.signals import (
    EmptyDescription,
    FewReleases,
    NoSourceRepo,
    SuspiciousAuthorEmail,
    WeakSignals,
    email_problem,
)
from guard.rules.status import ProjectStatus
from guard.state.history import Seen
from tests.fakepypi.builders import build_wheel, wheel_filename

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DESCRIPTION = "A long enough description of what this project does, with a README."


def n(name: str) -> NormalizedName:
    return canonicalize_name(name)


def project(
    name: str = "demo",
    uploads: Iterable[tuple[str, int]] = (("1.0", 400), ("1.1", 300), ("1.2", 200)),
    *,
    description: str = DESCRIPTION,
    home_page: str = "",
    urls: tuple[tuple[str, str], ...] = (("Source", "https://github.com/demo/demo"),),
    users: tuple[str, ...] = ("alice",),
    organization: str | None = None,
    author_email: str = "",
    status: str = "",
) -> Project:
    """A project whose releases were uploaded ``days`` before NOW."""
    releases = {}
    for version, days_ago in uploads:
        filename = f"{n(name).replace('-', '_')}-{version}-py3-none-any.whl"
        info = FileInfo(
            filename=filename,
            url=f"https://files.example/{filename}",
            sha256="0" * 64,
            packagetype="bdist_wheel",
            upload_time=NOW - timedelta(days=days_ago),
        )
        releases[Version(version)] = Release(Version(version), (info,))
    versions = sorted(releases)
    return Project(
        name=n(name),
        display_name=name,
        description=description,
        home_page=home_page,
        project_urls=urls,
        latest_version=versions[-1] if versions else None,
        releases=releases,
        ownership=Ownership(organization, tuple(sorted(users))),
        author_email=author_email,
        status=status,
    )


def candidate(proj: Project, version: str | None = None) -> Candidate:
    chosen = Version(version) if version else proj.latest_version
    assert chosen is not None
    filename = f"{proj.name.replace('-', '_')}-{chosen}-py3-none-any.whl"
    return Candidate(
        name=proj.name,
        version=chosen,
        source=Source.INDEX,
        url=f"https://files.example/{filename}",
        filename=filename,
        sha256="0" * 64,
    )


def ctx(
    projects: Iterable[Project] = (),
    *,
    thresholds: Mapping[str, Mapping[str, Threshold]] | None = None,
    history: Mapping[NormalizedName, Seen] | None = None,
    artifacts: Mapping[str, Path] | None = None,
) -> Context:
    return Context(
        now=NOW,
        thresholds=thresholds or {},
        projects={p.name: p for p in projects},
        history=history or {},
        artifacts=artifacts or {},
    )


def run(
    rule: Rule, proj: Project, context: Context, cand: Candidate | None = None
) -> list[Finding]:
    return list(rule.check(cand or candidate(proj), proj, context))


# --- every rule -----------------------------------------------------------------

ALL_RULES: tuple[Rule, ...] = (
    RepoImpersonation(),
    DormantRevival(),
    MaintainersChanged(),
    StdlibShadow(),
    ProjectStatus(),
    InstallHook(),
    WeakSignals(),
    FewReleases(),
    EmptyDescription(),
    NoSourceRepo(),
    SuspiciousAuthorEmail(),
)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_shape(rule: Rule) -> None:
    assert rule.id == rule.id.lower() and " " not in rule.id
    assert rule.summary and rule.rationale
    explain = getattr(rule, "explain", "")
    assert isinstance(explain, str) and len(explain) > 200
    for key, value in rule.defaults.items():
        assert key == key.lower() and "_" not in key
        assert isinstance(value, int | float | str | bool | tuple)
    assert rule.modes <= {"install", "audit"}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rules_ignore_unknown_projects(rule: Rule) -> None:
    cand = Candidate(
        n("ghost"), Version("1.0"), Source.INDEX, "https://x/ghost", "ghost.tar.gz", None
    )
    assert list(rule.check(cand, None, ctx())) == []


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_an_ordinary_established_project_is_clean(rule: Rule) -> None:
    proj = project(author_email="Alice <alice@gmail.com>")
    assert run(rule, proj, ctx([proj])) == []


# --- repo-impersonation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/psf/requests", "github.com/psf/requests"),
        ("git+https://github.com/PSF/Requests.git", "github.com/psf/requests"),
        ("git@github.com:psf/requests.git", "github.com/psf/requests"),
        ("https://www.github.com/psf/requests/issues/", "github.com/psf/requests"),
        ("https://gitlab.com/group/sub/repo/-/issues", "gitlab.com/group/sub/repo"),
        ("https://bitbucket.org/owner/repo/src/main", "bitbucket.org/owner/repo"),
        ("https://github.com/sponsors/someone", None),
        ("https://github.com/aio-libs/.github", None),
        ("https://github.com/psf", None),
        ("https://example.com/psf/requests", None),
        ("", None),
    ],
)
def test_repo_key(url: str, key: str | None) -> None:
    assert repo_key(url) == key


REQUESTS = project(
    "requests",
    urls=(("Source", "https://github.com/psf/requests"),),
    users=("nateprewitt", "graffatcolmingov"),
)


def test_starjacking_blocks() -> None:
    fake = project("reqeusts-toolkit", urls=(("Homepage", "https://github.com/psf/requests"),))
    findings = run(RepoImpersonation(), fake, ctx([REQUESTS, fake]))
    assert len(findings) == 1
    assert not findings[0].weak
    assert "github.com/psf/requests" in findings[0].message
    assert "requests" in findings[0].message


def test_starjacking_via_home_page_and_shipped_data() -> None:
    # requests is in the shipped map, so the rule works without looking it up
    assert shipped_repos().claimants("github.com/psf/requests")
    fake = project("some-http-lib", home_page="https://github.com/psf/requests.git", urls=())
    findings = run(RepoImpersonation(), fake, ctx([fake]))
    assert [f.rule for f in findings] == ["repo-impersonation"]


def _repo_map(projects: dict[str, list[str]]) -> RepoMap:
    return parse_repo_data(
        {"projects": {n: {"repos": r, "users": [f"{n}-owner"]} for n, r in projects.items()}}
    )


def test_the_same_repository_on_another_host_is_the_same_claim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        repository, "shipped_repos", lambda: _repo_map({"requests": ["github.com/psf/requests"]})
    )
    fake = project("http-helper", urls=(("Source", "https://gitlab.com/psf/requests"),))
    [finding] = run(RepoImpersonation(), fake, ctx([fake]))
    assert not finding.weak
    assert "gitlab.com/psf/requests" in finding.message and "requests" in finding.message


def test_a_repository_named_like_a_popular_one_under_another_owner_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # web3 moved from github.com/ethereum to github.com/apeworx; the old path redirects
    monkeypatch.setattr(
        repository,
        "shipped_repos",
        lambda: _repo_map(
            {"web3": ["github.com/apeworx/web3.py"], "flask": ["github.com/pallets/flask"]}
        ),
    )
    fake = project("web3-wallet-tools", urls=(("Source", "https://github.com/ethereum/web3.py"),))
    [finding] = run(RepoImpersonation(), fake, ctx([fake]))
    assert finding.weak
    assert "github.com/ethereum/web3.py" in finding.message
    assert "web3 (github.com/apeworx/web3.py)" in finding.message
    # the project itself, and a repository named otherwise, are not flagged
    web3 = project("web3", urls=(("Source", "https://github.com/ethereum/web3.py"),))
    assert run(RepoImpersonation(), web3, ctx([web3])) == []
    other = project("web3-tools", urls=(("Source", "https://github.com/someone/web3-tools"),))
    assert run(RepoImpersonation(), other, ctx([other])) == []


def test_repository_core_names() -> None:
    assert repo_core("github.com/ethereum/web3.py") == "web3"
    assert repo_core("github.com/someone/python-requests") == "requests"
    assert repo_core("gitlab.com/group/sub/Flask_Login") == "flask-login"


def test_the_project_itself_is_not_an_impersonator() -> None:
    assert run(RepoImpersonation(), REQUESTS, ctx([REQUESTS])) == []


def test_a_sibling_with_a_shared_owner_is_not_an_impersonator() -> None:
    sibling = project(
        "requests-extra",
        urls=(("Source", "https://github.com/psf/requests"),),
        users=("nateprewitt", "someone-else"),
    )
    assert run(RepoImpersonation(), sibling, ctx([REQUESTS, sibling])) == []


def test_a_shared_organization_is_enough() -> None:
    target = project(
        "bigproject", urls=(("Source", "https://github.com/org/big"),), organization="org"
    )
    claimant = project(
        "bigproject-plugin",
        urls=(("Source", "https://github.com/org/big"),),
        users=("newcomer",),
        organization="org",
    )
    assert run(RepoImpersonation(), claimant, ctx([target, claimant])) == []


def test_monorepo_claims_are_weak() -> None:
    # azure-sdk-for-python is claimed by dozens of popular projects in the shipped map
    fake = project(
        "azure-lookalike", urls=(("Source", "https://github.com/Azure/azure-sdk-for-python"),)
    )
    findings = run(RepoImpersonation(), fake, ctx([fake]))
    assert len(findings) == 1 and findings[0].weak


def test_a_package_a_claimant_requires_is_a_family_member() -> None:
    repo = (("Source", "https://github.com/psf/requests"),)
    member = project("requests-transport", urls=repo, users=("newcomer",))
    context = ctx([REQUESTS, member])
    assert len(run(RepoImpersonation(), member, context)) == 1  # nothing pulls it in
    pulled = replace(context, requirers=Requirers({member.name: (REQUESTS.name,)}))
    assert run(RepoImpersonation(), member, pulled) == []
    # pulled in by anything else, it is still a claim on someone else's repository
    other = replace(context, requirers=Requirers({member.name: (n("someapp"),)}))
    assert len(run(RepoImpersonation(), member, other)) == 1


def test_unknown_ownership_is_weak() -> None:
    fake = project("x-requests", urls=(("Source", "https://github.com/psf/requests"),), users=())
    findings = run(RepoImpersonation(), fake, ctx([REQUESTS, fake]))
    assert len(findings) == 1 and findings[0].weak
    assert "does not say who owns" in findings[0].message


def test_funding_and_docs_links_are_not_claims() -> None:
    plugin = project(
        "requests-plugin",
        urls=(
            ("Source", "https://github.com/me/requests-plugin"),
            ("Documentation", "https://github.com/psf/requests"),
            ("Funding", "https://github.com/psf/requests"),
        ),
    )
    assert run(RepoImpersonation(), plugin, ctx([REQUESTS, plugin])) == []


def test_a_popular_project_that_moved_its_repository_drops_out() -> None:
    moved = project("requests", urls=(("Source", "https://github.com/psf/requests-new"),))
    fake = project("lookalike", urls=(("Source", "https://github.com/psf/requests"),))
    assert run(RepoImpersonation(), fake, ctx([moved, fake])) == []


# --- dormant-revival -------------------------------------------------------------------


def test_revival_after_a_long_silence_warns() -> None:
    proj = project(uploads=(("1.0", 1200), ("1.1", 900), ("2.0", 10)))
    findings = run(DormantRevival(), proj, ctx([proj]))
    assert len(findings) == 1
    assert "890 days" in findings[0].message
    assert DormantRevival.default_action.label == "warn"


def test_a_regular_cadence_is_not_a_revival() -> None:
    proj = project(uploads=(("1.0", 900), ("1.1", 600), ("1.2", 300), ("1.3", 10)))
    assert run(DormantRevival(), proj, ctx([proj])) == []


def test_an_old_revival_is_no_longer_news() -> None:
    proj = project(uploads=(("1.0", 1200), ("2.0", 200)))
    assert run(DormantRevival(), proj, ctx([proj])) == []


def test_revival_is_judged_on_the_chosen_release_by_upload_time() -> None:
    # 1.0.1 is a fix of an old branch, uploaded while 2.x is active: not a revival
    proj = project(uploads=(("1.0", 1200), ("2.0", 60), ("1.0.1", 5)))
    assert run(DormantRevival(), proj, ctx([proj]), candidate(proj, "1.0.1")) == []
    # the chosen (older) release is judged, not the latest
    assert len(run(DormantRevival(), proj, ctx([proj]), candidate(proj, "2.0"))) == 1


def test_a_first_release_is_not_a_revival() -> None:
    proj = project(uploads=(("1.0", 3),))
    assert run(DormantRevival(), proj, ctx([proj])) == []


def test_revival_thresholds_come_from_the_policy() -> None:
    proj = project(uploads=(("1.0", 500), ("1.1", 10)))
    assert len(run(DormantRevival(), proj, ctx([proj]))) == 1
    relaxed = ctx([proj], thresholds={"dormant-revival": {"silence-days": 600}})
    assert run(DormantRevival(), proj, relaxed) == []


# --- maintainers-changed ---------------------------------------------------------------


def seen(
    owners: tuple[str, ...],
    days_ago: int,
    organization: str | None = None,
    *,
    previous_owners: tuple[str, ...] = (),
    changed_after: datetime | None = None,
    changed_by: datetime | None = None,
) -> Seen:
    return Seen(
        owners,
        organization,
        NOW - timedelta(days=days_ago),
        None,
        previous_owners=previous_owners,
        changed_after=changed_after,
        changed_by=changed_by,
    )


def test_no_history_no_finding() -> None:
    proj = project(users=("mallory",))
    assert run(MaintainersChanged(), proj, ctx([proj])) == []


def test_full_takeover_followed_by_a_release_blocks() -> None:
    proj = project(uploads=(("1.0", 400), ("1.1", 300), ("1.2", 5)), users=("mallory",))
    history = {proj.name: seen(("alice",), 30)}
    findings = run(MaintainersChanged(), proj, ctx([proj], history=history))
    assert len(findings) == 1
    assert not findings[0].weak
    assert "removed alice" in findings[0].message and "added mallory" in findings[0].message


def test_a_change_without_a_later_release_is_silent() -> None:
    proj = project(uploads=(("1.0", 400), ("1.1", 300), ("1.2", 200)), users=("mallory",))
    history = {proj.name: seen(("alice",), 30)}
    assert run(MaintainersChanged(), proj, ctx([proj], history=history)) == []


def test_an_added_maintainer_only_warns() -> None:
    proj = project(uploads=(("1.0", 100), ("1.1", 5)), users=("alice", "bob"))
    history = {proj.name: seen(("alice",), 30)}
    findings = run(MaintainersChanged(), proj, ctx([proj], history=history))
    assert len(findings) == 1 and findings[0].weak
    strict = ctx(
        [proj], history=history, thresholds={"maintainers-changed": {"block-partial": True}}
    )
    assert not run(MaintainersChanged(), proj, strict)[0].weak


def test_a_co_maintainer_added_after_a_long_silence_only_warns() -> None:
    proj = project(uploads=(("1.0", 900), ("1.1", 5)), users=("alice", "bob"))
    history = {proj.name: seen(("alice",), 30)}
    findings = run(MaintainersChanged(), proj, ctx([proj], history=history))
    assert len(findings) == 1 and findings[0].weak
    assert "added bob" in findings[0].message and "without uploads" in findings[0].message


def test_owners_replaced_after_a_long_silence_blocks() -> None:
    proj = project(uploads=(("1.0", 900), ("1.1", 5)), users=("mallory",))
    history = {proj.name: seen(("alice",), 30)}
    findings = run(MaintainersChanged(), proj, ctx([proj], history=history))
    assert len(findings) == 1 and not findings[0].weak
    assert "none of the previous owners remains" in findings[0].message


def test_the_same_organization_is_not_a_full_takeover() -> None:
    proj = project(uploads=(("1.0", 100), ("1.1", 5)), users=("bob",), organization="acme")
    history = {proj.name: seen(("alice",), 30, organization="acme")}
    findings = run(MaintainersChanged(), proj, ctx([proj], history=history))
    assert len(findings) == 1 and findings[0].weak


def test_a_recorded_change_is_still_reported_on_the_next_run() -> None:
    proj = project(uploads=(("1.0", 400), ("1.1", 5)), users=("mallory",))
    history = {
        proj.name: seen(
            ("mallory",),
            0,
            previous_owners=("alice",),
            changed_after=NOW - timedelta(days=30),
            changed_by=NOW - timedelta(days=1),
        )
    }
    findings = run(MaintainersChanged(), proj, ctx([proj], history=history))
    assert len(findings) == 1 and not findings[0].weak


def test_unchanged_owners_are_silent() -> None:
    proj = project(uploads=(("1.0", 400), ("1.1", 5)), users=("alice",))
    history = {proj.name: seen(("alice",), 30)}
    assert run(MaintainersChanged(), proj, ctx([proj], history=history)) == []


# --- weak signals and their sum ---------------------------------------------------------


def bare(days_old: int, releases: int = 1) -> Project:
    uploads = tuple((f"0.{i}", days_old - i) for i in range(releases))
    return project("fresh-thing", uploads=uploads, description="", urls=())


def test_each_weak_signal_warns_alone() -> None:
    proj = bare(400)
    findings = {
        rule.id: run(rule, proj, ctx([proj]))
        for rule in (FewReleases(), EmptyDescription(), NoSourceRepo())
    }
    for rule_id, found in findings.items():
        assert len(found) == 1, rule_id
        assert found[0].weak and found[0].score > 0


def test_the_full_combination_blocks_and_shows_the_sum() -> None:
    proj = bare(2)
    findings = run(WeakSignals(), proj, ctx([proj]))
    assert len(findings) == 1
    finding = findings[0]
    assert not finding.weak and finding.score == 4.0
    assert finding.message == (
        "fresh-thing: score 4.0 >= 3.0: first upload 2.0 days ago (+2.0), 1 release (+1.0), "
        "no description (+0.5), no repository (+0.5)"
    )


def test_an_established_project_cannot_reach_the_block_score() -> None:
    proj = project(
        "old-thing",
        uploads=(("1.0", 900),),
        description="",
        urls=(),
        author_email="someone@mailinator.com",
    )
    assert run(WeakSignals(), proj, ctx([proj])) == []
    assert len(run(FewReleases(), proj, ctx([proj]))) == 1


def test_youth_alone_does_not_block() -> None:
    proj = project("young", uploads=(("1.0", 3), ("1.1", 2), ("1.2", 1)))
    assert run(WeakSignals(), proj, ctx([proj])) == []


def test_a_month_old_bare_project_blocks() -> None:
    proj = bare(20)
    findings = run(WeakSignals(), proj, ctx([proj]))
    assert len(findings) == 1 and findings[0].score == 3.5


def test_weights_and_block_score_come_from_the_policy() -> None:
    proj = bare(2)
    off = ctx(
        [proj],
        thresholds={"weak-signals": {"block-score": 5.0}},
    )
    assert run(WeakSignals(), proj, off) == []
    zero = ctx([proj], thresholds={"few-releases": {"single-score": 0.0}})
    (finding,) = run(WeakSignals(), proj, zero)
    assert "release" not in finding.message and finding.score == 3.0


def test_placeholder_descriptions_count_as_empty() -> None:
    proj = project(description="UNKNOWN")
    assert len(run(EmptyDescription(), proj, ctx([proj]))) == 1


def test_other_forges_count_as_a_repository() -> None:
    proj = project(urls=(("Homepage", "https://codeberg.org/me/thing"),))
    assert run(NoSourceRepo(), proj, ctx([proj])) == []
    labelled = project(urls=(("Source Code", "https://hg.example.org/thing"),))
    assert run(NoSourceRepo(), labelled, ctx([labelled])) == []


# --- suspicious-author-email --------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "flagged"),
    [
        ("someone@mailinator.com", True),
        ("x@sub.guerrillamail.com", True),
        ("user@example.com", True),
        ("a@a.com", True),
        ("dev@yopmail.com", True),
        ("root@localhost", True),
        ("me@host.invalid", True),
        ("admin@", True),
        ("alice@gmail.com", False),
        ("12345+alice@users.noreply.github.com", False),
        ("security@python.org", False),
        ("UNKNOWN", False),
    ],
)
def test_email_problem(address: str, flagged: bool) -> None:
    assert bool(email_problem(address)) is flagged


def test_suspicious_email_is_a_scored_part_ignored_alone() -> None:
    proj = project(author_email="Bad Actor <bad@10minutemail.com>, ok@gmail.com")
    (finding,) = run(SuspiciousAuthorEmail(), proj, ctx([proj]))
    assert "10minutemail.com" in finding.message and "gmail" not in finding.message
    assert finding.score == 0.5
    assert SuspiciousAuthorEmail.default_action.label == "ignore"


def test_no_email_is_not_suspicious() -> None:
    proj = project(author_email="")
    assert run(SuspiciousAuthorEmail(), proj, ctx([proj])) == []


# --- stdlib-shadow ---------------------------------------------------------------------


def test_a_young_stdlib_name_blocks() -> None:
    proj = project("sqlite3", uploads=(("0.1", 40),))
    (finding,) = run(StdlibShadow(), proj, ctx([proj]))
    assert not finding.weak and "sqlite3" in finding.message


def test_dash_and_underscore_forms_match() -> None:
    proj = project("concurrent", uploads=(("0.1", 40),))
    assert len(run(StdlibShadow(), proj, ctx([proj]))) == 1
    assert len(run(StdlibShadow(), project("zip-import"), ctx())) == 1  # zipimport


@pytest.mark.parametrize("name", ["dataclasses", "typing", "asyncio", "argparse", "contextvars"])
def test_known_backports_are_silent(name: str) -> None:
    proj = project(name, uploads=(("1.0", 40),))
    assert run(StdlibShadow(), proj, ctx([proj])) == []
    loud = ctx([proj], thresholds={"stdlib-shadow": {"warn-backports": True}})
    assert run(StdlibShadow(), proj, loud)[0].weak


def test_an_established_stdlib_name_only_warns() -> None:
    proj = project("email", uploads=(("1.0", 4000), ("1.1", 3900), ("1.2", 3800)))
    (finding,) = run(StdlibShadow(), proj, ctx([proj]))
    assert finding.weak


def test_policy_can_add_backports() -> None:
    proj = project("sqlite3", uploads=(("0.1", 40),))
    extra = ctx([proj], thresholds={"stdlib-shadow": {"backports": ("sqlite3",)}})
    assert run(StdlibShadow(), proj, extra) == []


def test_ordinary_names_are_not_stdlib() -> None:
    for name in ("requests", "importlib-metadata", "typing-extensions", "enum34"):
        assert run(StdlibShadow(), project(name), ctx()) == []


# --- project-status ----------------------------------------------------------------------


def test_quarantined_blocks() -> None:
    proj = project(status="quarantined")
    (finding,) = run(ProjectStatus(), proj, ctx([proj]))
    assert not finding.weak and "quarantined" in finding.message


@pytest.mark.parametrize("status", ["archived", "deprecated", "something-new"])
def test_archived_deprecated_and_unknown_warn(status: str) -> None:
    proj = project(status=status)
    (finding,) = run(ProjectStatus(), proj, ctx([proj]))
    assert finding.weak


def test_active_is_silent_and_statuses_are_policy() -> None:
    assert run(ProjectStatus(), project(status="active"), ctx()) == []
    proj = project(status="archived")
    strict = ctx(
        [proj], thresholds={"project-status": {"block-statuses": ("quarantined", "archived")}}
    )
    assert not run(ProjectStatus(), proj, strict)[0].weak
    quiet = ctx([proj], thresholds={"project-status": {"ignore-statuses": ("active", "archived")}})
    assert run(ProjectStatus(), proj, quiet) == []


# --- install-hook -------------------------------------------------------------------------


def wheel(
    tmp_path: Path, name: str, *, pth: str | None = None, files: Mapping[str, str] | None = None
) -> tuple[Candidate, Context, Project]:
    proj = project(name, uploads=(("1.0", 3),))
    data = build_wheel(name, "1.0", pth=pth, files=files)
    filename = wheel_filename(name, "1.0")
    path = tmp_path / filename
    path.write_bytes(data)
    cand = Candidate(
        proj.name, Version("1.0"), Source.INDEX, f"https://x/{filename}", filename, None
    )
    return cand, ctx([proj], artifacts={filename: path}), proj


def test_a_new_project_with_a_code_pth_blocks(tmp_path: Path) -> None:
    cand, context, proj = wheel(tmp_path, "evil-thing", pth="import os; os.getcwd()\n")
    (finding,) = InstallHook().check(cand, proj, context)
    assert not finding.weak
    assert "evil_thing.pth" in finding.message
    assert ("first-line", "import os; os.getcwd()") in finding.evidence


def test_an_established_project_with_a_plain_hook_warns(tmp_path: Path) -> None:
    cand, context, _ = wheel(tmp_path, "old-tool", pth="import old_tool._startup\n")
    old = project("old-tool", uploads=tuple((f"1.{i}", 2000 - i) for i in range(6)))
    (finding,) = InstallHook().check(cand, old, context)
    assert finding.weak


def test_an_established_project_with_exec_in_a_hook_blocks(tmp_path: Path) -> None:
    cand, context, _ = wheel(
        tmp_path, "old-tool", pth="import base64; exec(base64.b64decode('cHJpbnQoMSk='))\n"
    )
    old = project("old-tool", uploads=tuple((f"1.{i}", 2000 - i) for i in range(6)))
    (finding,) = InstallHook().check(cand, old, context)
    assert not finding.weak and "executes" in finding.message


def test_a_path_only_pth_warns(tmp_path: Path) -> None:
    cand, context, proj = wheel(tmp_path, "pathy", pth="# comment\nsrc\nlib\n")
    (finding,) = InstallHook().check(cand, proj, context)
    assert finding.weak and "2 entries" in finding.message


def test_known_hooks_are_silent(tmp_path: Path) -> None:
    pth = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled and __import__('_distutils_hack')\n"
    cand, context, proj = wheel(tmp_path, "setuptools", files={"distutils-precedence.pth": pth})
    assert list(InstallHook().check(cand, proj, context)) == []
    # and a policy can add its own
    cand, context, proj = wheel(tmp_path, "mine", pth="import mine.boot\n")
    mine = Context(
        now=NOW,
        artifacts=context.artifacts,
        thresholds={"install-hook": {"known-hooks": ("mine:*.pth",)}},
    )
    assert list(InstallHook().check(cand, proj, mine)) == []


NSPKG = (
    "import sys, types, os;p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('google',));"
    "importlib = __import__('importlib.util');__import__('importlib.machinery');"
    "m = sys.modules.setdefault('google', importlib.util.module_from_spec("
    "importlib.machinery.PathFinder.find_spec('google', [os.path.dirname(p)])));"
    "m = m or sys.modules.setdefault('google', types.ModuleType('google'));"
    "mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)"
)


def test_setuptools_namespace_shims_are_recognised(tmp_path: Path) -> None:
    assert is_namespace_shim(NSPKG)
    assert not is_namespace_shim(NSPKG + ";__import__('os').system('id')")
    cand, context, proj = wheel(
        tmp_path, "google-thing", files={"google_thing-1.0-py3.12-nspkg.pth": NSPKG + "\n"}
    )
    assert list(InstallHook().check(cand, proj, context)) == []


def test_pth_in_data_directories_and_not_in_packages(tmp_path: Path) -> None:
    files = {
        "sneaky-1.0.data/purelib/a.pth": "import a\n",
        "sneaky-1.0.data/data/lib/python3.11/site-packages/b.pth": "import b\n",
        "sneaky/inner.pth": "import c\n",  # not at the top of site-packages: never read
    }
    cand, context, proj = wheel(tmp_path, "sneaky", files=files)
    found = sorted(dict(f.evidence)["pth"] for f in InstallHook().check(cand, proj, context))
    assert found == [
        "sneaky-1.0.data/data/lib/python3.11/site-packages/b.pth",
        "sneaky-1.0.data/purelib/a.pth",
    ]


def test_a_wheel_without_pth_is_clean(tmp_path: Path) -> None:
    cand, context, proj = wheel(tmp_path, "plain")
    assert list(InstallHook().check(cand, proj, context)) == []


def test_an_unreadable_wheel_blocks(tmp_path: Path) -> None:
    cand, context, proj = wheel(tmp_path, "broken")
    context.artifacts[cand.filename].write_bytes(b"PK\x03\x04 not really a zip")
    (finding,) = InstallHook().check(cand, proj, context)
    assert not finding.weak and "cannot be read" in finding.message


def test_a_missing_artifact_or_an_sdist_is_skipped(tmp_path: Path) -> None:
    cand, _, proj = wheel(tmp_path, "absent", pth="import x\n")
    assert list(InstallHook().check(cand, proj, ctx([proj]))) == []
    sdist = Candidate(
        proj.name, Version("1.0"), Source.INDEX, "https://x/a.tar.gz", "absent-1.0.tar.gz", None
    )
    assert (
        list(
            InstallHook().check(sdist, proj, ctx([proj], artifacts={"absent-1.0.tar.gz": tmp_path}))
        )
        == []
    )


def test_a_zip_built_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "hand-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hand/__init__.py", "")
        archive.writestr("zz_hook.pth", "import\thand\n")
    proj = project("hand", uploads=(("1.0", 3),))
    cand = Candidate(proj.name, Version("1.0"), Source.INDEX, "https://x/h", path.name, None)
    (finding,) = InstallHook().check(cand, proj, ctx([proj], artifacts={path.name: path}))
    assert "zz_hook.pth" in finding.message
