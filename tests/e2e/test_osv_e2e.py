"""End to end: OSV's malware reports and vulnerabilities (the loopback OSV), in
``safepip install`` / ``check`` and in ``safepip audit`` (which also blocks a
yanked release and one the index no longer lists)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.conftest import UNREACHABLE_OSV
from tests.e2e.test_install_e2e import established, findings, report, safepip
from tests.fakeosv import FakeOSV
from tests.fakepypi import FakePyPI, MakeVenv, installed


def _json(args: list[str]) -> list[str]:
    return ["--format", "json", *args]


def blocking(doc: dict[str, Any], name: str) -> set[str]:
    """The rules that block ``name`` in a JSON report."""
    [package] = [p for p in doc["packages"] if p["name"] == name]
    return {f["rule"] for f in package["findings"] if f["action"] == "block"}


def test_a_release_with_a_mal_advisory_is_blocked_and_not_installed(
    fake_pypi: FakePyPI,
    fake_osv: FakeOSV,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
) -> None:
    established(fake_pypi, "alpha", requires=["beta"])
    established(fake_pypi, "beta")
    fake_osv.add("MAL-2025-42", "beta", ["1.0"], summary="Malicious code in beta (PyPI)")
    (tmp_path / "safepip.toml").write_text(
        'version = 1\n[[allow]]\nname = "beta"\nreason = "we trust beta"\n'
    )
    python = make_venv()

    proc = safepip(["--python", str(python), *_json(["install", "alpha"])], pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = report(proc)
    assert findings(doc, "beta") == {"known-malicious"}  # the name's allow entry waives nothing
    assert findings(doc, "alpha") == set()
    assert "MAL-2025-42" in proc.stdout
    assert installed(python) == set()
    # One query for both releases.
    [batch] = fake_osv.batches
    assert sorted(batch.queries) == [("alpha", "1.0", ""), ("beta", "1.0", "")]


def test_an_unreachable_osv_is_a_note_not_a_block(
    fake_pypi: FakePyPI, pip_env: dict[str, str], tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    env = {**pip_env, "SAFEPIP_OSV_URL": UNREACHABLE_OSV}

    started = time.monotonic()
    proc = safepip(["check", "alpha"], env, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "known-malicious data unavailable: 1 release(s) were not checked" in proc.stdout
    assert time.monotonic() - started < 60

    strict = tmp_path / "strict.toml"
    strict.write_text("version = 1\n[rules.known-malicious]\nblock-when-unavailable = true\n")
    proc = safepip(["--policy", str(strict), *_json(["check", "alpha"])], env, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert findings(report(proc), "alpha") == {"known-malicious"}


def test_osv_url_flag_and_policy_setting(
    fake_pypi: FakePyPI, fake_osv: FakeOSV, pip_env: dict[str, str], tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    fake_osv.add("MAL-2025-1", "alpha", ["1.0"])
    env = {k: v for k, v in pip_env.items() if k != "SAFEPIP_OSV_URL"}

    flag = safepip(["--osv-url", fake_osv.url, *_json(["check", "alpha"])], env, tmp_path)
    assert findings(report(flag), "alpha") == {"known-malicious"}

    (tmp_path / "safepip.toml").write_text(f'version = 1\n[settings]\nosv-url = "{fake_osv.url}"\n')
    setting = safepip(_json(["check", "alpha"]), env, tmp_path)
    assert findings(report(setting), "alpha") == {"known-malicious"}
    assert len(fake_osv.batches) >= 1


def test_a_pinned_older_release_gets_osvs_vulnerabilities(
    fake_pypi: FakePyPI, fake_osv: FakeOSV, pip_env: dict[str, str], tmp_path: Path
) -> None:
    fake_pypi.per_version_json = False  # the per-version endpoint answers 404
    established(fake_pypi, "alpha")
    fake_osv.add("PYSEC-2020-5", "alpha", ["0.9"], summary="a parser bug", fixed="1.0")

    proc = safepip(_json(["check", "alpha==0.9"]), pip_env, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings(report(proc), "alpha") == {"known-vulnerability"}
    assert "PYSEC-2020-5" in proc.stdout and "1.0" in proc.stdout

    fake_osv.fail(503)
    blind = safepip(["check", "alpha==0.8"], pip_env, tmp_path)
    assert "vulnerability data unavailable for alpha 0.8" in blind.stdout


def test_audit_blocks_malicious_yanked_and_removed_releases_saying_which(
    fake_pypi: FakePyPI,
    fake_osv: FakeOSV,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
) -> None:
    names = ["alpha", "beta", "gamma", "delta", "epsilon"]
    for name in names:
        established(fake_pypi, name)
    python = make_venv()
    install = safepip(["--python", str(python), "install", *names], pip_env, tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    fake_osv.add("MAL-2025-3", "beta", ["1.0"], summary="exfiltrates secrets")
    fake_pypi.yank("gamma", "1.0", reason="compromised upload")
    fake_pypi.remove("delta", "1.0")
    fake_pypi.remove("epsilon")

    proc = safepip(["--python", str(python), *_json(["audit"])], pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = report(proc)
    assert findings(doc, "alpha") == set()
    assert findings(doc, "beta") == {"known-malicious"}
    # (the metadata shown is now an older release's, which warns of other things)
    assert blocking(doc, "gamma") == {"yanked"}
    assert blocking(doc, "delta") == {"release-removed"}
    assert blocking(doc, "epsilon") == {"not-on-pypi"}
    text = safepip(["--python", str(python), "audit"], pip_env, tmp_path).stdout
    assert "MAL-2025-3" in text and "compromised upload" in text
    assert "no longer lists" in text and "answered 404" in text
