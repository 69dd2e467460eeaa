"""``placeholder-name``: "did you mean" for placeholders, retired names and import
names, from the project's own metadata or the shipped alias table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from packaging.utils import canonicalize_name

from guard.analysis.typosquat import default_detector
from guard.models import Action, Candidate, Finding, Project, Source
from guard.policy import model as policy
from guard.rules.aliases import PlaceholderName, shipped_aliases
from tests.rules.test_rules_metadata import candidate, ctx, project

RULE = PlaceholderName()


def _run(proj: Project | None, cand: Candidate) -> list[Finding]:
    return list(RULE.check(cand, proj, ctx([proj] if proj else [])))


def _named(name: str, summary: str = "", description: str = "") -> Project:
    base = project(name)
    return replace(base, summary=summary, description=description or base.description)


def _action(cand: Candidate, findings: list[Finding]) -> tuple[Action, list[str]]:
    judged, notes = policy.judge(policy.builtin(), cand, findings, date(2026, 6, 1))
    return max((j.action for j in judged), default=Action.IGNORE), notes


def test_a_placeholder_whose_summary_points_at_a_popular_project_warns_when_asked_for() -> None:
    proj = _named("oldsk", "deprecated oldsk package, use scikit-learn instead")
    asked = replace(candidate(proj), requested=True)
    [finding] = _run(proj, asked)
    assert "did you mean scikit-learn?" in finding.message
    assert "'deprecated oldsk package, use scikit-learn instead'" in finding.message
    assert _action(asked, [finding]) == (Action.WARN, [])
    # pulled in by a dependency: a note
    action, notes = _action(candidate(proj), _run(proj, candidate(proj)))
    assert action is Action.IGNORE and "did you mean scikit-learn?" in notes[0]


def test_a_dummy_that_pulls_the_project_in_is_a_note() -> None:
    proj = _named(
        "soupdummy",
        "Dummy package for Beautiful Soup",
        "This is a dummy package designed to prevent namesquatting on PyPI. You should "
        "install `beautifulsoup4 <https://pypi.python.org/pypi/beautifulsoup4>`_ instead.\n",
    )
    cand = replace(candidate(proj), requested=True, requires_dist=("beautifulsoup4",))
    [finding] = _run(proj, cand)
    assert "it only pulls beautifulsoup4 in; did you mean beautifulsoup4?" in finding.message
    action, notes = _action(cand, [finding])
    assert action is Action.IGNORE and notes == [finding.message]


def test_metadata_cannot_point_at_an_unknown_or_less_popular_project() -> None:
    for summary in (
        "deprecated, use totally-unknown-project-xyz instead",  # not on the popular list
        "deprecated, use sklearn instead",  # less popular than requests
    ):
        proj = _named("requests", summary)
        assert _run(proj, replace(candidate(proj), requested=True)) == []


def test_a_pointer_without_a_notice_about_the_package_itself_is_no_finding() -> None:
    for summary, description in (
        ("Fast arrays: use numpy arrays with it", ""),
        ("A pytest plugin", "The --old option is deprecated: use pytest -k instead."),
    ):
        proj = _named("arraytool", summary, description)
        assert _run(proj, replace(candidate(proj), requested=True)) == [], summary


def test_notices_about_the_package_itself() -> None:
    for summary in (
        "This package has been renamed: install scikit-learn",
        "Deprecated: use scikit-learn instead",
        "The oldsk project is no longer maintained; use scikit-learn",
    ):
        proj = _named("oldsk", summary)
        [finding] = _run(proj, replace(candidate(proj), requested=True))
        assert "did you mean scikit-learn?" in finding.message, summary


def test_an_import_name_not_on_pypi_gets_its_project_from_the_table() -> None:
    cand = Candidate(
        canonicalize_name("cv2"),
        candidate(project()).version,
        Source.INDEX,
        "",
        "",
        None,
        requested=True,
    )
    [finding] = _run(None, cand)
    assert "OpenCV's import name" in finding.message
    assert "did you mean opencv-python?" in finding.message


def test_the_shipped_table_points_at_popular_projects_only() -> None:
    table = shipped_aliases()
    assert {"sklearn", "beautifulsoup", "bs4", "pil", "cv2", "yaml"} <= set(table)
    detector = default_detector()
    for name, (target, why) in table.items():
        assert detector.rank(target) is not None, target
        assert name != target and why
