"""Weak signals and their sum: ``few-releases``, ``empty-description``,
``no-source-repo``, ``suspicious-author-email`` and ``weak-signals``.

Each signal alone is common among honest projects (on real PyPI they warned on
legitimate packages such as old SDKs), so each rule is ignored by the default policy:
it counts only as a part of ``weak-signals``, and the text report shows the parts
with ``--verbose`` (the JSON report always lists them, with action "ignore"). A
policy may set them to "warn" (policies/strict.toml does); a warning is the most
any of them gives alone. Together they describe most malicious uploads (a days-old project with one
release, no description and no repository), so ``weak-signals`` adds up their
scores and reports the sum, with its parts, when it reaches ``block-score``.

The scores are chosen so that an established project cannot reach the default
``block-score`` of 3.0 whatever it lacks: without youth the parts add up to at
most 1.0 + 0.5 + 0.5 + 0.5 = 2.5. Youth is worth 2.0 under a week and 1.5 under
30 days, so a days-old project blocks with one release, or with two releases and
another gap; a month-old one needs one release and one more gap.

Every rule computes its signal from the project itself (``signal_*``), so the
sum never depends on which other rules ran or how the policy judged them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.utils import getaddresses
from functools import lru_cache
from urllib.parse import urlsplit

from guard import data
from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import MAX_COUNT, MAX_DAYS, MAX_SCORE, Context, Param, RuleBase, days
from guard.rules.repository import repo_key

DOMAINS_FILE = "disposable-email-domains.txt"


@dataclass(frozen=True)
class Signal:
    """One weak signal with its contribution to the sum."""

    rule: str
    text: str  # "1 release", "no description": short, for the sum's message
    score: float
    detail: str = ""  # the longer message of the rule's own finding


# --- youth ------------------------------------------------------------------------

WEAK_SIGNALS = "weak-signals"


def signal_youth(project: Project, ctx: Context) -> Signal | None:
    first = project.first_upload
    if first is None:
        return None
    age = ctx.now - first
    very_young = timedelta(days=ctx.number(WeakSignals, "very-young-days"))
    young = timedelta(days=ctx.number(WeakSignals, "young-days"))
    if age < very_young:
        score = ctx.number(WeakSignals, "very-young-score")
    elif age < young:
        score = ctx.number(WeakSignals, "young-score")
    else:
        return None
    return Signal("new-project", f"first upload {days(age)} ago", score)


# --- few-releases -----------------------------------------------------------------


class FewReleases(RuleBase):
    id = "few-releases"
    summary = "The project has at most max-releases releases."
    rationale = (
        "Most malicious projects are uploaded once and removed; most honest ones release "
        "again. Weak alone (many small tools are done after one release)."
    )
    explain = """\
Detects a project with very few releases on PyPI (default: at most 2). A single
release scores single-score (1.0) towards weak-signals, two score few-score (0.5).

Malicious uploads rarely see a second release before PyPI removes them, while
honest projects usually do; but plenty of honest small tools never need one, so
this is a weak signal: a part of the weak-signals sum, ignored alone by default
(shown with --verbose), a warning at most.

Thresholds: max-releases, single-score, few-score. Set max-releases to 0 to turn
the signal off, or the rule's action to ignore to silence the warning only.
"""
    default_action = Action.IGNORE
    params = (
        Param("max-releases", 2, "int", "higher", maximum=MAX_COUNT),
        Param("single-score", 1.0, "float", "higher", maximum=MAX_SCORE),
        Param("few-score", 0.5, "float", "higher", maximum=MAX_SCORE),
    )
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        yield from _weak(signal_few_releases(project, ctx) if project else None)


def signal_few_releases(project: Project, ctx: Context) -> Signal | None:
    rule = FewReleases.id
    count = len(project.releases)
    if count == 0 or count > ctx.number(FewReleases, "max-releases"):
        return None
    score = ctx.number(FewReleases, "single-score" if count == 1 else "few-score")
    text = "1 release" if count == 1 else f"{count} releases"
    return Signal(rule, text, score, f"{project.name} has only {text} on PyPI")


# --- empty-description --------------------------------------------------------------

_PLACEHOLDER_TEXT = {"", "unknown", "none", "todo", "tbd", "n/a", "-", "."}


class EmptyDescription(RuleBase):
    id = "empty-description"
    summary = "The project has no description (or one shorter than min-length characters)."
    rationale = (
        "Throwaway and malicious uploads rarely bother with a README; honest projects "
        "usually have one. Weak alone."
    )
    explain = """\
Detects a project whose long description (the README shown on PyPI) is missing,
a placeholder such as UNKNOWN, or shorter than min-length characters (default 20).
It scores `score` (0.5) towards weak-signals.

Malicious uploads are made in bulk and seldom carry a real description; some honest
projects (internal tools, old packages, C-extension wrappers) do not either, so alone
it is ignored by default (shown with --verbose) and a warning at most.

