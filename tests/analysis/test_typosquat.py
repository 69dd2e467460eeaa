"""Tests for guard.analysis.typosquat (the detector) and guard.rules.typosquat (the rule).

The popular list here is made up: invented project names at chosen ranks, then
fillers, so every expectation follows from the transformations themselves.
"""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime
from importlib import resources

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

from guard.analysis import typosquat as ts
from guard.analysis.typosquat.shipped import shipped_state
from guard.index import popular
from guard.models import Action, Candidate, Ownership, Project, Source
from guard.rules.base import Context
from guard.rules.repository import repo_key
from guard.rules.typosquat import RULE, TyposquatRule

TOP = [
    "frobnicate",  # 1
    "widgetry",  # 2
    "quantumleap",  # 3
    "python-hashkit",  # 4
    "moonbeam",  # 5
    "datawrangler",  # 6
    "snakeoil",  # 7
    "pipsqueak",  # 8
    "tiny",  # 9
]
_RANDOM = random.Random(20260101)  # noqa: S311 - reproducible made-up names
FILLERS = ["".join(_RANDOM.choices(string.ascii_lowercase, k=11)) for _ in range(1500)]
POPULAR = [*TOP, *FILLERS[:90], "snakeoils", *FILLERS[90:]]  # snakeoils: rank 100


@pytest.fixture(scope="module")
def detector() -> ts.Detector:
    return ts.Detector(POPULAR)


def best(detector: ts.Detector, name: str) -> ts.Match:
    matches = detector.check(name)
    assert matches, f"{name} not flagged"
    return matches[0]


@pytest.mark.parametrize(
    ("name", "target", "transformation"),
    [
        ("frobnciate", "frobnicate", ts.ADJACENT_SWAP),
        ("widgettry", "widgetry", ts.REPEATED_CHAR),
        ("quantmleap", "quantumleap", ts.OMITTED_CHAR),
        ("widgetrt", "widgetry", ts.KEYBOARD_NEIGHBOUR),  # y -> t, neighbours on QWERTY
        ("widgetzy", "widgetry", ts.EDIT_DISTANCE),  # r -> z, not neighbours
        ("m00nbeam", "moonbeam", ts.HOMOGLYPH),  # 0 / o
        ("rnoonbeam", "moonbeam", ts.HOMOGLYPH),  # rn / m
        ("snake-oil", "snakeoil", ts.SEPARATOR),
        ("pythonhashkit", "python-hashkit", ts.SEPARATOR),
        ("hashkit-python", "python-hashkit", ts.WORD_ORDER),
        ("frobnicate-py", "frobnicate", ts.AFFIX),
        ("pyfrobnicate", "frobnicate", ts.AFFIX),
        ("python3-frobnicate", "frobnicate", ts.AFFIX),
        ("frobnicatelib", "frobnicate", ts.AFFIX),
        ("hashkit", "python-hashkit", ts.AFFIX),
        ("frobnicate-helper", "frobnicate", ts.COMBOSQUAT),
        ("widgetrymoonbeam", "widgetry", ts.GLUED_WORD),
    ],
)
def test_each_transformation_is_named(
    detector: ts.Detector, name: str, target: str, transformation: str
) -> None:
    match = next(m for m in detector.check(name) if m.target == target)
    assert match.transformation == transformation
    assert match.target_rank == POPULAR.index(target) + 1
    assert match.detail


def test_two_edits_only_on_long_names(detector: ts.Detector) -> None:
    match = best(detector, "dadawranglur")  # two substitutions in a 12-letter name
    assert (match.target, match.transformation) == ("datawrangler", ts.EDIT_DISTANCE)
    assert not detector.check("sneekoyl")  # two edits in an 8-letter name: too loose


def test_two_edits_from_eight_letters(detector: ts.Detector) -> None:
    match = best(detector, "wodgetrt")  # two substitutions in the 8-letter "widgetry"
    assert (match.target, match.transformation) == ("widgetry", ts.EDIT_DISTANCE)
    assert ts.Config().two_edit_length == 8


def test_repeated_letter_on_top_of_another_typo() -> None:
    detector = ts.Detector(["kwikly", *FILLERS])
    match = best(detector, "kwiiklu")  # 'i' doubled and 'y' -> 'u'
    assert match.target == "kwikly"
    assert match.transformations == (ts.REPEATED_CHAR, ts.KEYBOARD_NEIGHBOUR)
    assert not detector.check("kwiiklux")  # a third edit: too far


