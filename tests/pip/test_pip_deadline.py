"""pip's own index access under the run's deadline: pip gets ``--timeout`` and
``--retries``, and a pip stuck on a slow index is killed when the deadline
passes, with an error that names the index."""

from __future__ import annotations

import time

import pytest

from guard.deadline import Deadline
from guard.errors import DeadlineError
from guard.pip.worker import PIP_RETRIES, PIP_TIMEOUT, PipWorker
from tests.fakepypi import MakeVenv
from tests.faultproxy import FaultProxy

DRY_RUN = ["install", "--dry-run", "--quiet", "--report", "-", "alpha"]


def worker_without_process(deadline: Deadline, timeout: float = 15.0) -> PipWorker:
    worker = PipWorker.__new__(PipWorker)  # no pip process: only the arguments are looked at
    worker.env = {"PIP_INDEX_URL": "http://127.0.0.1:1/simple/"}
    worker.deadline, worker.timeout = Deadline.never(), None
    worker.limit(deadline, timeout)
    return worker


def test_pip_gets_a_timeout_within_the_deadline_and_few_retries() -> None:
    args, wait = worker_without_process(Deadline.begin(100), 15)._bounded(DRY_RUN)
    assert args == ["install", "--timeout", "15.0", "--retries", str(PIP_RETRIES), *DRY_RUN[1:]]
    assert 99 < wait <= 100


def test_a_nearly_spent_deadline_shortens_pip_timeout() -> None:
    args, wait = worker_without_process(Deadline.begin(3), 15)._bounded(DRY_RUN)
    assert float(args[args.index("--timeout") + 1]) <= 3
    assert wait <= 3


def test_the_users_own_timeout_comes_later_and_wins() -> None:
    args, _ = worker_without_process(Deadline.begin(100))._bounded(
        ["install", "--timeout", "60", "alpha"]
    )
    assert args.index("--timeout") < args.index("60") and args[-3:] == ["--timeout", "60", "alpha"]


def test_an_install_from_local_files_only_is_not_cut_short() -> None:
    local = ["install", "--no-deps", "--require-hashes", "--no-index", "-r", "pins.txt"]
    assert worker_without_process(Deadline.begin(5))._bounded(local) == (local, PIP_TIMEOUT)


def test_a_passed_deadline_runs_no_pip_command() -> None:
    ticks = iter([0.0, 9.0, 9.0, 9.0])
    worker = worker_without_process(Deadline.begin(5, clock=lambda: next(ticks)))
    with pytest.raises(DeadlineError, match=r"passed before pip was working out .*127\.0\.0\.1:1"):
        worker._bounded(DRY_RUN)


def test_pip_stuck_on_a_stalled_index_is_killed_at_the_deadline(
    make_venv: MakeVenv, pip_env: dict[str, str]
) -> None:
    with FaultProxy() as proxy:
        proxy.fault("/simple/", "stall")
        index = f"{proxy.url}/simple/"
        worker = PipWorker(str(make_venv()), env={**pip_env, "PIP_INDEX_URL": index})
        assert worker.running
        worker.limit(Deadline.begin(4), 15)
        start = time.monotonic()
        with pytest.raises(DeadlineError) as caught:
            worker.capture(DRY_RUN)
        took = time.monotonic() - start
    assert took < 8
    assert f"pip was working out what to install (index: {index})" in str(caught.value)
    assert not worker.running
    assert any(hit.startswith("/simple/alpha") for hit in proxy.hits)


def test_the_index_is_named_without_its_password() -> None:
    worker = worker_without_process(Deadline.begin(5, clock=iter([0.0, 9.0, 9.0]).__next__))
    worker.env = {"PIP_INDEX_URL": "https://ci:s3cret@pypi.example/simple/"}
    with pytest.raises(DeadlineError) as caught:
        worker._bounded(DRY_RUN)
    assert "https://ci:***@pypi.example/simple/" in str(caught.value)
    assert "s3cret" not in str(caught.value)
