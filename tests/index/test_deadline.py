"""The run's deadline on every HTTP request: a server that stalls, dribbles,
or asks to be retried in an hour cannot hold a run past it, and the error names
the URL that was slow. Faults come from the loopback fault proxy."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from guard.deadline import Deadline
from guard.errors import ArtifactError, DeadlineError, IndexError_
from guard.index import artifacts, http, transport
from guard.index.cache import Cache
from guard.index.policies import FetchFailed, fetch_policy
from guard.index.pypi import PyPIClient
from tests.fakepypi import FakePyPI
from tests.faultproxy import Fault, FaultProxy, gzip_bomb, refused_url

OLD = datetime.now(UTC) - timedelta(days=800)


@pytest.fixture
def proxy(fake_pypi: FakePyPI) -> Iterator[FaultProxy]:
    fake_pypi.add_release("alpha", "1.0", upload_time=OLD)
    with FaultProxy(fake_pypi.url) as proxy:
        yield proxy


def client(base: str, deadline: Deadline | None, timeout: float = 5.0) -> PyPIClient:
    return PyPIClient(base, http.make_session(), None, timeout, deadline)


def timed_error(call: object, kind: type[Exception]) -> tuple[str, float]:
    start = time.monotonic()
    with pytest.raises(kind) as caught:
        call()  # type: ignore[operator]
    return str(caught.value), time.monotonic() - start


def test_relayed_answers_still_work(proxy: FaultProxy) -> None:
    found = client(proxy.url, Deadline.begin(20)).project("alpha")
    assert found is not None and found.name == "alpha"


def test_stalled_json_api_ends_at_the_deadline_naming_the_url(proxy: FaultProxy) -> None:
    proxy.fault("/pypi/", "stall")
    look = client(proxy.url, Deadline.begin(1.5))
    message, took = timed_error(lambda: look.project("alpha"), DeadlineError)
    assert 1.4 < took < 4
    assert "deadline (1.5 s) passed while fetching" in message
    assert f"{proxy.url}/pypi/alpha/json" in message
    assert "nothing was installed" in message


def test_a_dribbling_body_counts_against_the_deadline(proxy: FaultProxy) -> None:
    # each byte comes well within the per-read timeout: only the wall clock stops it
    proxy.fault("/pypi/", "dribble", interval=0.2)
    look = client(proxy.url, Deadline.begin(2), timeout=5)
    message, took = timed_error(lambda: look.project("alpha"), DeadlineError)
    assert took < 4
    assert "/pypi/alpha/json" in message


def test_dribbled_headers_count_against_the_deadline(proxy: FaultProxy) -> None:
    proxy.fault("/pypi/", "dribble", interval=0.2, headers=True)
    look = client(proxy.url, Deadline.begin(2), timeout=5)
    _, took = timed_error(lambda: look.project("alpha"), DeadlineError)
    assert took < 4


def test_without_a_deadline_a_dribbling_answer_still_ends(proxy: FaultProxy) -> None:
    """A whole answer gets WHOLE_ANSWER_FACTOR timeouts: a network error, not a hang."""
    proxy.fault("/pypi/", "dribble", interval=0.1)
    look = client(proxy.url, None, timeout=0.5)
    message, took = timed_error(lambda: look.project("alpha"), IndexError_)
    assert took < 2 + 2
    assert "no complete answer within 2 s" in message


def test_retry_after_of_an_hour_is_not_waited_for(proxy: FaultProxy) -> None:
    proxy.fault("/pypi/", "status", status=503, retry_after="3600")
    look = client(proxy.url, Deadline.begin(2))
    message, took = timed_error(lambda: look.project("alpha"), DeadlineError)
    assert took < 4
    assert "/pypi/alpha/json" in message


def test_retry_after_is_capped_and_the_answer_is_an_error(
    proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "RETRY_AFTER_CAP", 0.2)
    proxy.fault("/pypi/", "status", status=429, retry_after="3600")
    look = client(proxy.url, Deadline.begin(30))
    message, took = timed_error(lambda: look.project("alpha"), IndexError_)
    assert took < 3
    assert "HTTP 429" in message
    assert proxy.hits.count("/pypi/alpha/json") == 1 + http.RETRIES


def test_a_short_retry_after_is_honoured(proxy: FaultProxy) -> None:
    proxy.fault("/pypi/", "status", status=503, retry_after="1", times=1)
    start = time.monotonic()
    found = client(proxy.url, Deadline.begin(20)).project("alpha")
    assert found is not None
    assert time.monotonic() - start >= 0.9


def test_503_without_retry_after_is_retried_then_an_error(proxy: FaultProxy) -> None:
    proxy.fault("/pypi/", "status", status=503)
    message, took = timed_error(
        lambda: client(proxy.url, Deadline.begin(20)).project("alpha"), IndexError_
    )
    assert "HTTP 503" in message and took < 5


@pytest.mark.parametrize("kind", ["reset", "truncated"])
def test_broken_answers_are_index_errors_not_deadlines(proxy: FaultProxy, kind: str) -> None:
    proxy.fault("/pypi/", kind)
    with pytest.raises(IndexError_) as caught:
        client(proxy.url, Deadline.begin(20)).project("alpha")
    assert not isinstance(caught.value, DeadlineError)


def test_refused_connection_is_an_index_error() -> None:
    with pytest.raises(IndexError_, match="ConnectionError"):
        client(refused_url(), Deadline.begin(20)).project("alpha")


def test_a_passed_deadline_stops_the_next_request_before_it_starts(proxy: FaultProxy) -> None:
    ticks = iter([0.0, 10.0, 10.0, 10.0])
    deadline = Deadline.begin(5, clock=lambda: next(ticks))
    with pytest.raises(DeadlineError, match="passed before fetching"):
        client(proxy.url, deadline).project("alpha")
    assert proxy.hits == []


def test_look_up_with_warn_does_not_swallow_the_deadline(proxy: FaultProxy) -> None:
    proxy.fault("/pypi/", "stall")
    look = client(proxy.url, Deadline.begin(1))
    with pytest.raises(DeadlineError):
        look.look_up(["alpha", "beta"], block_on_error=False)


def test_a_dribbling_download_ends_at_the_deadline_and_leaves_no_file(
    fake_pypi: FakePyPI, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.fault("/files/", "dribble", interval=0.2)
    art = fake_pypi.files("alpha")[0]
    want = artifacts.Wanted(f"{proxy.url}/files/{art.filename}", art.sha256, art.filename)
    cache = Cache(tmp_path / "cache")
    fetch = lambda: artifacts.fetch_all(  # noqa: E731
        [want], cache, http.make_session(), 5.0, Deadline.begin(1.5)
    )
    message, took = timed_error(fetch, DeadlineError)
    assert took < 4 and f"/files/{art.filename}" in message
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_a_failed_download_is_still_an_artifact_error(proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.fault("/files/", "reset")
    want = artifacts.Wanted(f"{proxy.url}/files/x.whl", "0" * 64, "x.whl")
    with pytest.raises(ArtifactError):
        artifacts.fetch_all([want], Cache(tmp_path), http.make_session(), 5.0, Deadline.begin(20))


def test_a_stalled_policy_url_ends_at_the_deadline(proxy: FaultProxy) -> None:
    proxy.fault("/team/", "stall")
    url = f"{proxy.url}/team/policy.toml"
    fetch = lambda: fetch_policy(http.make_session(), url, 5.0, Deadline.begin(1.5))  # noqa: E731
    message, took = timed_error(fetch, DeadlineError)
    assert took < 4 and url in message


def test_a_policy_redirect_loop_is_a_fetch_failure(proxy: FaultProxy) -> None:
    url = f"{proxy.url}/team/policy.toml"
    proxy.fault("/team/", "redirect", location=url)
    with pytest.raises(FetchFailed, match="redirects"):
        fetch_policy(http.make_session(), url, 5.0, Deadline.begin(20))


def test_a_policy_redirect_to_a_stall_ends_at_the_deadline(proxy: FaultProxy) -> None:
    url = f"{proxy.url}/team/policy.toml"
    proxy.fault("/team/", "redirect", location=f"{proxy.url}/slow/policy.toml")
    proxy.fault("/slow/", "stall")
    fetch = lambda: fetch_policy(http.make_session(), url, 5.0, Deadline.begin(1.5))  # noqa: E731
    message, took = timed_error(fetch, DeadlineError)
    assert took < 4 and url in message


def test_a_compression_bomb_is_refused_without_inflating_it(proxy: FaultProxy) -> None:
    proxy.fault("/pypi/", "bomb")
    gzip_bomb(Fault("bomb").size)  # made before the clock starts
    started = time.monotonic()
    with pytest.raises(IndexError_, match="larger than"):
        client(proxy.url, Deadline.begin(30)).project("alpha")
    assert time.monotonic() - started < 20


def test_json_of_the_wrong_shape_is_an_index_error(proxy: FaultProxy) -> None:
    proxy.fault("/pypi/", "shape")
    with pytest.raises(IndexError_):
        client(proxy.url, Deadline.begin(30)).project("alpha")
