"""End to end under faults: with ``--deadline 5``, a JSON API, simple index,
file server or policy URL that stalls, dribbles or asks to be retried in an
hour ends the run with exit 2 well within 30 s, nothing installed, and a
message that names what was slow."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from guard.cli.common import run_deadline
from guard.errors import UsageError
from tests.fakepypi import FakePyPI, MakeVenv, installed
from tests.faultproxy import FaultProxy

OLD = datetime.now(UTC) - timedelta(days=800)
DEADLINE = 5
BOUND = 30  # seconds: the whole run, safepip's and pip's start included


@pytest.fixture
def proxy(fake_pypi: FakePyPI) -> Iterator[FaultProxy]:
    for version in ("0.9", "1.0"):
        fake_pypi.add_release(
            "alpha",
            version,
            upload_time=OLD,
            description="alpha: a well-documented, long-lived project.",
            project_urls={"Source": "https://github.com/example-org/alpha"},
        )
    with FaultProxy(fake_pypi.url) as proxy:
        yield proxy


def run_install(
    env: dict[str, str], cwd: Path, python: Path, *own: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "guard", "--python", str(python), *own, "install", "alpha"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc, time.monotonic() - start


def assert_deadline(
    proc: subprocess.CompletedProcess[str], took: float, python: Path, slow: str
) -> None:
    assert proc.returncode == 2, proc.stderr
    assert took < BOUND
    assert f"safepip: error: the run's deadline ({DEADLINE} s) passed while" in proc.stderr
    assert slow in proc.stderr
    assert "nothing was installed" in proc.stderr
    assert installed(python) == set()


def test_a_stalled_json_api(
    proxy: FaultProxy, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    proxy.fault("/pypi/", "stall")
    env = {**pip_env, "SAFEPIP_PYPI_URL": proxy.url, "SAFEPIP_DEADLINE": str(DEADLINE)}
    python = make_venv()
    proc, took = run_install(env, tmp_path, python)
    assert_deadline(proc, took, python, f"fetching {proxy.url}/pypi/alpha/json")


def test_a_json_api_asking_for_an_hour(
    proxy: FaultProxy, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    proxy.fault("/pypi/", "status", status=503, retry_after="3600")
    env = {**pip_env, "SAFEPIP_PYPI_URL": proxy.url}
    python = make_venv()
    proc, took = run_install(env, tmp_path, python, "--deadline", str(DEADLINE))
    assert_deadline(proc, took, python, f"fetching {proxy.url}/pypi/alpha/json")


def test_a_stalled_simple_index_stops_pip(
    proxy: FaultProxy, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    proxy.fault("/simple/", "stall")
    index = f"{proxy.url}/simple/"
    env = {**pip_env, "PIP_INDEX_URL": index}
    python = make_venv()
    proc, took = run_install(env, tmp_path, python, f"--deadline={DEADLINE}")
    assert_deadline(proc, took, python, f"pip was working out what to install (index: {index})")


def test_a_dribbling_file_server(
    proxy: FaultProxy, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    proxy.fault("/files/", "dribble", interval=0.5, agent="safepip/")
    env = {**pip_env, "SAFEPIP_PYPI_URL": proxy.url, "PIP_INDEX_URL": f"{proxy.url}/simple/"}
    python = make_venv()
    proc, took = run_install(env, tmp_path, python, "--deadline", str(DEADLINE))
    assert_deadline(proc, took, python, f"fetching {proxy.url}/files/alpha-1.0-")


def test_a_stalled_policy_url(
    proxy: FaultProxy, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    proxy.fault("/team/", "stall")
    url = f"{proxy.url}/team/policy.toml"
    (tmp_path / "safepip.toml").write_text(f'version = 1\nextends = "{url}"\n', encoding="utf-8")
    python = make_venv()
    proc, took = run_install(pip_env, tmp_path, python, "--deadline", str(DEADLINE))
    assert_deadline(proc, took, python, f"fetching {url}")
    assert not any(hit.startswith("/pypi/") for hit in proxy.hits)


@pytest.mark.parametrize(
    ("flag", "env", "seconds"),
    [(None, None, 600.0), ("5", "99", 5.0), (None, "7.5", 7.5), ("0", None, math.inf)],
)
def test_the_deadline_comes_from_the_flag_then_the_environment(
    monkeypatch: pytest.MonkeyPatch, flag: str | None, env: str | None, seconds: float
) -> None:
    monkeypatch.delenv("SAFEPIP_DEADLINE", raising=False)
    if env is not None:
        monkeypatch.setenv("SAFEPIP_DEADLINE", env)
    own: dict[str, str | bool] = {} if flag is None else {"deadline": flag}
    assert run_deadline(own).seconds == seconds


@pytest.mark.parametrize("bad", ["soon", "-1", "inf", "nan"])
def test_a_bad_deadline_is_a_usage_error(bad: str) -> None:
    with pytest.raises(
        UsageError, match=r"--deadline must be a number of seconds \(0: no deadline\)"
    ):
        run_deadline({"deadline": bad})