Thresholds: min-length, score.
"""
    default_action = Action.IGNORE
    params = (
        Param("min-length", 20, "int", "higher", maximum=MAX_COUNT),
        Param("score", 0.5, "float", "higher", maximum=MAX_SCORE),
    )
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        yield from _weak(signal_empty_description(project, ctx) if project else None)


def signal_empty_description(project: Project, ctx: Context) -> Signal | None:
    rule = EmptyDescription.id
    text = project.description.strip()
    if text.lower() in _PLACEHOLDER_TEXT:
        text = ""
    if len(text) >= ctx.number(EmptyDescription, "min-length"):
        return None
    detail = (
        f"{project.name} has no description on PyPI"
        if not text
        else f"{project.name}'s description is only {len(text)} characters long"
    )
    return Signal(rule, "no description", ctx.number(EmptyDescription, "score"), detail)


# --- no-source-repo -----------------------------------------------------------------

# Code hosts besides the three that repo_key understands.
_FORGES = re.compile(
    r"(^|\.)(codeberg\.org|sr\.ht|heptapod\.net|launchpad\.net|salsa\.debian\.org|gitee\.com|"
    r"framagit\.org|sourceforge\.net|pagure\.io|opendev\.org|sourcehut\.org|gitea\.com|"
    r"notabug\.org|git\.[a-z0-9.-]+|gitlab\.[a-z0-9.-]+|hg\.[a-z0-9.-]+|svn\.[a-z0-9.-]+)$"
)
_SOURCE_LABELS = re.compile(r"source|repo|code|github|gitlab|git$|vcs|svn|mercurial|hg$", re.I)


def has_source_repo(project: Project) -> bool:
    """True when the project names a source repository anywhere in its URLs."""
    for url in project.repository_urls:
        if repo_key(url) is not None:
            return True
        try:
            host = (urlsplit(url.strip()).hostname or "").lower()
        except ValueError:
            continue
        if host and _FORGES.search(host):
            return True
    return any(_SOURCE_LABELS.search(label) and url.strip() for label, url in project.project_urls)


class NoSourceRepo(RuleBase):
    id = "no-source-repo"
    summary = "The project names no source repository."
    rationale = (
        "A public repository lets anyone compare the code with the upload. Malicious uploads "
        "seldom name one (or borrow someone else's: see repo-impersonation). Weak alone."
    )
    explain = """\
Detects a project that names no source repository: no URL on a known code host
(GitHub, GitLab, Bitbucket, Codeberg, SourceHut, Launchpad, a git.* or gitlab.* host...)
and no project URL labelled as source, repository or code. It scores `score` (0.5)
towards weak-signals.

Many honest projects, especially older ones and company SDKs, publish no repository,
so alone it is ignored by default (shown with --verbose) and a warning at most. A
named repository is no proof either: the repo-impersonation rule checks that it is
not someone else's.