def test_a_pair_of_slips_counts_as_its_weaker_edit(detector: ts.Detector) -> None:
    assert ts.two_edits("frobnciat", "frobnicate") == [
        ((ts.ADJACENT_SWAP, ts.OMITTED_CHAR), "'ic' swapped to 'ci', then 'e' left out")
    ]
    slips = best(detector, "frobnciat")  # 'ic' swapped and the final 'e' left out
    assert slips.transformations == (ts.EDIT_DISTANCE, ts.ADJACENT_SWAP, ts.OMITTED_CHAR)
    assert "swapped" in slips.detail and "left out" in slips.detail
    plain = best(detector, "frobzicave")  # two unrelated substitutions
    assert (plain.target, plain.transformations) == ("frobnicate", (ts.EDIT_DISTANCE,))
    assert slips.score > plain.score
    # One slip and one plain edit count as two plain edits.
    mixed = best(detector, "frobnicaev")  # 'te' swapped, 't' -> 'v'
    assert mixed.target == "frobnicate" and mixed.score == plain.score


def test_stacked_affixes(detector: ts.Detector) -> None:
    stacked = best(detector, "python3-frobnicate-dev")
    assert (stacked.target, stacked.transformation) == ("frobnicate", ts.AFFIX)
    assert stacked.score < best(detector, "python3-frobnicate").score


@pytest.mark.parametrize("name", ["pyhashkit-dev", "libhashkit-sdk", "hashkit-py3-dev"])
def test_stacked_affixes_replace_the_targets_affix(detector: ts.Detector, name: str) -> None:
    match = best(detector, name)
    assert (match.target, match.transformation) == ("python-hashkit", ts.AFFIX)
    assert "where python-hashkit has 'python-'" in match.detail
    assert not match.strong  # two affixes, one descriptive: weaker than one
    assert match.score < best(detector, "libhashkit").score


def test_targets_version_digit_is_not_an_add_on_affix() -> None:
    # "python-zorblite" for "zorblite3": one variant affix for a version digit.
    # For "zorblite-sdk" it could be another add-on of the same service.
    def score(target: str) -> float:
        detector = ts.Detector([*FILLERS[:499], target, *FILLERS[499:]])
        match = best(detector, "python-zorblite")
        assert (match.target, match.transformation) == (target, ts.AFFIX)
        return match.score

    assert score("zorblite3") == score("zorblite-sdk") + 1.0


def test_typo_that_also_drops_the_plural_s() -> None:
    detector = ts.Detector(["zorbitals", *FILLERS])
    match = best(detector, "zorbtal")  # 'i' left out, and the final 's'
    assert (match.target, match.transformation) == ("zorbitals", ts.OMITTED_CHAR)
    assert "final 's' left out" in match.detail
    # Two slips: weaker than one, and one edit from the singular at most.
    assert match.score < best(detector, "zorbtals").score
    assert not detector.check("zxrbtal")
    # A plural whose singular is a name of its own is not a plural slip.
    both = ts.Detector(["zorbital", "zorbitals", *FILLERS])
    assert [m.target for m in both.check("zorbtal")] == ["zorbital"]


def test_plural_is_an_affix_of_its_own() -> None:
    detector = ts.Detector(["pyzorbit", *FILLERS])
    match = best(detector, "zorbits")  # 'py' of pyzorbit left out, plural 's' added
    assert (match.target, match.transformation) == ("pyzorbit", ts.AFFIX)


def test_plural_inside_a_combination_is_a_word_not_a_typo() -> None:
    detector = ts.Detector(["gadgets", *FILLERS])
    plural = best(detector, "gadget-helper")
    typo = best(detector, "gadgeys-helper")
    assert plural.score < typo.score


def test_first_letter_changes_count_less(detector: ts.Detector) -> None:
    first, last = best(detector, "xidgetry"), best(detector, "widgetrx")
    assert first.transformation == last.transformation == ts.EDIT_DISTANCE
    assert first.score < last.score


def test_a_changed_first_letter_of_a_later_word_counts_less() -> None:
    detector = ts.Detector(["zorbitz-mockery", *FILLERS])
    word = detector.check("zorbitz-rockery", ts.Config(weak_score=-10))[0]
    inner = detector.check("zorbitz-mozkery", ts.Config(weak_score=-10))[0]
    assert word.transformation == inner.transformation == ts.EDIT_DISTANCE
    assert word.score == inner.score - 1.0  # another word, not a slip
    # A keyboard neighbour or a swap there is still a slip of the hand.
    neighbour = best(detector, "zorbitz-nockery")
    assert neighbour.transformation == ts.KEYBOARD_NEIGHBOUR
    assert neighbour.score > word.score


