"""End to end: ``safepip audit`` on real venvs built in the test, against the
loopback PyPI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_install_e2e import established, findings, report, safepip
from tests.fakepypi import FakePyPI, MakeVenv, site_packages


def test_fresh_venv_audits_clean(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha", requires=["beta"])
    established(fake_pypi, "beta")
    python = make_venv()
    assert safepip(["--python", str(python), "install", "alpha"], pip_env, tmp_path).returncode == 0

    proc = safepip(["--format", "json", "audit", str(python.parent.parent)], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = report(proc)
    assert doc["decision"] == "allow"
    assert {p["name"] for p in doc["packages"]} == {"alpha", "beta"}


def test_tampered_venv_is_reported_and_blocks(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
) -> None:
    established(fake_pypi, "alpha")
    established(fake_pypi, "reqeusts")  # a look-alike of a popular name
    python = make_venv()
    assert safepip(["--python", str(python), "install", "alpha"], pip_env, tmp_path).returncode == 0
    # safepip would refuse the look-alike, so plain pip puts it there, as if by hand.
    plain = [sys.executable, "-m", "pip", "--python", str(python), "install", "reqeusts"]
    subprocess.run(plain, env=pip_env, capture_output=True, check=True, timeout=120)
    site = site_packages(python)
    marker = tmp_path / "pth-ran"
    (site / "zz_evil.pth").write_text(f"import os; open({str(marker)!r}, 'w').write('x')\n")
    init = site / "alpha" / "__init__.py"
    init.write_text(init.read_text() + "\nimport os  # planted\n")

    proc = safepip(["--python", str(python), "--format=json", "audit"], pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = report(proc)
    assert doc["decision"] == "block"
    assert "record-mismatch" in findings(doc, "alpha")
    assert "pth-code" in findings(doc, "zz_evil.pth")
    assert "typosquat" in findings(doc, "reqeusts")
    # The audit never started the environment's interpreter with site: the
    # planted .pth did not run.
    assert not marker.exists()
    assert "zz_evil.pth" in json.dumps(doc)
