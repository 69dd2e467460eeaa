"""Where SARIF results sit: declared lines, dependency chains, pyproject lines."""

from __future__ import annotations

import json
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from guard import __version__
from guard.models import Action, Candidate, Finding, Judged, PackageVerdict, Source, Verdict
from guard.report.base import Place, Places
from guard.report.places import locate, pyproject_lines, requirement_lines
from guard.report.sarif import to_sarif
from guard.rules import RULES

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]

[project]
name = "app"
version = "1.0"
description = "requests wrapper"
dependencies = [
    "requests>=2",  # the HTTP client
    'Flask[async] ; python_version >= "3.8"',
]

[project.optional-dependencies]
test = ["pytest>=8", "requests-mock"]

[tool.other]
dependencies = ["not-a-dependency"]
"""


def test_pyproject_lines_are_the_lines_of_the_dependencies() -> None:
    lines = pyproject_lines(PYPROJECT)
    assert lines == {
        "setuptools": 2,  # a build requirement: install vets it, as check does a dynamic one
        "requests": 9,
        "flask": 10,
        "pytest": 14,
        "requests-mock": 14,
    }


def test_pyproject_lines_of_a_multi_line_build_system() -> None:
    text = (
        '[build-system]\nrequires = [\n  "hatchling",\n  "hatch-vcs>=0.3",\n]\n'
        'build-backend = "hatchling.build"\n[tool.hatch]\nrequires = ["not-this"]\n'
    )
    assert pyproject_lines(text) == {"hatchling": 3, "hatch-vcs": 4}


def test_pyproject_lines_of_a_one_line_list() -> None:
    text = '[project]\nname = "x"\ndependencies = ["a", "b>1"]\n'
    assert pyproject_lines(text) == {"a": 3, "b": 3}


def package(name: str, requires: tuple[str, ...] = (), requested: bool = False) -> PackageVerdict:
    c = Candidate(
        canonicalize_name(name),
        Version("1.0"),
        Source.INDEX,
        "",
        f"{name}-1.0-py3-none-any.whl",
        None,
        requested=requested,
        requires_dist=requires,
    )
    return PackageVerdict(c, None, (Judged(Finding("denied", "no"), Action.BLOCK),))


def chain_verdict() -> Verdict:
    return Verdict(
        (
            package("web", ("middle>=1", "extra-only ; extra == 'x'"), requested=True),
            package("middle", ("deep",)),
            package("deep"),
            package("extra-only"),
            package("orphan"),
            package("cli-named", ("cli-dep",), requested=True),
            package("cli-dep"),
        )
    )


def test_locate_follows_the_dependency_chain() -> None:
    declared = requirement_lines("# top\nflask\nweb==1.0\n")
    places = Places({n: Place("reqs.txt", line) for n, line in declared.items()})
    where = locate(chain_verdict().packages, places)
    assert where["web"].place == Place("reqs.txt", 3) and not where["web"].note
    assert where["deep"].place == Place("reqs.txt", 3)
    assert where["deep"].chain == ("web", "middle", "deep")
    assert "pulled in by web: web -> middle -> deep" in where["deep"].note
    assert where["extra-only"].chain == ("web", "extra-only")  # through an extra: still found
    # Nothing declared pulls it in: at the first requirement, and the note says so.
    assert where["orphan"].place == Place("reqs.txt", 2)
    assert "transitive" in where["orphan"].note
    # Named on the command line, not in a file: no file to point at.
    assert where["cli-named"].place is None
    assert where["cli-dep"].place is None and where["cli-dep"].chain == ("cli-named", "cli-dep")


def test_locate_without_declared_requirements_uses_the_fallback() -> None:
    env = Place("venv/pyvenv.cfg")
    where = locate(chain_verdict().packages, Places(fallback=env))
    assert all(w.place == env and not w.note for w in where.values())


def results(places: Places) -> list[dict[str, Any]]:
    doc: dict[str, Any] = json.loads(to_sarif(chain_verdict(), __version__, RULES, places=places))
    out: list[dict[str, Any]] = doc["runs"][0]["results"]
    return out


def test_sarif_puts_a_dependency_at_the_line_that_pulls_it_in() -> None:
    places = Places({"web": Place("requirements.txt", 7)})
    by_package = {r["properties"]["package"]: r for r in results(places)}
    deep = by_package["deep"]
    physical = deep["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 7}
    assert deep["properties"]["dependencyChain"] == ["web", "middle", "deep"]
    assert "pulled in by web" in deep["message"]["text"]
    assert "physicalLocation" not in by_package["cli-dep"]["locations"][0]


def test_sarif_points_at_an_absolute_file_without_a_base() -> None:
    env = Place("file:///opt/venv/pyvenv.cfg", relative=False)
    for result in results(Places(fallback=env)):
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "file:///opt/venv/pyvenv.cfg"}
        assert "region" not in result["locations"][0]["physicalLocation"]