def test_core_names_and_stdlib_are_protected(detector: ts.Detector) -> None:
    match = best(detector, "pyhton")
    assert (match.target, match.transformation) == ("python", ts.ADJACENT_SWAP)
    assert match.strong
    assert best(detector, "telnet").target == "telnetlib"  # 'lib' left out
    assert best(detector, "easyinstall").target == "easy-install"
    assert detector.check("typing") == []  # the name itself
    assert detector.rank("python") is None  # protected, not popular
    assert detector.target_rank("python") == 1
    # Standard-library names are words inside other names, not brands.
    assert "string" not in detector.related_targets("string-utils")
    bare = ts.Detector(POPULAR, ts.Config(core_rank=0, stdlib_rank=0))
    assert bare.check("pyhton") == []


def test_names_the_policy_protects() -> None:
    protected = ts.Detector(POPULAR, ts.Config(protected=("Acme_Billing", "acme-billing-client")))
    typo = best(protected, "acme-biling")
    assert (typo.target, typo.origin, typo.strong) == ("acme-billing", ts.POLICY, True)
    assert typo.describe() == "acme-billing, a name your policy protects"
    assert best(protected, "acme-billing-py").transformation == ts.AFFIX
    assert best(protected, "acme-billing-sdk").strong
    # A protected name is the team's own: never flagged itself.
    assert protected.check("acme-billing") == []
    assert protected.check("Acme.Billing_Client") == []
    # Like the standard library's names, a protected name is a plain word inside
    # combinations.
    assert protected.check("acme-billing-report-tools") == []
    assert ts.Detector(POPULAR).check("acme-biling") == []


def test_match_says_why_its_target_is_protected(detector: ts.Detector) -> None:
    popular = best(detector, "frobnciate")
    assert popular.origin == ts.POPULAR
    assert popular.describe() == "the popular project frobnicate (rank 1)"
    assert best(detector, "pyhton").describe() == "python, which every Python user has"
    stdlib = best(detector, "telnetlibb")
    assert stdlib.origin == ts.STDLIB
    assert stdlib.describe() == "the standard-library module telnetlib"


def test_detector_for_the_policys_protected_names() -> None:
    assert ts.detector_for(()) is ts.default_detector()
    built = ts.detector_for(["Acme_Billing", " "])
    assert built is ts.detector_for(["acme-billing"])  # canonical, built once
    assert built.origin("acme-billing") == ts.POLICY
    assert best(built, "acme-billling").target == "acme-billing"


def test_typo_inside_a_combosquat(detector: ts.Detector) -> None:
    match = best(detector, "frobnciate-extras")
    assert match.target == "frobnicate"
    assert match.transformations == (ts.COMBOSQUAT, ts.ADJACENT_SWAP)


def test_combosquat_on_a_name_without_its_version_digit() -> None:
    # Dropping a version digit leaves the brand ("zorblesoup" of "zorblesoup4");
    # dropping "python-" leaves a generic word ("discovery" of "python-discovery").
    detector = ts.Detector([*FILLERS[:99], "zorblesoup4", "python-discovery", *FILLERS[99:]])
    digit = best(detector, "zorblesoup-extras")
    assert (digit.target, digit.transformations) == ("zorblesoup4", (ts.COMBOSQUAT, ts.AFFIX))
    generic = next(m for m in detector.check("discovery-extras", ts.Config(weak_score=-9)))
    assert generic.target == "python-discovery"
    assert generic.score < digit.score
    assert not detector.check("discovery-extras")


def test_strength_follows_transformation_and_popularity(detector: ts.Detector) -> None:
    assert best(detector, "frobnciate").strong  # a swap, against rank 1
    assert not best(detector, "frobnicate-helper").strong  # a plain combination
    assert best(detector, "frobnciate").score > best(detector, "snakeoli").score  # rank 1 vs 7


def test_short_names_need_stricter_bounds(detector: ts.Detector) -> None:
    assert not detector.check("tin")  # below the edit length: nothing
    short = detector.check("tiyn")  # a swap in a 4-letter name
    assert all(not m.strong for m in short)
    assert best(detector, "pipsquaek").score > max((m.score for m in short), default=0.0)


def test_unrelated_and_exact_names_are_clean(detector: ts.Detector) -> None:
    assert detector.check("completely-different-thing") == []
    assert detector.check("frobnicate") == []
    assert detector.check("Frobnicate") == []
    assert detector.check("") == []


