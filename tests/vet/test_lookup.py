"""Look-ups into a new Known: what is asked, what is taken from the prefetch, how a
failure follows the policy, and what the sightings keep for the history."""

from __future__ import annotations

from dataclasses import replace

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.errors import IndexError_
from guard.models import Candidate, Source
from guard.policy import model as policy
from guard.vet.lookup import Lookup, Sightings
from guard.vet.model import Known
from tests.vet.fakes import FakeIndex, established, wheel

DEMO = canonicalize_name("demo")


def test_known_names_are_not_asked_again_and_prefetched_ones_are_taken() -> None:
    demo, other = established(wheel("demo", "1.0")), established(wheel("other", "1.0"))
    index = FakeIndex([demo, other])
    sightings = Sightings()
    lookup = Lookup(index, policy.builtin(), sightings)
    known = lookup.names(Known(), ["Demo"], prefetched={other.name: other})
    assert index.asked == [(DEMO, False)]
    known = lookup.names(known, ["demo", "other"], prefetched={other.name: other})
    assert index.asked == [(DEMO, False)]  # demo known, other prefetched
    assert known.found() == {DEMO: demo, other.name: other}
    assert sightings.projects() == known.found()


def test_revalidate_asks_again() -> None:
    index = FakeIndex([established(wheel("demo", "1.0"))])
    lookup = Lookup(index, policy.builtin(), Sightings())
    known = lookup.names(Known(), ["demo"])
    lookup.names(known, ["demo"], revalidate=True)
    assert index.asked == [(DEMO, False), (DEMO, True)]


def test_a_failed_look_up_blocks_by_default() -> None:
    lookup = Lookup(FakeIndex([], failing=["demo"]), policy.builtin(), Sightings())
    with pytest.raises(IndexError_, match="could not look up demo: demo: HTTP 503"):
        lookup.names(Known(), ["demo"])


def test_a_failed_look_up_is_kept_when_the_policy_lets_it_through() -> None:
    warn = replace(policy.builtin(), on_network_error="warn")
    sightings = Sightings()
    lookup = Lookup(FakeIndex([], failing=["demo"]), warn, sightings)
    known = lookup.names(Known(), ["demo"])
    assert known.projects == {DEMO: None}
    assert known.failed == {DEMO: "demo: HTTP 503"}
    assert sightings.projects() == {}


def test_stale_projects_are_revalidated() -> None:
    old, new = wheel("demo", "1.0"), wheel("demo", "2.0")
    index = FakeIndex([established(old)])
    lookup = Lookup(index, policy.builtin(), Sightings())
    known = lookup.names(Known(), ["demo"])
    index.projects[DEMO] = established(new)
    listed = Candidate(DEMO, Version("1.0"), Source.INDEX, old.url, old.filename, None)
    assert lookup.refresh_stale(known, [listed]) is known
    unlisted = Candidate(DEMO, Version("2.0"), Source.INDEX, new.url, new.filename, None)
    refreshed = lookup.refresh_stale(known, [unlisted])
    assert index.asked[-1] == (DEMO, True)
    project = refreshed.get(DEMO)
    assert project is not None and project.file(new.filename) is not None


def test_look_alikes_bring_their_targets() -> None:
    index = FakeIndex([])
    Lookup(index, policy.builtin(), Sightings()).with_targets(Known(), ["reqeusts"])
    assert [name for name, _ in index.asked] == ["reqeusts", "requests"]
