"""SARIF 2.1.0 and Markdown output: structure, levels, and hostile text."""

from __future__ import annotations

import json
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from guard import __version__
from guard.models import (
    Action,
    Candidate,
    Decision,
    Finding,
    Judged,
    PackageVerdict,
    Project,
    Source,
    Verdict,
)
from guard.report.formats import (
    error_markdown,
    error_sarif,
    md,
    requirement_lines,
    to_markdown,
    to_sarif,
)
from guard.rules import RULES

HOSTILE = "\x1b[31m@octocat <img src=x onerror=alert(1)> | **bold** [link](http://evil)\x1b[0m"


def candidate(name: str, version: str) -> Candidate:
    return Candidate(
        canonicalize_name(name), Version(version), Source.INDEX, "", f"{name}-{version}.whl", None
    )


def verdict() -> Verdict:
    evil = candidate("evil-pkg", "1.0")
    return Verdict(
        (
            PackageVerdict(candidate("good", "2.0"), None, ()),
            PackageVerdict(
                evil,
                Project(evil.name, "evil-pkg", summary=HOSTILE),
                (
                    Judged(
                        Finding("new-project", f"first upload 2 days ago {HOSTILE}", "wait"),
                        Action.BLOCK,
                    ),
                    Judged(Finding("known-vulnerability", "CVE-1"), Action.IGNORE, "patched"),
                    Judged(Finding("yanked", "ignored entirely"), Action.IGNORE),
                ),
            ),
            PackageVerdict(
                candidate("meh", "0.3"),
                None,
                (Judged(Finding("rule-error", "rule x failed", "report it"), Action.WARN),),
            ),
        ),
        notes=("an older release was picked",),
    )


# --- SARIF -------------------------------------------------------------------------


def sarif(**kwargs: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(to_sarif(verdict(), __version__, RULES, **kwargs))
    return doc


def test_sarif_has_the_required_structure() -> None:
    doc = sarif()
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "safepip"
    assert driver["version"] == __version__
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"]
    new_project = driver["rules"][ids.index("new-project")]
    registry = {rule.id: rule for rule in RULES}
    assert new_project["shortDescription"]["text"] == registry["new-project"].summary
    assert new_project["defaultConfiguration"]["level"] == "error"
    assert "rule-error" in ids  # a result's rule missing from rules_meta is described too
    for result in run["results"]:
        assert set(result) >= {"ruleId", "ruleIndex", "level", "message", "locations"}
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        (location,) = result["locations"]
        # No file was given: no physical location claiming one, only the package.
        assert "physicalLocation" not in location
        assert location["logicalLocations"][0]["name"] in {"evil-pkg", "meh"}
    assert run["properties"]["decision"] == "block"


def test_sarif_levels_and_decisions() -> None:
    results = sarif()["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert set(by_rule) == {"new-project", "known-vulnerability", "rule-error"}  # not ignored
    assert by_rule["new-project"]["level"] == "error"
    assert by_rule["new-project"]["properties"]["decision"] == "block"
    assert by_rule["rule-error"]["level"] == "warning"
    assert by_rule["known-vulnerability"]["level"] == "note"
    assert by_rule["known-vulnerability"]["properties"]["decision"] == "allowed-by-policy"
    assert by_rule["known-vulnerability"]["properties"]["allowedBecause"] == "patched"
    text = by_rule["new-project"]["message"]["text"]
    assert "evil-pkg 1.0" in text and "Fix: wait" in text and "\x1b" not in text


def test_sarif_points_at_the_requirement_line() -> None:
    lines = requirement_lines("# deps\n-r base.txt\ngood==2.0\nEvil_Pkg>=1 ; python_version>'3'\n")
    assert lines == {"good": 3, "evil-pkg": 4}
    results = sarif(artifact_uri="reqs/prod.txt", lines=lines)["runs"][0]["results"]
    evil = next(r for r in results if r["ruleId"] == "new-project")
    physical = evil["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "reqs/prod.txt"
    assert physical["region"] == {"startLine": 4}
    # meh is in no file and nothing declared pulls it in: at the first requirement, said so.
    meh = next(r for r in results if r["ruleId"] == "rule-error")
    assert meh["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert "transitive dependency" in meh["message"]["text"]


def test_sarif_of_a_clean_run_has_no_results() -> None:
    doc = json.loads(to_sarif(Verdict(()), "1", RULES))
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["properties"]["decision"] == "allow"


# --- Markdown ----------------------------------------------------------------------


def test_markdown_table_and_details() -> None:
    text = to_markdown(verdict())
    assert text.startswith("### safepip: BLOCKED\n")
    assert "3 packages vetted: 1 blocked, 1 with warnings, 1 allowed." in text
    assert "| Package | Version | Decision | Reasons |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1].startswith("| evil\\-pkg | 1\\.0 | block | new\\-project; allowed: ")
    assert rows[2].startswith("| meh | 0\\.3 | warn | rule\\-error |")
    assert rows[3] == "| good | 2\\.0 | allow |  |"
    assert "#### evil\\-pkg 1\\.0: block" in text
    assert "- `new-project` **block**: first upload 2 days ago" in text
    assert "  - Fix: wait" in text
    assert "- `known-vulnerability` allowed by the policy: patched" in text
    assert "- an older release was picked" in text
    assert "good 2" not in text.split("#### ")[-1]  # no details for allowed packages


def test_markdown_escapes_hostile_text() -> None:
    text = to_markdown(verdict())
    assert "\x1b" not in text
    assert "<img" not in text and "&lt;img" in text
    assert "**bold**" not in text and "\\*\\*bold\\*\\*" in text
    assert "[link](" not in text and "\\[link\\]\\(http\\://evil\\)" in text
    assert "@octocat" not in text and "@\u2060octocat" in text
    for line in text.splitlines():
        if line.startswith("| "):
            assert line.count("|") - line.count("\\|") == 5  # no cell broken by a pipe


def test_md_escape() -> None:
    assert md("a|b") == "a\\|b"
    assert md("x\ny") == "x y"
    assert md("1 < 2 & 3") == "1 &lt; 2 &amp; 3"


def test_markdown_of_a_clean_run() -> None:
    text = to_markdown(Verdict((PackageVerdict(candidate("good", "2.0"), None, ()),)))
    assert text.startswith("### safepip: allowed\n")
    assert to_markdown(Verdict(()), Decision.ERROR).startswith("### safepip: error\n")


def test_markdown_stays_under_the_comment_limit() -> None:
    many = tuple(
        PackageVerdict(
            candidate(f"pkg{i}", "1.0"),
            None,
            (Judged(Finding("new-project", "x" * 900, "y" * 900), Action.BLOCK),),
        )
        for i in range(200)
    )
    text = to_markdown(Verdict(many))
    assert len(text) < 65_536
    assert "more details cut" in text


def test_error_outputs() -> None:
    doc = json.loads(error_sarif("cannot reach \x1b[2J https://pypi.org", "1.0"))
    (run,) = doc["runs"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notification = invocation["toolExecutionNotifications"][0]
    assert notification["message"]["text"] == "cannot reach  https://pypi.org"
    assert run["results"] == [] and run["tool"]["driver"]["name"] == "safepip"
    text = error_markdown("bad <policy>")
    assert text.startswith("### safepip: error\n") and "&lt;policy&gt;" in text
