"""The pre-commit hook's reports of several files, combined into one document."""

from __future__ import annotations

import json

import pytest

from guard.errors import GuardError
from guard.report.combine import Part, combine


def test_one_part_is_its_own_report() -> None:
    assert combine("json", [Part("a.txt", 0, '{"x": 1}\n')]) == '{"x": 1}\n'


def test_json_keeps_each_report_and_the_worst_exit_code() -> None:
    parts = [Part("a.txt", 0, '{"decision": "allow"}'), Part("b.txt", 2, "not json")]
    doc = json.loads(combine("json", parts))
    assert doc["exit_code"] == 2
    assert doc["files"][0] == {"file": "a.txt", "exit_code": 0, "report": {"decision": "allow"}}
    assert doc["files"][1]["report"] == "not json"  # kept whole, not dropped


def test_sarif_is_one_log_with_every_run() -> None:
    def log(name: str) -> str:
        return json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": name}}}]})

    out = json.loads(combine("sarif", [Part("a.txt", 0, log("a")), Part("b.txt", 1, log("b"))]))
    assert out["version"] == "2.1.0"
    assert [r["tool"]["driver"]["name"] for r in out["runs"]] == ["a", "b"]
    with pytest.raises(GuardError, match=r"b\.txt"):
        combine("sarif", [Part("a.txt", 0, log("a")), Part("b.txt", 2, "oops")])


def test_markdown_puts_each_report_under_its_file() -> None:
    out = combine("markdown", [Part("a.txt", 0, "one\n"), Part("b.txt", 1, "two\n")])
    assert out.index("## safepip check -r a.txt") < out.index("one") < out.index("b.txt")
