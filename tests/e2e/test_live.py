"""Against the real PyPI: off by default, run with ``python -m pytest -m live``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakepypi import MakeVenv, installed

pytestmark = pytest.mark.live


def live_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "SAFEPIP_POLICY"}}
    env.pop("SAFEPIP_PYPI_URL", None)
    env["SAFEPIP_CACHE_DIR"] = str(tmp_path / "cache")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guard", *args],
        env=live_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_requests_installs_with_its_dependencies_vetted(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    python = make_venv()
    proc = run(["--python", str(python), "--format", "json", "install", "requests"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    names = {p["name"] for p in doc["packages"]}
    assert {"requests", "urllib3", "idna", "certifi", "charset-normalizer"} <= names
    assert doc["installed"] is True
    assert names <= installed(python)


def test_removed_typosquat_blocks(make_venv: MakeVenv, tmp_path: Path) -> None:
    python = make_venv()
    proc = run(["--python", str(python), "--format", "json", "install", "reqeusts"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["decision"] == "block"
    assert installed(python) == set()
