"""What rules and finding kinds declare, and how thresholds are read from it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.errors import PolicyError
from guard.models import Action, Candidate, Source
from guard.policy import model as policy
from guard.policy.decide import NOT_WAIVED_BY_NAME
from guard.policy.validate import BadValue, check_threshold
from guard.rules import RULES, evaluate
from guard.rules.base import Context, FindingKind, Param, RuleBase, param_of
from guard.rules.local import LOCAL_KINDS
from guard.rules.release import NewRelease
from guard.rules.scan import SCAN_KINDS
from guard.rules.sdk import SdkCredentials
from guard.rules.signals import WeakSignals

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def test_every_declared_default_fits_its_declaration() -> None:
    for rule in RULES:
        for param in rule.params:
            assert check_threshold(param, _as_toml(param.default)) == param.default, (
                rule.id,
                param,
            )
        assert dict(rule.defaults) == {p.key: p.default for p in rule.params}


def _as_toml(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def test_ids_are_unique_and_kinds_are_registered() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    kinds = [rule for rule in RULES if isinstance(rule, FindingKind)]
    assert kinds == [*SCAN_KINDS, SdkCredentials, *LOCAL_KINDS]


def test_not_waived_by_name_comes_from_the_declarations() -> None:
    assert {"artifact-mismatch", "rule-error", "denied", "known-malicious"} == NOT_WAIVED_BY_NAME


def test_ctx_reads_the_declared_default_unless_the_policy_sets_one() -> None:
    assert Context(now=NOW).number(NewRelease(), "min-age-days") == 7.0
    assert Context(now=NOW).number(WeakSignals, "block-score") == 3.0  # the class will do
    ctx = Context(now=NOW, thresholds={"new-release": {"min-age-days": 2}})
    assert ctx.number(NewRelease(), "min-age-days") == 2.0
    malformed = Context(now=NOW, thresholds={"new-release": {"min-age-days": "soon"}})
    assert malformed.number(NewRelease(), "min-age-days") == 7.0


def test_ctx_keeps_the_older_form_with_an_explicit_default() -> None:
    ctx = Context(now=NOW, thresholds={"record-mismatch": {"max-hash-mb": 8}})
    assert ctx.number("record-mismatch", "max-hash-mb", 64) == 8.0
    assert Context(now=NOW).number("record-mismatch", "max-hash-mb", 64) == 64.0
    assert Context(now=NOW).flag("maintainers-changed", "block-partial", True) is True
    with pytest.raises(TypeError):
        Context(now=NOW).number("record-mismatch", "max-hash-mb")


def test_an_undeclared_threshold_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="no threshold 'nope'"):
        Context(now=NOW).number(NewRelease(), "nope")
    with pytest.raises(KeyError):
        param_of(NewRelease(), "nope")


def test_the_policy_accessor_falls_back_to_the_declaration() -> None:
    assert policy.builtin().number("new-release", "min-age-days") == 7.0
    bare = policy.Policy(source="test", rules={})
    assert bare.threshold("new-release", "min-age-days") == 7
    assert bare.threshold("typosquat", "protect") == ()
    with pytest.raises(TypeError):
        bare.number("typosquat", "protect")
    loaded = policy.from_mapping({"rules": {"new-release": {"min-age-days": 1.5}}}, "x.toml")
    assert loaded.number("new-release", "min-age-days") == 1.5


def test_the_engine_runs_rules_not_finding_kinds() -> None:
    kind = FindingKind(id="some-kind", summary="s", rationale="r")
    candidate = Candidate(
        canonicalize_name("pkg"), Version("1.0"), Source.INDEX, "", "pkg-1.0.tar.gz", None
    )
    assert evaluate(candidate, None, Context(now=NOW), (kind,)) == []


class Bounded(RuleBase):
    id = "bounded"
    summary = "a rule with bounded thresholds"
    rationale = "r"
    default_action = Action.WARN
    params = (
        Param("share", 0.5, "float", "higher", minimum=0.1, maximum=1.0),
        Param("label", "x", "str"),
    )


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("share", 0.05, "bounded.share: must be at least 0.1"),
        ("share", 2, "bounded.share: must be at most 1.0"),
        ("share", "a", "bounded.share: must be a number, not 'a'"),
        ("label", 3, "bounded.label: must be a string"),
    ],
)
def test_bounds_and_kinds_are_checked(key: str, value: object, problem: str) -> None:
    with pytest.raises(PolicyError) as info:
        policy.from_mapping({"rules": {"bounded": {key: value}}}, "p.toml", (Bounded(),))
    assert info.value.problems == [f"p.toml: rules.{problem}"]


def test_check_threshold_says_what_is_wrong() -> None:
    with pytest.raises(BadValue, match="must be true or false"):
        check_threshold(Param("f", False, "bool"), "yes")
    assert check_threshold(Param("n", (), "names"), ["a", "b"]) == ("a", "b")
