"""The shipped repository map read lazily gives what a full parse gives, and a
text of another layout, a hand-edited order or a broken entry is still safe."""

from __future__ import annotations

import json
from importlib import resources

from guard.rules.repo_table import LineTable, lazy_tables
from guard.rules.repository import DATA_FILE, parse_repo_data, shipped_repos


def _shipped_text() -> str:
    return resources.files("guard.data").joinpath(DATA_FILE).read_text(encoding="utf-8")


def test_every_shipped_entry_reads_as_the_full_parse_reads_it() -> None:
    text = _shipped_text()
    document = json.loads(text)
    lazy = lazy_tables(text)
    assert lazy is not None
    meta, tables = lazy
    assert meta["source"] == document["source"] and meta["generated"] == document["generated"]
    for name in ("repos", "owners", "cores"):
        assert len(tables[name]) == len(document[name])
        assert set(tables[name]) == set(document[name])
        for key, value in document[name].items():
            assert tables[name][key] == value
        assert tables[name].get("no-such-entry/at/all") is None


def test_the_shipped_map_answers_as_the_parsed_one() -> None:
    full = parse_repo_data(json.loads(_shipped_text()))
    lazy = shipped_repos()
    for key in ("github.com/psf/requests", "github.com/pallets/flask", "gitlab.com/x/nothing"):
        assert lazy.claimants(key) == full.claimants(key)
        assert lazy.same_path(key) == full.same_path(key)
        assert lazy.same_name(key) == full.same_name(key)
    assert lazy.claimants("github.com/psf/requests")


def test_unsorted_lines_are_still_found_and_broken_entries_are_absent() -> None:
    table = LineTable(['"b/b":["bee"],', '"a/a":["ay"],', '"c/c":[broken,'])
    assert table["a/a"] == ["ay"] and table["b/b"] == ["bee"]
    assert table.get("c/c") is None


def test_another_layout_is_left_to_the_full_parse() -> None:
    compact = json.dumps({"source": "s", "repos": {"a/b": ["x"]}, "owners": {}, "cores": {}})
    assert lazy_tables(compact) is None
    assert lazy_tables('{"repos":{\n"a/b":["x"]\n}}') is None  # no owners or cores table
