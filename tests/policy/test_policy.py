"""Policy loading, validation, discovery and judging."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.errors import PolicyError
from guard.models import Action, Candidate, Finding, Source
from guard.policy import model as policy
from guard.policy.entries import NOT_A_NAME
from guard.rules import RULES

REPO = Path(__file__).resolve().parents[2]


def candidate(name: str = "pkg", version: str = "1.0") -> Candidate:
    return Candidate(canonicalize_name(name), Version(version), Source.INDEX, "", "x.whl", None)


def test_shipped_default_file_spells_out_every_rule() -> None:
    data = policy.parse_toml((REPO / "policies" / "default.toml").read_text(), "default.toml")
    rules = data["rules"]
    assert isinstance(rules, dict)
    for rule in RULES:
        assert rule.id in rules, rule.id
        assert set(rules[rule.id]) == {"action", *rule.defaults}, rule.id


def test_shipped_default_file_is_the_builtin_default() -> None:
    shipped = policy.load(str(REPO / "policies" / "default.toml"), REPO)
    builtin = policy.builtin()
    assert shipped.rules == builtin.rules
    assert shipped.on_network_error == builtin.on_network_error
    assert {r.id for r in RULES} <= set(shipped.rules)


@pytest.mark.parametrize("name", ["strict.toml", "team-example.toml"])
def test_shipped_policies_are_valid(name: str) -> None:
    policy.load(str(REPO / "policies" / name), REPO)


def test_every_problem_is_reported_with_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "safepip.toml"
    path.write_text(
        """
version = 1
colour = "blue"
[settings]
on-network-error = "shrug"
[rules.new-project]
action = "explode"
min-age-days = "ten"
[rules.no-such-rule]
action = "block"
[[allow]]
name = "x"
[[deny]]
name = "y"
reason = "bad"
version = "not a spec"
"""
    )
    with pytest.raises(PolicyError) as info:
        policy.load(str(path), path.parent)
    problems = info.value.problems
    joined = "\n".join(problems)
    assert all(str(path) in p for p in problems)
    for key in (
        "colour",
        "settings.on-network-error",
        "rules.new-project.action",
        "rules.new-project.min-age-days",
        "rules.no-such-rule",
        "allow[0].reason",
        "deny[0].version",
    ):
        assert key in joined, key
    assert len(problems) == 7


def test_protected_names_must_be_project_names(tmp_path: Path) -> None:
    path = tmp_path / "safepip.toml"
    path.write_text('version = 1\n[rules.typosquat]\nprotect = ["acme-billing", "bad name!"]\n')
    with pytest.raises(PolicyError) as info:
        policy.load(str(path), path.parent)
    assert info.value.problems == [f"{path}: rules.typosquat.protect: 'bad name!' {NOT_A_NAME}"]
    path.write_text('version = 1\n[rules.typosquat]\nprotect = ["acme-billing", "Acme.Auth"]\n')
    loaded = policy.load(str(path), path.parent)
    assert loaded.thresholds["typosquat"]["protect"] == ("acme-billing", "acme-auth")


def test_bad_toml_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "safepip.toml"
    path.write_text("version = \n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        policy.load(str(path), path.parent)


def test_discovery_order(tmp_path: Path) -> None:
    env: dict[str, str] = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert policy.discover(None, tmp_path, env) is None
    (tmp_path / "pyproject.toml").write_text("[tool.safepip]\nversion = 1\n")
    assert policy.discover(None, tmp_path, env) == tmp_path / "pyproject.toml"
    (tmp_path / "safepip.toml").write_text("version = 1\n")
    assert policy.discover(None, tmp_path, env) == tmp_path / "safepip.toml"
    env["SAFEPIP_POLICY"] = "/from/env.toml"
    assert policy.discover(None, tmp_path, env) == Path("/from/env.toml")
    assert policy.discover("/explicit.toml", tmp_path, env) == Path("/explicit.toml")


def test_pyproject_table_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        "[tool.safepip]\nversion = 1\n[tool.safepip.rules.new-project]\nmin-age-days = 3\n"
    )
    loaded = policy.load(str(path), path.parent)
    assert loaded.rules["new-project"].thresholds["min-age-days"] == 3
    assert "[tool.safepip]" in loaded.source


def test_missing_policy_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        policy.load(str(tmp_path / "nope.toml"), tmp_path)


def _judge(
    text: str, finding: Finding, today: date = date(2026, 11, 22)
) -> tuple[Action, str, list[str]]:
    pol = policy.from_mapping(policy.parse_toml(text, "t.toml"), "t.toml")
    judged, notes = policy.judge(pol, candidate("pkg", "1.5"), [finding], today)
    return judged[0].action, judged[0].allowed_because, notes


def test_rule_action_comes_from_policy() -> None:
    f = Finding("new-project", "young")
    assert _judge("", f)[0] is Action.BLOCK
    assert _judge('[rules.new-project]\naction = "warn"\n', f)[0] is Action.WARN
    assert _judge('[rules.new-project]\naction = "ignore"\n', f)[0] is Action.IGNORE


def test_weak_findings_are_capped_at_warn_and_forced_ones_win() -> None:
    assert _judge("", Finding("new-project", "x", weak=True))[0] is Action.WARN
    forced = Finding("new-project", "x", forced=Action.BLOCK)
    assert _judge('[rules.new-project]\naction = "ignore"\n', forced)[0] is Action.BLOCK


def test_allow_list_waives_with_reason_version_and_expiry() -> None:
    f = Finding("new-project", "young")
    allow = '[[allow]]\nname = "PKG"\nreason = "ours"\n'
    assert _judge(allow, f)[:2] == (Action.IGNORE, "ours")
    assert _judge(allow + 'version = "<1"\n', f)[0] is Action.BLOCK
    assert _judge(allow + 'version = ">=1,<2"\n', f)[0] is Action.IGNORE
    action, _, notes = _judge(allow + "expires = 2026-01-01\n", f)
    assert action is Action.BLOCK
    assert "expired on 2026-01-01" in notes[0]
    assert _judge(allow + "expires = 2027-01-01\n", f)[0] is Action.IGNORE
    assert _judge(allow + 'rules = ["yanked"]\n', f)[0] is Action.BLOCK


def test_allow_by_name_does_not_excuse_a_tampered_file() -> None:
    f = Finding("artifact-mismatch", "hash differs")
    allow = '[[allow]]\nname = "pkg"\nreason = "ours"\n'
    assert _judge(allow, f)[0] is Action.BLOCK
    assert _judge(allow + 'rules = ["artifact-mismatch"]\n', f)[0] is Action.IGNORE


def test_readme_lists_every_rule() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.default_action.label} |" in readme, rule.id