def test_popular_candidate_is_judged_by_rank_gap() -> None:
    detector = ts.Detector(POPULAR)
    assert detector.check("snakeoils") == []  # rank 100 vs 7: both popular, gap too small
    wide = ts.Config(popular_gap=10)
    matches = detector.check("snakeoils", wide)
    assert [m.target for m in matches] == ["snakeoil"]
    assert not matches[0].strong  # a popular project is never blocked by name


def test_popular_list_itself_is_never_strong() -> None:
    detector = ts.Detector(POPULAR)
    assert not any(m.strong for name in POPULAR for m in detector.check(name))


def test_check_names_and_json(detector: ts.Detector) -> None:
    clean, flagged = detector.check_names(["Completely_Different", "frobnciate"])
    assert clean.to_json() == {
        "name": "Completely_Different",
        "valid": True,
        "flagged": False,
        "targets": [],
        "transformation": None,
        "strength": None,
        "matches": [],
    }
    data = flagged.to_json()
    assert data["flagged"] is True
    assert data["targets"] == ["frobnicate"]
    assert data["transformation"] == ts.ADJACENT_SWAP
    assert data["strength"] == "strong"
    assert ts.check_names(["frobnciate"], detector)[0].flagged


@pytest.mark.parametrize("name", ["ré-quests", "two words", "-leading", "trailing.", "x\n", ""])
def test_a_name_pypi_could_not_hold_is_invalid_not_judged(detector: ts.Detector, name: str) -> None:
    (result,) = detector.check_names([name])
    assert (result.valid, result.flagged) == (False, False)
    assert result.to_json()["valid"] is False
    assert ts.is_project_name("A.b_c-1") and ts.is_project_name("x")


def test_related_targets(detector: ts.Detector) -> None:
    assert ts.related_targets("frobnciate", detector) == ("frobnicate",)
    assert detector.related_targets("completely-different") == ()


def test_osa_distance() -> None:
    assert ts.osa_distance("abcd", "abdc", 2) == 1
    assert ts.osa_distance("abcd", "abcd", 1) == 0
    assert ts.osa_distance("abcdef", "abxdey", 2) == 2
    assert ts.osa_distance("abcdef", "xyzdef", 2) == 3
    assert ts.osa_distance("ca", "abc", 3) == 3  # OSA, not unrestricted Damerau


def test_shipped_list_builds(detector: ts.Detector) -> None:
    shipped = ts.default_detector()
    assert len(shipped) > 10_000
    assert shipped.check(shipped_name := next(iter(ts.default_detector()._rank))) == []
    assert shipped.rank(shipped_name) == 1


def test_shipped_index_is_up_to_date() -> None:
    """``python benchmarks/build_typosquat_index.py`` rewrites it when this fails."""
    data = resources.files("guard.data")
    names = popular.parse_csv(data.joinpath(popular.FILENAME).read_text(encoding="utf-8"))
    built = ts.Detector(names, use_index=False)
    shipped = data.joinpath(ts.INDEX_FILE).read_text(encoding="ascii")
    # marshal's bytes depend on reference counts, so compare what they decode to.
    assert shipped.partition("\n")[0] == ts.index_text(built, names).partition("\n")[0]
    loaded = ts.Detector(names)
    assert shipped_state(ts.fingerprint(names, loaded.config)) is not None
    assert loaded.state() == built.state()
    assert loaded.check("pyhton") == built.check("pyhton")


def test_index_is_not_used_for_other_inputs() -> None:
    assert shipped_state(ts.fingerprint(POPULAR, ts.Config())) is None
    names = ts.default_detector()._rank
    assert shipped_state(ts.fingerprint(list(names), ts.Config(weak_score=3.0))) is None


# ----------------------------------------------------------------------------
# The rule

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def candidate(name: str) -> Candidate:
    return Candidate(
        name=NormalizedName(name),
        version=Version("1.0"),
        source=Source.INDEX,
        url=f"https://files.example/{name}-1.0.tar.gz",
        filename=f"{name}-1.0.tar.gz",
        sha256=None,
        requested=True,
    )


def project(
    name: str,
    *,
    users: tuple[str, ...] = (),
    organization: str | None = None,
    urls: tuple[tuple[str, str], ...] = (),
) -> Project:
    return Project(
        name=NormalizedName(name),
        display_name=name,
        project_urls=urls,
        ownership=Ownership(organization=organization, users=users),
    )