Thresholds: score.
"""
    default_action = Action.IGNORE
    params = (Param("score", 0.5, "float", "higher", maximum=MAX_SCORE),)
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        yield from _weak(signal_no_source_repo(project, ctx) if project else None)


def signal_no_source_repo(project: Project, ctx: Context) -> Signal | None:
    if has_source_repo(project):
        return None
    return Signal(
        NoSourceRepo.id,
        "no repository",
        ctx.number(NoSourceRepo, "score"),
        f"{project.name} names no source repository",
    )


# --- suspicious-author-email --------------------------------------------------------

# RFC 2606 and RFC 6761 reserve these top-level domains: nobody receives mail there.
_RESERVED_TLDS = frozenset({"example", "invalid", "localhost", "test", "local"})


@lru_cache(maxsize=1)
def listed_domains() -> frozenset[str]:
    """The shipped disposable and placeholder domains (see the file's header)."""
    try:
        text = data.read_text(DOMAINS_FILE)
    except (OSError, UnicodeDecodeError):
        return frozenset()
    domains = set()
    for line in text.splitlines():
        domain = line.split("#", 1)[0].strip().lower()
        if domain:
            domains.add(domain)
    return frozenset(domains)


def email_problem(address: str) -> str:
    """Why an address is a throwaway or a placeholder, or "" when it looks real."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return ""  # not an address at all (a name, "UNKNOWN"): nothing to judge
    domain = domain.strip().strip(".").lower()
    if not local or not domain:
        return "has no local part or no domain"
    labels = domain.split(".")
    if len(labels) < 2:
        return f"has no real domain ({domain})"
    if labels[-1] in _RESERVED_TLDS:
        return f"uses the reserved domain {domain}"
    listed = listed_domains()
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        if candidate in listed:
            return f"uses the disposable or placeholder domain {candidate}"
    return ""


class SuspiciousAuthorEmail(RuleBase):
    id = "suspicious-author-email"
    summary = "The author or maintainer e-mail uses a disposable or placeholder domain."
    rationale = (
        "Accounts made for one malicious upload use throwaway mail (mailinator.com, "
        "yopmail.com...) or a placeholder (user@example.com). Honest authors give an address "
        "that reaches them, or none."
    )
    explain = """\
Detects an author or maintainer e-mail address on a disposable mail service
(mailinator.com, guerrillamail.com, 10minutemail.com, yopmail.com, temp-mail.org and
about 10,000 more), on a placeholder domain (example.com, test.com, a.com...), on a
reserved top-level domain (.example, .invalid, .localhost, .test, .local), or with no
domain at all. A missing address is not a finding: many honest projects give none.

The domain list is data: guard/data/disposable-email-domains.txt, whose header names
its sources (the public disposable-email-domains project, via its PyPI mirror, and
hand-written placeholders). A listed domain also matches its sub-domains.

Alone it is ignored by default (shown with --verbose; a policy may make it a
warning), and the signal adds `score` (0.5) to weak-signals.
Thresholds: score.
"""
    default_action = Action.IGNORE
    params = (Param("score", 0.5, "float", "higher", maximum=MAX_SCORE),)
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        signal = signal_suspicious_email(project, ctx) if project else None
        if signal is not None:
            yield Finding(
                self.id,
                signal.detail,
                remedy="check who publishes it before you trust it; allow-list it with a reason",
                score=signal.score,
            )


def signal_suspicious_email(project: Project, ctx: Context) -> Signal | None:
    problems = []
    for field_text in (project.author_email, project.maintainer_email):
        for _, address in getaddresses([field_text]) if field_text.strip() else ():
            problem = email_problem(address)
            if problem:
                problems.append(f"{address} {problem}")
    if not problems:
        return None
    return Signal(
        SuspiciousAuthorEmail.id,
        "throwaway e-mail",
        ctx.number(SuspiciousAuthorEmail, "score"),
        f"{project.name}'s author e-mail " + "; ".join(problems),
    )


# --- the sum -----------------------------------------------------------------------


def all_signals(project: Project, ctx: Context) -> list[Signal]:
    found = [
        signal_youth(project, ctx),
        signal_few_releases(project, ctx),
        signal_empty_description(project, ctx),
        signal_no_source_repo(project, ctx),
        signal_suspicious_email(project, ctx),
    ]
    return [s for s in found if s is not None and s.score > 0]


def _fmt(score: float) -> str:
    return f"{score:.1f}"


class WeakSignals(RuleBase):
    id = WEAK_SIGNALS
    summary = "Weak signals (youth, few releases, no description, no repository...) add up."
    rationale = (
        "A days-old project with one release, no description and no repository describes "
        "most malicious uploads, though each of those is common alone. Adding up their "
        "scores catches the combination without blocking on any one of them."
    )
    explain = """\
Adds up the scores of the weak signals of a project and reports the sum, with each
part, when it reaches block-score (default 3.0):

  first upload under very-young-days (7)  +very-young-score (2.0)
  first upload under young-days (30)      +young-score (1.5)
  1 release / 2 releases (few-releases)   +1.0 / +0.5
  no description (empty-description)      +0.5
  no repository (no-source-repo)          +0.5
  throwaway e-mail (suspicious-author-email) +0.5

For example "score 4.0 >= 3.0: first upload 2 days ago (+2.0), 1 release (+1.0),
no description (+0.5), no repository (+0.5)". An established project (older than
young-days) can score at most 2.5, so it never reaches the default block-score,
whatever it lacks. Each part's weight is a threshold of the rule that owns the signal
(few-releases.single-score, empty-description.score...); set one to 0 to leave it out.
The sum is computed from the project itself, whatever the policy does with the
individual rules.

Thresholds: block-score, very-young-days, very-young-score, young-days, young-score.
"""
    default_action = Action.BLOCK
    params = (
        Param("block-score", 3.0, "float", "lower", maximum=MAX_SCORE),
        Param("very-young-days", 7, "int", "higher", maximum=MAX_DAYS),
        Param("very-young-score", 2.0, "float", "higher", maximum=MAX_SCORE),
        Param("young-days", 30, "int", "higher", maximum=MAX_DAYS),
        Param("young-score", 1.5, "float", "higher", maximum=MAX_SCORE),
    )
    modes = frozenset({"install", "audit"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if project is None:
            return
        signals = all_signals(project, ctx)
        total = sum(s.score for s in signals)
        limit = ctx.number(self, "block-score")
        if not signals or total < limit:
            return
        parts = ", ".join(f"{s.text} (+{_fmt(s.score)})" for s in signals)
        yield Finding(
            self.id,
            f"{candidate.name}: score {_fmt(total)} >= {_fmt(limit)}: {parts}",
            remedy="check that this is the project you mean and who publishes it; "
            "allow-list it with a reason",
            score=total,
            evidence=tuple((s.rule, _fmt(s.score)) for s in signals),
        )


def _weak(signal: Signal | None) -> Iterator[Finding]:
    if signal is not None:
        yield Finding(
            signal.rule,
            signal.detail,
            remedy="a weak signal alone; see weak-signals for the sum",
            weak=True,
            score=signal.score,
        )
