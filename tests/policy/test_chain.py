"""Collecting a chain of layers: URLs are asked of the Fetch the caller gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.errors import PolicyError
from guard.index.policies import FetchFailed
from guard.policy.chain import collect
from guard.rules import RULES


class FakeFetch:
    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies
        self.asked: list[tuple[str, str]] = []

    def get(self, url: str, sha256: str = "") -> tuple[bytes, str]:
        self.asked.append((url, sha256))
        if url not in self.bodies:
            raise FetchFailed("HTTP 404")
        return self.bodies[url], ""


def test_a_url_layer_comes_from_the_fetch(tmp_path: Path) -> None:
    url = "https://policies.example/team.toml"
    project = tmp_path / "safepip.toml"
    project.write_text(f'extends = "{url}"\n', encoding="utf-8")
    fetch = FakeFetch({url: b"[rules.new-project]\nmin-age-days = 60\n"})
    layers, notes, problems = collect(project, fetch, RULES)
    assert [layer.source for layer in layers] == [str(project), url]
    assert layers[1].remote
    assert fetch.asked == [(url, "")]
    assert notes == [] and problems == []


def test_an_unreachable_layer_blocks_unless_the_extender_says_warn(tmp_path: Path) -> None:
    url = "https://policies.example/gone.toml"
    project = tmp_path / "safepip.toml"
    project.write_text(f'extends = "{url}"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="could not be fetched"):
        collect(project, FakeFetch({}), RULES)
    project.write_text(
        f'extends = "{url}"\n[settings]\non-network-error = "warn"\n', encoding="utf-8"
    )
    layers, notes, _ = collect(project, FakeFetch({}), RULES)
    assert len(layers) == 1
    assert "going on WITHOUT it" in notes[0]
