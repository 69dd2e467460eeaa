"""``safepip policy`` validate / show / init."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from guard.errors import PolicyError, UsageError
from guard.policy import layers
from guard.policy import model as policy
from guard.policy import tools as policy_tools
from tests.policy.test_layers import TEAM, PolicyServer, session, write


@pytest.fixture
def server() -> Iterator[PolicyServer]:
    srv = PolicyServer().start()
    try:
        yield srv
    finally:
        srv.stop()


def validate(*paths: Path, cache: Path) -> list[str]:
    return policy_tools.validate_files(paths, session, cache, timeout=5)


def test_validate_valid_files(tmp_path: Path) -> None:
    write(tmp_path / "team.toml", TEAM)
    project = write(tmp_path / "safepip.toml", 'extends = "team.toml"\n')
    assert validate(project, tmp_path / "team.toml", cache=tmp_path / "c") == []


def test_validate_reports_every_problem_of_every_file(tmp_path: Path) -> None:
    write(tmp_path / "team.toml", TEAM)
    one = write(
        tmp_path / "one.toml",
        'extends = "team.toml"\n[rules.new-project]\nmin-age-days = 1\nlimit = 2\n'
        '[[allow]]\nname = "x"\n',
    )
    two = write(tmp_path / "two.toml", "version = 3\n[settings]\nproxy = 1\n")
    three = write(tmp_path / "pyproject.toml", '[project]\nname = "p"\n')
    problems = validate(one, two, three, tmp_path / "missing.toml", cache=tmp_path / "c")
    text = "\n".join(problems)
    assert f"{one}: rules.new-project.limit: unknown key" in text
    assert f"{one}: allow[0].reason: required" in text
    assert f"{one}: rules.new-project.min-age-days: 1 loosens 60" in text
    assert f"{two}: version: 3 is not supported" in text
    assert f"{two}: settings.proxy: unknown key" in text
    assert f"{three}: has no [tool.safepip] table" in text
    assert f"{tmp_path / 'missing.toml'}: cannot read" in text


def test_show_prints_layer_order_and_provenance(server: PolicyServer, tmp_path: Path) -> None:
    url, digest = server.serve("/team.toml", TEAM)
    project = write(
        tmp_path / "safepip.toml",
        f'extends = {{ url = "{url}", sha256 = "{digest}" }}\n'
        "[rules.new-project]\nmin-age-days = 90\n"
        '[[deny]]\nname = "leftpad"\nreason = "no"\n',
    )
    layered = layers.resolve_layers(project, session, tmp_path / "c", timeout=5)
    text = policy_tools.show(layered)
    lines = text.splitlines()
    assert "later layers win" in lines[0]
    assert lines[1] == f"#   1. {url} (the base, fetched)"
    assert lines[2] == f"#   2. {project} (this project)"
    assert "may only tighten" in text
    by_key = {line.split(" = ")[0]: line for line in lines if " = " in line and "#" in line}
    assert by_key["on-network-error"].endswith(f"# {url}")
    assert by_key["allow-loosen"].endswith(f"# {layers.BUILTIN}")
    assert any(
        line.startswith("min-age-days = 90") and line.endswith(f"# {project}") for line in lines
    )
    assert "[[allow]]  # " + url in text
    assert f"[[deny]]  # {project}" in text

    # The output is the merged policy, as valid TOML.
    data = tomllib.loads(text)
    shown = policy.from_mapping({k: v for k, v in data.items() if k != "layering"}, "shown")
    effective, _ = layers.load(project, session, tmp_path / "c", timeout=5)
    assert shown.rules == effective.rules
    assert shown.allow == effective.allow and shown.deny == effective.deny
    assert shown.on_network_error == effective.on_network_error


def test_show_cleans_text_from_fetched_layers(server: PolicyServer, tmp_path: Path) -> None:
    hostile = (
        '[[allow]]\nname = "evil"\nreason = "fine \\u001b[2J\\u001b]0;pwned\\u0007 really"\n'
        "[layering]\nallow-loosen = true\n"
    )
    url, _ = server.serve("/team.toml", hostile)
    project = write(tmp_path / "safepip.toml", f'extends = "{url}"\n')
    text = policy_tools.show(layers.resolve_layers(project, session, tmp_path / "c", timeout=5))
    assert "\x1b" not in text and "\x07" not in text
    assert 'reason = "fine  really"' in text


def test_show_prints_valid_toml_whatever_a_reason_holds(tmp_path: Path) -> None:
    # TOML escapes, as a policy file would hold them
    reason = r"del \u007f, nul \u0000, esc \u001b, quote \" and back\\slash, \u2028 \u202e"
    project = write(tmp_path / "safepip.toml", f'[[deny]]\nname = "leftpad"\nreason = "{reason}"\n')
    text = policy_tools.show(layers.resolve_layers(project, session, tmp_path / "c"))
    parsed = tomllib.loads(text)  # what it prints reads back as TOML
    assert parsed["deny"][0]["reason"] == tomllib.loads(f'r = "{reason}"')["r"]
    assert "\x7f" not in text and "\x00" not in text and "\x1b" not in text


def test_show_of_a_local_policy_keeps_its_text(tmp_path: Path) -> None:
    project = write(
        tmp_path / "safepip.toml",
        '[[allow]]\nname = "ours"\nreason = "line one\\nline two"\nexpires = 2027-03-01\n',
    )
    text = policy_tools.show(layers.resolve_layers(project, session, tmp_path / "c"))
    assert 'reason = "line one\\nline two"' in text
    assert "expires = 2027-03-01" in text
    assert "(the only layer)" in text
    assert tomllib.loads(text)["allow"][0]["reason"] == "line one\nline two"


def test_starter_policy_is_valid_and_commented(tmp_path: Path) -> None:
    text = policy_tools.init_text()
    assert text == policy_tools.STARTER_TOML
    assert sum(1 for line in text.splitlines() if line.startswith("#")) >= 10
    policy.from_mapping(tomllib.loads(text), "starter")
    # The commented-out extends and allow examples are valid once uncommented.
    example = re.compile(r"^# (\[\[\w+\]\]|[a-z-]+ = .*)$")
    uncommented = "\n".join(
        line[2:] if example.match(line) and not line.startswith('# extends = "') else line
        for line in text.splitlines()
    )
    data = tomllib.loads(uncommented)
    assert isinstance(data["extends"], dict)
    checked = policy.from_mapping({k: v for k, v in data.items() if k != "extends"}, "uncommented")
    assert [e.name for e in checked.allow] == ["internal-tool"]
    assert [e.name for e in checked.deny] == ["some-package"]
    assert checked.pypi_url == "https://pypi.org"


def test_init_file_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "safepip.toml"
    policy_tools.init_file(target)
    assert target.read_text(encoding="utf-8") == policy_tools.STARTER_TOML
    assert validate(target, cache=tmp_path / "c") == []
    with pytest.raises(UsageError, match="exists"):
        policy_tools.init_file(target)
    target.write_text("# mine\n", encoding="utf-8")
    policy_tools.init_file(target, force=True)
    assert target.read_text(encoding="utf-8") == policy_tools.STARTER_TOML


# --- the worked example in README.md ("Using safepip in a team") ---

DOC = Path(__file__).parents[2] / "README.md"
DOC_URL = "https://policies.acme.example/safepip/team.toml"
DOC_PROJECT = "/home/ci/payments-api/safepip.toml"


def doc_block(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    after = text.split(f"<!-- {marker} -->\n", 1)[1]
    body = after.split("\n", 1)[1]  # past the opening fence
    return body.split("```\n", 1)[0]


def test_the_documented_example_works(server: PolicyServer, tmp_path: Path) -> None:
    team = doc_block("team.toml")
    url, digest = server.serve("/safepip/team.toml", team)
    text = DOC.read_text(encoding="utf-8")
    assert f"{digest}  -" in text  # the published hash is the file's
    project_text = doc_block("safepip.toml")
    assert f'sha256 = "{digest}"' in project_text
    project = write(tmp_path / "safepip.toml", project_text.replace(DOC_URL, url))
    layered = layers.resolve_layers(project, session, tmp_path / "c", timeout=5)
    assert layered.layers == (url, str(project))

    real = policy_tools.show(layered).splitlines()
    for line in doc_block("policy-show").splitlines():
        expected = line.replace(DOC_URL, url).replace(DOC_PROJECT, str(project))
        if "#" in expected and " = " in expected:  # the comment column moves with the path
            key, comment = expected.split("#", 1)
            assert any(r.startswith(key.rstrip()) and r.endswith(comment) for r in real), expected
        else:
            assert expected in real, expected


def test_the_documented_loosening_error(server: PolicyServer, tmp_path: Path) -> None:
    url, digest = server.serve("/safepip/team.toml", doc_block("team.toml"))
    project = write(
        tmp_path / "safepip.toml",
        f'extends = {{ url = "{url}", sha256 = "{digest}" }}\n'
        "[rules.new-project]\nmin-age-days = 7\n"
        '[[allow]]\nname = "leftpad"\nreason = "I need it"\n',
    )
    with pytest.raises(PolicyError) as info:
        layers.resolve_layers(project, session, tmp_path / "c", timeout=5)
    documented = DOC.read_text(encoding="utf-8").split("safepip: error: invalid policy:\n", 1)[1]
    lines = [line.strip() for line in documented.split("```", 1)[0].splitlines()]
    expected = [
        line.replace("./safepip.toml", str(project)).replace(DOC_URL, url) for line in lines
    ]
    assert info.value.problems == expected


def test_show_of_the_builtin_default() -> None:
    text = policy_tools.show(layers.merge([]))
    assert "0 layers" in text
    assert f"min-age-days = 30                     # {layers.BUILTIN}" in text
    assert layers.policy_source(layers.merge([])) == layers.BUILTIN