@pytest.fixture(scope="module")
def rule() -> TyposquatRule:
    built = ts.Detector(POPULAR)
    return TyposquatRule(
        lambda protect: ts.Detector(POPULAR, ts.Config(protected=protect)) if protect else built
    )


def context(*projects: Project, **thresholds: float) -> Context:
    return Context(
        now=NOW,
        projects={p.name: p for p in projects},
        thresholds={"typosquat": thresholds} if thresholds else {},
    )


def test_rule_shape() -> None:
    assert RULE.id == "typosquat"
    assert RULE.default_action is Action.BLOCK
    assert RULE.modes == frozenset({"install", "audit"})
    assert all(key == key.lower() and "_" not in key for key in RULE.defaults)


def test_rule_blocks_a_strong_match(rule: TyposquatRule) -> None:
    findings = list(rule.check(candidate("frobnciate"), project("frobnciate"), context()))
    assert len(findings) == 1
    finding = findings[0]
    assert finding.rule == "typosquat"
    assert not finding.weak
    assert "did you mean frobnicate?" in finding.message
    assert ts.ADJACENT_SWAP in finding.message
    assert ("target", "frobnicate") in finding.evidence


def test_rule_weak_match_is_weak(rule: TyposquatRule) -> None:
    (finding,) = rule.check(candidate("frobnicate-helper"), None, context())
    assert finding.weak
    assert ts.COMBOSQUAT in finding.message


def test_rule_thresholds_come_from_the_policy(rule: TyposquatRule) -> None:
    (finding,) = rule.check(candidate("frobnciate"), None, context(**{"strong-score": 99.0}))
    assert finding.weak
    assert not list(rule.check(candidate("frobnciate"), None, context(**{"weak-score": 99.0})))


def test_rule_clean_name(rule: TyposquatRule) -> None:
    assert not list(rule.check(candidate("completely-different"), None, context()))


def test_exempt_when_the_same_users_own_both(rule: TyposquatRule) -> None:
    mine = project("frobnciate", users=("alice", "bob"))
    target = project("frobnicate", users=("carol", "alice"))
    assert not list(rule.check(candidate("frobnciate"), mine, context(target)))


def test_exempt_when_the_same_organization_owns_both(rule: TyposquatRule) -> None:
    mine = project("frobnciate", organization="frob-org", users=("dave",))
    target = project("frobnicate", organization="frob-org", users=("erin",))
    assert not list(rule.check(candidate("frobnciate"), mine, context(target)))


def test_exempt_when_both_declare_the_same_repository(rule: TyposquatRule) -> None:
    mine = project("frobnciate", urls=(("Source", "https://www.GitHub.com/Frob/Frobnicate.git/"),))
    target = project("frobnicate", urls=(("Repository", "https://github.com/frob/frobnicate"),))
    assert not list(rule.check(candidate("frobnciate"), mine, context(target)))


def test_not_exempt_for_different_owners_and_repositories(rule: TyposquatRule) -> None:
    mine = project(
        "frobnciate",
        users=("mallory",),
        urls=(("Source", "https://github.com/mallory/frobnicate"),),
    )
    target = project(
        "frobnicate", users=("alice",), urls=(("Source", "https://github.com/frob/frobnicate"),)
    )
    (finding,) = rule.check(candidate("frobnciate"), mine, context(target))
    assert not finding.weak


def test_not_exempt_without_the_targets_metadata(rule: TyposquatRule) -> None:
    mine = project("frobnciate", users=("alice",))
    assert list(rule.check(candidate("frobnciate"), mine, context()))


def test_rule_protects_the_names_in_the_policy(rule: TyposquatRule) -> None:
    assert not list(rule.check(candidate("acme-biling"), None, context()))
    ctx = Context(now=NOW, thresholds={"typosquat": {"protect": ("acme-billing",)}})
    (finding,) = rule.check(candidate("acme-biling"), None, ctx)
    assert not finding.weak
    assert "acme-billing, a name your policy protects" in finding.message
    assert ("target-origin", "policy") in finding.evidence


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/Owner/Repo", "github.com/owner/repo"),
        ("https://www.github.com/owner/repo.git", "github.com/owner/repo"),
        ("http://github.com/owner/repo/", "github.com/owner/repo"),
        ("https://github.com/owner/repo/tree/main/docs", "github.com/owner/repo"),
        ("https://gitlab.com/Group/Project.git", "gitlab.com/group/project"),
        ("https://example.com/owner/repo", None),
        ("https://github.com/owner", None),
        ("not a url", None),
    ],
)
def test_repository_key(url: str, key: str | None) -> None:
    assert repo_key(url) == key
