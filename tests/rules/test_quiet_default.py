"""A quiet default (issue 15, item 1): the weak signals are parts of weak-signals
only, an established project's revival alone is a note, and an established
popular SDK reading its own service's credentials is not a warning."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from guard.models import Action, Finding, PackageVerdict, Project
from guard.policy import model as policy
from guard.rules.owners import DormantRevival, MaintainersChanged
from guard.rules.sdk import SDK_CREDENTIALS, calibrate
from guard.rules.signals import EmptyDescription, FewReleases, NoSourceRepo, WeakSignals
from tests.rules.test_rules_metadata import candidate, ctx, project, run, seen

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 6, 1)

# A project with a long history (12 releases over ten years) that wakes up after 500 days.
LONG = tuple((f"1.{i}", 3650 - 250 * i) for i in range(11)) + (("2.0", 10),)


def _policy(name: str = "") -> policy.Policy:
    return policy.load(str(REPO / "policies" / name), REPO) if name else policy.builtin()


def _judge(
    pol: policy.Policy, proj: Project, findings: list[Finding]
) -> tuple[PackageVerdict, list[str]]:
    cand = candidate(proj)
    judged, notes = policy.judge(pol, cand, findings, TODAY)
    return PackageVerdict(cand, proj, tuple(judged)), notes


# --- the weak signals ------------------------------------------------------------------


def test_weak_parts_alone_are_ignored_by_default_and_warn_under_strict() -> None:
    proj = project(uploads=(("1.0", 400),), description="", urls=())
    c = ctx([proj])
    findings = [
        f
        for rule in (FewReleases(), EmptyDescription(), NoSourceRepo())
        for f in run(rule, proj, c)
    ]
    assert {f.rule for f in findings} == {"few-releases", "empty-description", "no-source-repo"}
    default, _ = _judge(_policy(), proj, findings)
    assert default.action is Action.IGNORE
    assert {j.action for j in default.judged} == {Action.IGNORE}
    strict, _ = _judge(_policy("strict.toml"), proj, findings)
    assert {j.action for j in strict.judged} == {Action.WARN}


def test_weak_signals_still_sums_the_ignored_parts() -> None:
    proj = project(uploads=(("1.0", 3),), description="", urls=())
    (finding,) = run(WeakSignals(), proj, ctx([proj]))
    assert "1 release (+1.0)" in finding.message and "no repository (+0.5)" in finding.message
    verdict, _ = _judge(_policy(), proj, [finding])
    assert verdict.action is Action.BLOCK


# --- dormant-revival -------------------------------------------------------------------


def test_an_established_projects_revival_alone_is_a_note() -> None:
    proj = project(uploads=LONG)
    (finding,) = run(DormantRevival(), proj, ctx([proj]))
    assert finding.note
    assert "an established project: 12 releases since 2016" in finding.message
    verdict, notes = _judge(_policy(), proj, [finding])
    assert verdict.action is Action.IGNORE
    assert notes == [finding.message]


def test_an_established_revival_warns_when_something_else_is_off() -> None:
    proj = project(uploads=LONG)
    (finding,) = run(DormantRevival(), proj, ctx([proj]))
    other = Finding("known-vulnerability", "has a known vulnerability")
    verdict, notes = _judge(_policy(), proj, [finding, other])
    assert notes == []
    assert {j.finding.rule: j.action for j in verdict.judged} == {
        "dormant-revival": Action.WARN,
        "known-vulnerability": Action.WARN,
    }
    # an ignored finding is nothing off: still a note
    ignored = Finding("no-source-repo", "names no source repository", weak=True)
    verdict, notes = _judge(_policy(), proj, [finding, ignored])
    assert verdict.action is Action.IGNORE and notes == [finding.message]


def test_an_established_revival_after_an_owner_change_is_no_note() -> None:
    proj = project(uploads=LONG, users=("alice", "bob"))
    history = {proj.name: seen(("alice",), 30)}
    context = ctx([proj], history=history)
    (finding,) = run(DormantRevival(), proj, context)
    assert not finding.note
    changed = run(MaintainersChanged(), proj, context)
    verdict, notes = _judge(_policy(), proj, [finding, *changed])
    assert notes == [] and verdict.action is Action.WARN


def test_a_short_or_young_history_still_warns() -> None:
    few = project(uploads=(("1.0", 3000), ("1.1", 2000), ("2.0", 10)))
    (finding,) = run(DormantRevival(), few, ctx([few]))
    assert not finding.note
    verdict, notes = _judge(_policy(), few, [finding])
    assert verdict.action is Action.WARN and notes == []
    young = project(uploads=tuple((f"1.{i}", 1000 - 60 * i) for i in range(11)) + (("2.0", 5),))
    (finding,) = run(DormantRevival(), young, ctx([young]))
    assert not finding.note
    stricter = ctx(
        [project(uploads=LONG)], thresholds={"dormant-revival": {"established-releases": 50}}
    )
    (finding,) = run(DormantRevival(), project(uploads=LONG), stricter)
    assert not finding.note


def test_a_policy_that_blocks_revivals_still_blocks_an_established_one() -> None:
    proj = project(uploads=LONG)
    (finding,) = run(DormantRevival(), proj, ctx([proj]))
    pol = policy.from_mapping(
        policy.parse_toml('[rules.dormant-revival]\naction = "block"\n', "t.toml"), "t.toml"
    )
    verdict, notes = _judge(pol, proj, [finding])
    assert verdict.action is Action.BLOCK and notes == []


# --- sdk-credentials -------------------------------------------------------------------

AWS_FILE = "cloud credentials: ~/.aws/credentials (+2.5): path = '~/.aws/credentials'"
AWS_ENV = "reads the secret environment variable AWS_SECRET_ACCESS_KEY (+2.5): os.environ.get(...)"
SDK_CALL = "reads cloud credentials (session.get_credentials) (+3.0): session.get_credentials()"
SSH = "SSH keys: ~/.ssh/id_rsa (+3.0): open('~/.ssh/id_rsa')"


def _sdk(
    name: str = "boto3",
    summary: str = "The AWS SDK for Python",
    uploads: tuple[tuple[str, int], ...] = LONG,
) -> Project:
    proj = project(name, uploads=uploads)
    return replace(proj, summary=summary)


def _cred(*evidence: str, weak: bool = True) -> Finding:
    return Finding(
        "credential-access",
        "boto3-1.0-py3-none-any.whl: scan score 2.5 >= 2.5 (warn): cloud credentials",
        weak=weak,
        evidence=tuple((f"boto3/x.py:{i}", e) for i, e in enumerate(evidence)),
    )


def _calibrated(proj: Project, finding: Finding) -> Finding:
    (out,) = calibrate([finding], proj, ctx([proj]))
    return out


def test_an_established_popular_sdk_reading_its_own_credentials_is_not_a_warning() -> None:
    proj = _sdk()
    out = _calibrated(proj, _cred(AWS_FILE, AWS_ENV, SDK_CALL))
    assert out.rule == SDK_CREDENTIALS
    assert "boto3 is an SDK of AWS" in out.message and "popular rank 1" in out.message
    verdict, _ = _judge(_policy(), proj, [out])
    assert verdict.action is Action.IGNORE
    strict, _ = _judge(_policy("strict.toml"), proj, [out])
    assert strict.action is Action.WARN


def test_the_service_comes_from_the_name_or_the_summary() -> None:
    botocore = _sdk("botocore", "Low-level, data-driven core of boto 3.")
    assert _calibrated(botocore, _cred(AWS_FILE)).rule == SDK_CREDENTIALS
    google = _sdk("google-auth", "Google Authentication Library")
    env = "reads the secret environment variable GOOGLE_APPLICATION_CREDENTIALS (+2.5): x"
    assert _calibrated(google, _cred(env, SDK_CALL)).rule == SDK_CREDENTIALS
    # google-auth reading AWS credentials is not its own purpose
    assert _calibrated(google, _cred(env, AWS_FILE)).rule == "credential-access"


def test_other_secrets_a_blocking_score_or_an_unknown_project_keep_credential_access() -> None:
    proj = _sdk()
    assert _calibrated(proj, _cred(AWS_FILE, SSH)).rule == "credential-access"
    assert _calibrated(proj, _cred(AWS_FILE, weak=False)).rule == "credential-access"
    generic = "reads the secret environment variable API_TOKEN (+2.5): os.environ['API_TOKEN']"
    assert _calibrated(proj, _cred(generic)).rule == "credential-access"
    # a snippet that mentions aws does not make other evidence the SDK's own
    assert _calibrated(proj, _cred("stored tokens: .netrc (+2.5): aws = open('.netrc')")).rule == (
        "credential-access"
    )
    young = _sdk(uploads=tuple((f"1.{i}", 300 - 20 * i) for i in range(12)))
    assert _calibrated(young, _cred(AWS_FILE)).rule == "credential-access"
    obscure = _sdk("aws-creds-helper-xyz", "An AWS helper")
    assert _calibrated(obscure, _cred(AWS_FILE)).rule == "credential-access"
    unrelated = _sdk("requests", "Python HTTP for Humans.")
    assert _calibrated(unrelated, _cred(AWS_FILE)).rule == "credential-access"


# --- the text report -------------------------------------------------------------------


def test_verbose_text_shows_the_ignored_parts_and_notes_once() -> None:
    from guard.models import Verdict
    from guard.report.text import render_text

    proj = project(uploads=LONG, urls=())
    c = ctx([proj])
    findings = [*run(NoSourceRepo(), proj, c), *run(DormantRevival(), proj, c)]
    package, notes = _judge(_policy(), proj, findings)
    verdict = Verdict((package,), tuple(notes))
    quiet = render_text(verdict, "", "")
    loud = render_text(verdict, "", "", verbose=True)
    assert "no-source-repo" not in quiet
    assert "  - [no-source-repo] ignore: demo names no source repository" in loud
    for text in (quiet, loud):
        assert text.count("without any upload") == 1
        assert "note: demo 2.0 was uploaded 10 days ago" in text
