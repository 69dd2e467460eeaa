"""Notes on why a package was picked below its newest release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.models import Candidate, FileInfo, Project, Release, Source
from guard.pip.resolve import Asked
from guard.vet.model import Known
from guard.vet.picked import Picking, notes
from guard.vet.target import Target

NOW = datetime(2026, 12, 1, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=7)
ENV = {k: str(v) for k, v in default_environment().items()}
HERE = Target(ENV)


def release(version: str, age: timedelta, *names: str, requires_python: str = "") -> Release:
    files = tuple(
        FileInfo(
            name,
            f"https://x/{name}",
            "0" * 64,
            "bdist_wheel",
            NOW - age,
            requires_python=requires_python,
        )
        for name in (names or (f"demo-{version}-py3-none-any.whl",))
    )
    return Release(Version(version), files)


def known(*releases: Release) -> Known:
    name = canonicalize_name("demo")
    project = Project(name, "demo", releases={r.version: r for r in releases})
    return Known({name: project})


def chosen(version: str = "1.0", requested: bool = True) -> Candidate:
    return Candidate(
        canonicalize_name("demo"), Version(version), Source.INDEX, "", "", None, requested
    )


def picking(*asked: str) -> Picking:
    return Picking(
        tuple(Asked(Requirement(a), "your requirement") for a in asked), HERE, CUTOFF, NOW
    )


def test_a_pin_is_named_as_the_reason_not_the_cutoff() -> None:
    found = notes(
        known(release("1.0", timedelta(days=90)), release("2.0", timedelta(days=1))),
        [chosen()],
        picking("demo==1.0"),
    )
    assert found == [
        "picked below the newest release as asked: "
        "demo 1.0 (your requirement: demo==1.0; newest 2.0)"
    ]


def test_the_cutoff_is_named_with_the_true_age() -> None:
    found = notes(
        known(release("1.0", timedelta(days=90)), release("2.0", timedelta(days=6.5))),
        [chosen()],
        picking("demo"),
    )
    assert found == [
        "demo: picked 1.0; 2.0 is newer but was uploaded 6.5 days ago, inside the "
        "policy's new-release cut-off"
    ]


def test_an_old_newer_release_that_needs_a_newer_python_says_so() -> None:
    newer = release("2.0", timedelta(days=90), requires_python=">=3.99")
    found = notes(known(release("1.0", timedelta(days=200)), newer), [chosen()], picking("demo"))
    assert len(found) == 1 and "demo 2.0 requires Python >=3.99" in found[0]
    assert "cut-off" not in found[0]


def test_a_newer_release_with_only_a_foreign_platform_wheel_is_not_the_cutoff() -> None:
    newer = release("2.0", timedelta(days=1), "demo-2.0-cp311-cp311-macosx_11_0_arm64.whl")
    target = Target(
        {
            **ENV,
            "sys_platform": "linux",
            "platform_machine": "x86_64",
            "python_version": "3.11",
        }
    )
    found = notes(
        known(release("1.0", timedelta(days=200)), newer),
        [chosen()],
        Picking((), target, CUTOFF, NOW),
    )
    assert found == [
        "demo: picked 1.0; demo 2.0 has no wheel for the target, and safepip resolves wheels first"
    ]


def test_a_transitive_package_held_back_names_who_pulls_it_in() -> None:
    parent = Candidate(
        canonicalize_name("app"),
        Version("1"),
        Source.INDEX,
        "",
        "",
        None,
        True,
        requires_dist=("demo>=0.5",),
    )
    found = notes(
        known(release("1.0", timedelta(days=90)), release("2.1", timedelta(hours=30))),
        [parent, chosen(requested=False)],
        picking("app"),
    )
    assert found == [
        "held back by the cut-off: demo 2.1 (uploaded 30 hours ago), pulled in by app; picked 1.0"
    ]


def test_no_cutoff_in_the_last_dry_run_means_no_cutoff_note() -> None:
    found = notes(
        known(release("1.0", timedelta(days=90)), release("2.0", timedelta(days=1))),
        [chosen()],
        Picking((), HERE, None, NOW),
    )
    assert found == []
