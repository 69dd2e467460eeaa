"""The command line: sub-commands that need no index, usage errors and exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from guard.cli import main as cli
from guard.rules import RULES


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_check_names_text_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check-names", "reqeusts", "requests"], capsys)
    assert code == 1
    assert "reqeusts: LOOK-ALIKE of the popular project requests (rank 6)" in out
    assert "did you mean requests?" in out
    assert "requests: ok" in out


def test_check_names_reports_an_invalid_name_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["check-names", "reqeusts", "ré quests\x1b[2J"], capsys)
    assert code == 2  # one name could not be judged: the answer is incomplete
    assert "reqeusts: LOOK-ALIKE" in out  # the others still are
    assert "ré quests: not a valid project name" in out  # escape sequence removed
    assert "\x1b" not in out


def test_check_names_verbose_shows_scores_and_what_stays_below_the_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["check-names", "--verbose", "reqeusts", "requests-proxy"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("reqeusts: LOOK-ALIKE")
    assert lines[1].startswith("  - requests (rank 6, popular): adjacent-swap")
    assert lines[1].endswith(": blocks")
    # Recognised as a combination of requests, but scored below the warn line.
    assert lines[2] == "requests-proxy: ok"
    assert lines[3] == "  below the warn line (2.0):"
    assert lines[4].startswith("  - requests (rank 6, popular): combosquat, extra word(s) 'proxy'")
    assert lines[4].endswith(": no flag")
    code, out, _ = run(["check-names", "-v", "--format", "json", "requests-proxy"], capsys)
    (doc,) = json.loads(out)
    assert (doc["flagged"], doc["matches"]) == (False, [])
    assert doc["near"][0]["target"] == "requests"
    assert doc["near"][0]["strength"] is None and doc["near"][0]["score"] < 2.0
    # Without --verbose, neither the scores nor the near matches are given.
    code, out, _ = run(["check-names", "--format", "json", "requests-proxy"], capsys)
    assert "near" not in json.loads(out)[0]


def test_check_names_uses_the_policys_protected_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    team = tmp_path / "team.toml"
    team.write_text('version = 1\n[rules.typosquat]\nprotect = ["acme-billing"]\n')
    code, out, _ = run(["check-names", "--policy", str(team), "acme-biling"], capsys)
    assert code == 1
    assert "acme-biling: LOOK-ALIKE of acme-billing, a name your policy protects" in out
    code, out, _ = run(
        ["check-names", "--policy", str(team), "--format", "json", "reqeusts"], capsys
    )
    assert json.loads(out)[0]["matches"][0]["origin"] == "popular"
    strict = tmp_path / "strict.toml"
    strict.write_text("version = 1\n[rules.typosquat]\nweak-score = 99.0\n")
    code, out, _ = run(["check-names", "--policy", str(strict), "reqeusts"], capsys)
    assert (code, out) == (0, "reqeusts: ok\n")


def test_check_names_json_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("reqeusts\n\nnumpy\n"))
    code, out, _ = run(["check-names", "--format", "json", "-"], capsys)
    doc = json.loads(out)
    assert [d["name"] for d in doc] == ["reqeusts", "numpy"]
    assert doc[0]["flagged"] is True and doc[0]["targets"][0] == "requests"
    assert doc[0]["transformation"]
    assert doc[1]["flagged"] is False
    assert code == 1


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    for rule in RULES:
        assert rule.id in out


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["explain", "new-project"], capsys)
    assert code == 0
    assert "min-age-days = 30" in out
    assert 'rules = ["new-project"]' in out
    code, out, _ = run(["explain", "typosquat"], capsys)
    assert "  protect = []\n" in out  # thresholds as a policy file writes them
    code, _, err = run(["explain", "no-such-rule"], capsys)
    assert code == 2 and "one of" in err


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["frobnicate"],
        ["install"],
        ["install", "--frobnicate", "x"],
        ["install", "--dry-run", "x"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(args, capsys)
    assert code == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["install", "--help"], "usage: safepip [SAFEPIP-OPTIONS] install PIP-INSTALL-ARGS..."),
        (["--python", "x", "install", "-h", "requests"], "except --dry-run, --report and --python"),
        (["check", "--help"], "check PROJECT_DIR"),
        (["audit", "-h"], "RECORD hashes"),
        (["check-names", "--help"], "safepip check-names - "),
        (["popular", "update", "--help"], "--from takes another URL"),
        (["policy", "--help"], "safepip policy init [FILE] [--force]"),
        (["explain", "--help"], "usage: safepip explain RULE"),
        (["help", "scan"], "usage: safepip scan FILE..."),
        (["--help"], "`safepip COMMAND --help` describes one command."),
    ],
)
def test_help_of_each_command_exits_0_without_running_anything(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # `safepip install --help` must not reach pip's dry run (whose report would
    # then be pip's help text, an error), nor treat --help as a name to judge.
    code, out, err = run(args, capsys)
    assert (code, err) == (0, "")
    assert expected in out


def test_help_after_double_dash_is_pips() -> None:
    from guard.cli.helptext import wants_help

    assert wants_help(["requests", "--help"])
    assert not wants_help(["--", "--help"])
    assert not wants_help(["requests"])


def test_bad_policy_is_exit_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "team.toml"
    bad.write_text('[rules.new-project]\naction = "maybe"\n')
    code, out, err = run(["--policy", str(bad), "--format", "json", "check", "requests"], capsys)
    assert code == 2
    assert f"{bad}: rules.new-project.action" in err
    assert json.loads(out)["decision"] == "error"


def test_popular_update_from_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    source = tmp_path / "top.json"
    rows = [{"project": f"project-{i}", "download_count": 10_000 - i} for i in range(1500)]
    source.write_text(json.dumps({"rows": rows}))
    code, out, _ = run(["popular", "update", "--from", str(source)], capsys)
    assert code == 0
    assert "1500 projects" in out
    source.write_text("{not json")
    code, _, err = run(["popular", "update", "--from", str(source)], capsys)
    assert code == 2
    assert "is not a popular-projects list" in err
    assert "the popular-projects list in use is unchanged" in err


def test_scan_local_archives(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.fakepypi import build_wheel

    clean = tmp_path / "calm-1.0-py3-none-any.whl"
    clean.write_bytes(build_wheel("calm", "1.0"))
    bad = tmp_path / "loader-1.0-py3-none-any.whl"
    payload = "import base64\nexec(base64.b64decode('cHJpbnQoJ2hpJyk='))\n"
    bad.write_bytes(build_wheel("loader", "1.0", files={"loader/__init__.py": payload}))

    code, out, _ = run(["scan", "--format", "json", str(clean), str(bad)], capsys)

    assert code == 1
    doc = json.loads(out)
    decisions = {p["name"]: p["decision"] for p in doc["packages"]}
    assert decisions == {"calm": "allow", "loader": "block"}
    [loader] = [p for p in doc["packages"] if p["name"] == "loader"]
    assert "obfuscated-code" in {f["rule"] for f in loader["findings"]}


def test_scan_sarif_results_point_at_the_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakepypi import build_wheel

    monkeypatch.chdir(tmp_path)
    (tmp_path / "dist").mkdir()
    bad = tmp_path / "dist" / "loader-1.0-py3-none-any.whl"
    payload = "import base64\nexec(base64.b64decode('cHJpbnQoJ2hpJyk='))\n"
    bad.write_bytes(build_wheel("loader", "1.0", files={"loader/__init__.py": payload}))

    code, out, _ = run(["scan", "--format", "sarif", "dist/loader-1.0-py3-none-any.whl"], capsys)

    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    assert results
    for result in results:
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uri"] == "dist/loader-1.0-py3-none-any.whl"


def _modules() -> list[str]:
    import pkgutil

    import guard

    found = pkgutil.walk_packages(guard.__path__, "guard.")
    return sorted(m.name for m in found if not m.name.endswith(("__main__", "_worker_main")))


@pytest.mark.parametrize("module", _modules())
def test_every_module_imports_on_its_own(module: str) -> None:
    """No import cycle hides behind the order in which the CLI imports things."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
