"""Layered policies: extends by path and by URL (a loopback HTTP server), pins,
the offline cache, on-network-error, tightening and loosening, cycles."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest

from guard.errors import PolicyError
from guard.index.http import LazySession, make_session
from guard.models import Action, Candidate, Finding, Project
from guard.policy import layers
from guard.rules import RULES, Declared
from guard.rules.base import Context, Param, RuleBase

TEAM = """\
version = 1

[settings]
on-network-error = "block"

[rules.new-project]
min-age-days = 60

[rules.source-build]
allow-established = false

[rules.known-vulnerability]
action = "block"

[[allow]]
name = "acme-billing"
reason = "our own package"
rules = ["not-on-pypi"]

[[deny]]
name = "insecure-package"
reason = "a joke"
"""


class PolicyServer:
    """Serves policy files from a dict on 127.0.0.1; records every path asked for."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> PolicyServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                owner.requests.append(self.path)
                if self.path in owner.redirects:
                    self.send_response(302)
                    self.send_header("Location", owner.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = owner.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                payload = body if body is not None else b"not found"
                self.send_header("Content-Type", "application/toml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def serve(self, path: str, text: str) -> tuple[str, str]:
        """Serve ``text`` at ``path``; return its URL and sha256."""
        body = text.encode()
        self.files[path] = body
        return f"{self.url}{path}", hashlib.sha256(body).hexdigest()


@pytest.fixture
def server() -> Iterator[PolicyServer]:
    srv = PolicyServer().start()
    try:
        yield srv
    finally:
        srv.stop()


def session() -> LazySession:
    return make_session(pool_size=2, retries=0)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def resolve(path: Path, cache: Path) -> layers.LayeredPolicy:
    return layers.resolve_layers(path, session, cache, timeout=5)


def problems_of(path: Path, cache: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        resolve(path, cache)
    return info.value.problems


# --- extends by path ----------------------------------------------------------------


def test_single_file_is_one_layer(tmp_path: Path) -> None:
    project = write(tmp_path / "safepip.toml", "[rules.new-project]\nmin-age-days = 40\n")
    layered = resolve(project, tmp_path / "cache")
    assert layered.layers == (str(project),)
    assert layered.mapping == {"rules": {"new-project": {"min-age-days": 40}}}
    assert layered.source_of("rules.new-project.min-age-days") == str(project)
    assert layered.source_of("rules.new-project.action") == layers.BUILTIN


def test_relative_path_chain_merges_base_first_and_later_layers_win(tmp_path: Path) -> None:
    team = write(tmp_path / "team" / "policy.toml", TEAM)
    project = write(
        tmp_path / "app" / "safepip.toml",
        'extends = "../team/policy.toml"\n\n[rules.new-project]\nmin-age-days = 90\n'
        '[[deny]]\nname = "leftpad"\nreason = "no"\n',
    )
    layered = resolve(project, tmp_path / "cache")
    assert layered.layers == (str(team), str(project))
    rules = cast(dict[str, dict[str, object]], layered.mapping["rules"])
    assert rules["new-project"] == {"min-age-days": 90}
    assert rules["known-vulnerability"] == {"action": "block"}
    assert layered.source_of("rules.new-project.min-age-days") == str(project)
    assert layered.source_of("rules.known-vulnerability.action") == str(team)
    assert layered.source_of("allow[0]") == str(team)
    assert layered.source_of("deny[0]") == str(team)
    assert layered.source_of("deny[1]") == str(project)
    assert "extends" not in layered.mapping and "layering" not in layered.mapping
    policy, _ = layers.load(project, session, tmp_path / "cache", timeout=5)
    assert policy.rules["new-project"].thresholds["min-age-days"] == 90
    assert policy.action("known-vulnerability") is Action.BLOCK
    assert [d.name for d in policy.deny] == ["insecure-package", "leftpad"]
    assert str(project) in policy.source and str(team) in policy.source


def test_pyproject_tool_section_can_extend(tmp_path: Path) -> None:
    team = write(tmp_path / "team.toml", TEAM)
    pyproject = write(
        tmp_path / "app" / "pyproject.toml",
        '[project]\nname = "app"\n\n[tool.safepip]\nextends = { path = "../team.toml" }\n'
        "[tool.safepip.rules.new-release]\nmin-age-days = 10\n",
    )
    layered = resolve(pyproject, tmp_path / "cache")
    assert layered.layers == (str(team), f"{pyproject} [tool.safepip]")


def test_path_pin_is_checked(tmp_path: Path) -> None:
    write(tmp_path / "team.toml", TEAM)
    project = write(
        tmp_path / "safepip.toml", f'extends = {{ path = "team.toml", sha256 = "{"0" * 64}" }}\n'
    )
    (problem,) = problems_of(project, tmp_path / "cache")
    assert "sha256 mismatch" in problem and "0" * 64 in problem
    assert hashlib.sha256(TEAM.encode()).hexdigest() in problem


def test_missing_base_file_names_the_extending_file(tmp_path: Path) -> None:
    project = write(tmp_path / "safepip.toml", 'extends = "nowhere.toml"\n')
    (problem,) = problems_of(project, tmp_path / "cache")
    assert problem.startswith(f"{project}: extends: ") and "nowhere.toml" in problem


def test_cycle_is_an_error(tmp_path: Path) -> None:
    a = write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "./a.toml"\n')
    (problem,) = problems_of(a, tmp_path / "cache")
    assert "cycle" in problem and "a.toml -> " in problem and "b.toml" in problem


def test_self_extension_is_a_cycle(tmp_path: Path) -> None:
    a = write(tmp_path / "a.toml", 'extends = "a.toml"\n')
    assert "cycle" in problems_of(a, tmp_path / "cache")[0]


def test_depth_is_limited(tmp_path: Path) -> None:
    for i in range(layers.MAX_DEPTH + 1):
        write(tmp_path / f"p{i}.toml", f'extends = "p{i + 1}.toml"\n')
    write(tmp_path / f"p{layers.MAX_DEPTH + 1}.toml", "")
    (problem,) = problems_of(tmp_path / "p0.toml", tmp_path / "cache")
    assert f"more than {layers.MAX_DEPTH} layers" in problem


def test_every_problem_of_every_layer_at_once(tmp_path: Path) -> None:
    team = write(
        tmp_path / "team.toml",
        '[rules.new-project]\naction = "sometimes"\n[layering]\nallow-loosen = "yes"\nmode = 1\n',
    )
    project = write(
        tmp_path / "safepip.toml",
        'extends = "team.toml"\nbogus = 1\n[settings]\non-network-error = "maybe"\n',
    )
    problems = problems_of(project, tmp_path / "cache")
    text = "\n".join(problems)
    assert f"{team}: rules.new-project.action" in text
    assert f"{team}: layering.allow-loosen: must be true or false" in text
    assert f"{team}: layering.mode: unknown key" in text
    assert f"{project}: bogus: unknown key" in text
    assert f"{project}: settings.on-network-error" in text


@pytest.mark.parametrize(
    ("extends", "expected"),
    [
        ("1", "must be a path or URL string"),
        ('{ url = "https://x/p.toml", path = "p.toml" }', "exactly one of url or path"),
        ('{ url = "https://x/p.toml", sha256 = "abc" }', "sha256: must be 64 hexadecimal"),
        ('{ url = "https://x/p.toml", pin = "abc" }', "extends.pin: unknown key"),
        ('"http://example.com/p.toml"', "only https:// URLs"),
        ('"ftp://example.com/p.toml"', "only https:// URLs"),
    ],
)
def test_extends_syntax_errors(tmp_path: Path, extends: str, expected: str) -> None:
    project = write(tmp_path / "safepip.toml", f"extends = {extends}\n")
    problems = problems_of(project, tmp_path / "cache")
    assert any(expected in p and str(project) in p for p in problems), problems


def test_invalid_toml_names_the_layer(tmp_path: Path) -> None:
    team = write(tmp_path / "team.toml", "[rules\n")
    project = write(tmp_path / "safepip.toml", 'extends = "team.toml"\n')
    (problem,) = problems_of(project, tmp_path / "cache")
    assert problem.startswith(f"{team}: not valid TOML")


# --- tightening and loosening -------------------------------------------------------


def test_tightening_is_allowed(tmp_path: Path) -> None:
    write(tmp_path / "team.toml", TEAM + '[rules.new-release]\naction = "warn"\n')
    project = write(
        tmp_path / "safepip.toml",
        'extends = "team.toml"\n'
        '[settings]\non-network-error = "block"\n'
        '[rules.new-release]\naction = "block"\nmin-age-days = 14\n'
        "[rules.new-project]\nmin-age-days = 60\n"  # the same value: no change
        "[rules.source-build]\nallow-established = false\nestablished-releases = 10\n"
        '[[deny]]\nname = "requests2"\nreason = "typosquat of requests"\n'
        '[[allow]]\nname = "acme-billing"\nreason = "our own package"\nrules = ["not-on-pypi"]\n'
        "[layering]\nallow-loosen = false\n",
    )
    layered = resolve(project, tmp_path / "cache")
    assert layered.source_of("rules.new-release.action") == str(project)
    assert len(cast(list[object], layered.mapping["allow"])) == 2  # a repeated entry is no change


def test_loosening_is_refused_naming_each_key_and_file(tmp_path: Path) -> None:
    team = write(tmp_path / "team.toml", TEAM)
    project = write(
        tmp_path / "safepip.toml",
        'extends = "team.toml"\n'
        '[settings]\non-network-error = "warn"\npypi-url = "https://mirror.example.com"\n'
        '[rules.known-vulnerability]\naction = "warn"\n'
        '[rules.new-release]\naction = "ignore"\nmin-age-days = 1\n'
        "[rules.new-project]\nmin-age-days = 10\n"
        "[rules.source-build]\nallow-established = true\n"
        '[[allow]]\nname = "sketchy"\nreason = "I like it"\n'
        "[layering]\nallow-loosen = true\n",
    )
    problems = problems_of(project, tmp_path / "cache")
    loosened = {p.split(": ", 2)[1] for p in problems if p.startswith(f"{project}: ")}
    assert loosened == {
        "settings.on-network-error",
        "settings.pypi-url",
        "rules.known-vulnerability.action",
        "rules.new-release.action",
        "rules.new-release.min-age-days",
        "rules.new-project.min-age-days",
        "rules.source-build.allow-established",
        "allow",
        "layering.allow-loosen",
    }
    text = "\n".join(problems)
    assert f"10 loosens 60 (from {team})" in text
    assert "1 loosens 7 (from built-in default)" in text
    assert "an exception for sketchy" in text
    assert problems[-1].startswith(f"{team}: the team policy does not let later layers loosen")


def test_the_team_may_allow_loosening(tmp_path: Path) -> None:
    write(tmp_path / "team.toml", TEAM + "[layering]\nallow-loosen = true\n")
    project = write(
        tmp_path / "safepip.toml",
        'extends = "team.toml"\n[rules.new-project]\nmin-age-days = 10\n'
        '[[allow]]\nname = "sketchy"\nreason = "reviewed"\n',
    )
    layered = resolve(project, tmp_path / "cache")
    assert layered.allow_loosen
    rules = cast(dict[str, dict[str, object]], layered.mapping["rules"])
    assert rules["new-project"]["min-age-days"] == 10


def test_a_middle_layer_cannot_grant_loosening_the_base_forbids(tmp_path: Path) -> None:
    write(tmp_path / "org.toml", "[rules.new-project]\nmin-age-days = 60\n")
    team = write(tmp_path / "team.toml", 'extends = "org.toml"\n[layering]\nallow-loosen = true\n')
    project = write(
        tmp_path / "safepip.toml", 'extends = "team.toml"\n[rules.new-project]\nmin-age-days = 1\n'
    )
    problems = problems_of(project, tmp_path / "cache")
    assert any(p.startswith(f"{team}: layering.allow-loosen") for p in problems)
    assert any(p.startswith(f"{project}: rules.new-project.min-age-days") for p in problems)


class FutureRule(RuleBase):
    """A rule with a threshold whose direction layering cannot know."""

    id = "future-rule"
    summary = "a rule from the future"
    rationale = ""
    default_action = Action.WARN
    params = (Param("mystery", 5, "int"),)
    modes = frozenset({"install"})

    def check(self, candidate: Candidate, project: Project | None, ctx: Context) -> list[Finding]:
        return []


def test_a_threshold_of_unknown_direction_may_not_change(tmp_path: Path) -> None:
    rules: tuple[Declared, ...] = (*RULES, FutureRule())
    write(tmp_path / "team.toml", "")
    project = write(
        tmp_path / "safepip.toml", 'extends = "team.toml"\n[rules.future-rule]\nmystery = 6\n'
    )
    with pytest.raises(PolicyError) as info:
        layers.resolve_layers(project, session, tmp_path / "cache", rules=rules)
    assert "rules.future-rule.mystery: 6 loosens 5" in info.value.problems[0]
    assert "does not know which way is stricter" in info.value.problems[0]
    same = write(
        tmp_path / "same.toml", 'extends = "team.toml"\n[rules.future-rule]\nmystery = 5\n'
    )
    layers.resolve_layers(same, session, tmp_path / "cache", rules=rules)  # unchanged: fine


# Which way is stricter for every threshold, as layering had it in one table
# before the rules declared it themselves (Param.stricter): "true"/"false" are
# flags ("higher"/"lower" now), "superset"/"subset" lists ("more"/"fewer").
FORMER_DIRECTIONS = {
    ("source-build", "allow-established"): "false",
    ("source-build", "established-age-days"): "higher",
    ("source-build", "established-releases"): "higher",
    ("new-project", "min-age-days"): "higher",
    ("new-release", "min-age-days"): "higher",
    ("record-mismatch", "max-hash-mb"): "higher",
    ("install-hook", "known-hooks"): "subset",
    ("install-hook", "established-age-days"): "higher",
    ("install-hook", "established-releases"): "higher",
    ("stdlib-shadow", "warn-backports"): "true",
    ("stdlib-shadow", "established-age-days"): "higher",
    ("stdlib-shadow", "established-releases"): "higher",
    ("stdlib-shadow", "backports"): "subset",
    ("dormant-revival", "silence-days"): "lower",
    ("dormant-revival", "recent-days"): "higher",
    ("maintainers-changed", "block-partial"): "true",
    ("few-releases", "max-releases"): "higher",
    ("few-releases", "single-score"): "higher",
    ("few-releases", "few-score"): "higher",
    ("empty-description", "min-length"): "higher",
    ("empty-description", "score"): "higher",
    ("no-source-repo", "score"): "higher",
    ("suspicious-author-email", "score"): "higher",
    ("weak-signals", "block-score"): "lower",
    ("weak-signals", "very-young-days"): "higher",
    ("weak-signals", "very-young-score"): "higher",
    ("weak-signals", "young-days"): "higher",
    ("weak-signals", "young-score"): "higher",
    ("project-status", "block-statuses"): "superset",
    ("project-status", "ignore-statuses"): "subset",
    ("typosquat", "strong-score"): "lower",
    ("typosquat", "weak-score"): "lower",
    ("typosquat", "popular-gap"): "lower",
    ("typosquat", "protect"): "superset",
    ("typosquat", "established-releases"): "higher",
    ("typosquat", "established-days"): "higher",
    ("install-time-code", "block-score"): "lower",
    ("install-time-code", "warn-score"): "lower",
    ("install-time-code", "time-budget"): "higher",
    ("new-capability", "min-releases"): "lower",
    ("new-capability", "min-age-days"): "lower",
    ("known-malicious", "block-when-unavailable"): "true",
    ("dormant-revival", "established-releases"): "higher",
    ("dormant-revival", "established-days"): "higher",
    ("sdk-credentials", "popular-rank"): "lower",
    ("sdk-credentials", "established-releases"): "higher",
    ("sdk-credentials", "established-days"): "higher",
}
_RENAMED = {"true": "higher", "false": "lower", "superset": "more", "subset": "fewer"}


def test_every_known_threshold_has_a_direction() -> None:
    declared = {(rule.id, p.key): p.stricter for rule in RULES for p in rule.params}
    assert all(direction is not None for direction in declared.values())
    assert declared == {
        key: _RENAMED.get(direction, direction) for key, direction in FORMER_DIRECTIONS.items()
    }


# --- extends by URL --------------------------------------------------------------------


def test_url_layer_with_pin_is_fetched_cached_and_used_offline(
    server: PolicyServer, tmp_path: Path
) -> None:
    url, digest = server.serve("/team/policy.toml", TEAM)
    project = write(
        tmp_path / "safepip.toml",
        f'extends = {{ url = "{url}", sha256 = "{digest}" }}\n'
        "[rules.new-project]\nmin-age-days = 61\n",
    )
    cache = tmp_path / "cache"
    layered = resolve(project, cache)
    assert layered.layers == (url, str(project))
    assert layered.remote == frozenset({url})
    assert layered.source_of("rules.known-vulnerability.action") == url
    assert layered.source_of("rules.new-project.min-age-days") == str(project)
    cached = layers.cache_path(cache, url)
    assert cached == cache / "policies" / hashlib.sha256(url.encode()).hexdigest()
    assert cached.read_bytes() == TEAM.encode()
    assert server.requests == ["/team/policy.toml"]

    # Pinned and cached: the same bytes are used without asking again, even offline.
    server.stop()
    again = resolve(project, cache)
    assert again.mapping == layered.mapping and again.notes == ()
    assert server.requests == ["/team/policy.toml"]


def test_wrong_pin_is_an_error_naming_url_and_both_hashes(
    server: PolicyServer, tmp_path: Path
) -> None:
    url, digest = server.serve("/team.toml", TEAM)
    wrong = "ab" * 32
    project = write(
        tmp_path / "safepip.toml", f'extends = {{ url = "{url}", sha256 = "{wrong}" }}\n'
    )
    (problem,) = problems_of(project, tmp_path / "cache")
    assert url in problem and wrong in problem and digest in problem
    assert not layers.cache_path(tmp_path / "cache", url).exists()


def test_pinned_cache_with_other_bytes_is_not_used(server: PolicyServer, tmp_path: Path) -> None:
    url, digest = server.serve("/team.toml", TEAM)
    layers.cache_path(tmp_path / "cache", url).parent.mkdir(parents=True)
    layers.cache_path(tmp_path / "cache", url).write_text("[rules.yanked]\naction = 'ignore'\n")
    project = write(
        tmp_path / "safepip.toml", f'extends = {{ url = "{url}", sha256 = "{digest}" }}\n'
    )
    server.stop()
    problems = problems_of(project, tmp_path / "cache")
    assert "could not be fetched" in problems[0] and 'on-network-error is "block"' in problems[0]


def test_unpinned_url_falls_back_to_the_cache_with_a_note(
    server: PolicyServer, tmp_path: Path
) -> None:
    url, _ = server.serve("/team.toml", TEAM)
    project = write(tmp_path / "safepip.toml", f'extends = "{url}"\n')
    cache = tmp_path / "cache"
    first = resolve(project, cache)
    assert first.notes == ()
    server.stop()
    second = resolve(project, cache)
    assert second.mapping == first.mapping
    (note,) = second.notes
    assert url in note and "cached" in note


def test_unreachable_without_cache_blocks_by_default(server: PolicyServer, tmp_path: Path) -> None:
    url, digest = server.serve("/team.toml", TEAM)
    server.stop()
    project = write(
        tmp_path / "safepip.toml", f'extends = {{ url = "{url}", sha256 = "{digest}" }}\n'
    )
    (problem,) = problems_of(project, tmp_path / "cache")
    assert problem.startswith(f"{project}: extends: {url} could not be fetched")


def test_unreachable_with_warn_goes_on_without_the_layer(
    server: PolicyServer, tmp_path: Path
) -> None:
    url, _ = server.serve("/team.toml", TEAM)
    server.stop()
    project = write(
        tmp_path / "safepip.toml",
        f'extends = "{url}"\n[settings]\non-network-error = "warn"\n',
    )
    layered = resolve(project, tmp_path / "cache")
    assert layered.layers == (str(project),)
    (note,) = layered.notes
    assert url in note and "WITHOUT it" in note and 'on-network-error = "warn"' in note


def test_http_error_status_counts_as_unreachable(server: PolicyServer, tmp_path: Path) -> None:
    project = write(tmp_path / "safepip.toml", f'extends = "{server.url}/missing.toml"\n')
    (problem,) = problems_of(project, tmp_path / "cache")
    assert "HTTP 404" in problem


def test_url_layer_may_extend_a_relative_url_but_not_a_local_path(
    server: PolicyServer, tmp_path: Path
) -> None:
    org_url, _ = server.serve(
        "/org/base.toml", "[rules.new-release]\nmin-age-days = 5\n[layering]\nallow-loosen = true\n"
    )
    team_url, _ = server.serve("/org/team.toml", 'extends = "base.toml"\n' + TEAM)
    project = write(tmp_path / "safepip.toml", f'extends = "{team_url}"\n')
    layered = resolve(project, tmp_path / "cache")
    assert layered.layers == (org_url, team_url, str(project))

    server.serve("/evil.toml", 'extends = { path = "/etc/safepip.toml" }\n')
    other = write(tmp_path / "other.toml", f'extends = "{server.url}/evil.toml"\n')
    problems = problems_of(other, tmp_path / "cache")
    assert "may only extend a URL" in problems[0]


def test_redirect_to_plain_http_elsewhere_is_refused(server: PolicyServer, tmp_path: Path) -> None:
    server.redirects["/team.toml"] = "http://policies.example.com/team.toml"
    project = write(tmp_path / "safepip.toml", f'extends = "{server.url}/team.toml"\n')
    (problem,) = problems_of(project, tmp_path / "cache")
    assert "only https:// URLs" in problem and "redirects" in problem


def test_redirect_within_loopback_is_followed(server: PolicyServer, tmp_path: Path) -> None:
    server.serve("/v2/team.toml", TEAM)
    server.redirects["/team.toml"] = "/v2/team.toml"
    project = write(tmp_path / "safepip.toml", f'extends = "{server.url}/team.toml"\n')
    resolve(project, tmp_path / "cache")
    assert server.requests == ["/team.toml", "/v2/team.toml"]


def test_url_layer_problems_are_named_by_url(server: PolicyServer, tmp_path: Path) -> None:
    url, _ = server.serve("/team.toml", "[rules.nonsense]\naction = 'block'\n")
    project = write(tmp_path / "safepip.toml", f'extends = "{url}"\n')
    (problem,) = problems_of(project, tmp_path / "cache")
    assert problem.startswith(f"{url}: rules.nonsense: unknown rule")


def test_passwords_in_urls_are_not_shown() -> None:
    shown = layers.display_url("https://me:s3cret@policies.example.com:8443/team.toml")
    assert shown == "https://me:***@policies.example.com:8443/team.toml"


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo", "dir", "big"])
def test_extends_reads_only_capped_regular_files(tmp_path: Path, special: str) -> None:
    targets = {"fifo": tmp_path / "fifo", "dir": tmp_path / "dir", "big": tmp_path / "big.toml"}
    target = targets.get(special, Path(special))
    if special == "fifo":
        os.mkfifo(target)
    elif special == "dir":
        target.mkdir()
    elif special == "big":
        target.write_text("# padding\n" * 200_000, encoding="utf-8")
    policy_file = tmp_path / "safepip.toml"
    policy_file.write_text(f'version = 1\nextends = "{target}"\n', encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        layers.load(policy_file)
    expected = "larger than" if special == "big" else "not a regular file"
    assert any(str(target) in p and expected in p for p in caught.value.problems), caught.value
