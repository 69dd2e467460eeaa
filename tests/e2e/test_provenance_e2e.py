"""End to end: PEP 740 provenance from the loopback index (simple API 1.3 with
the provenance key and Integrity API objects, or 1.1 without)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.e2e.test_install_e2e import OLD, findings, report, safepip
from tests.fakepypi import FakePyPI

REPO = {"kind": "GitHub", "repository": "owner/alpha", "workflow": "release.yml"}
FORK = {"kind": "GitHub", "repository": "someone/alpha", "workflow": "release.yml"}
WELL_KEPT: dict[str, Any] = {
    "description": "alpha: a well-documented, long-lived project.",
    "project_urls": {"Source": "https://github.com/owner/alpha"},
    "author_email": "maintainers@example-org.dev",
}


def release(fake: FakePyPI, version: str, days: int, publisher: dict[str, str] | None) -> None:
    [wheel] = fake.add_release(
        "alpha", version, upload_time=OLD + timedelta(days=days), **WELL_KEPT
    )
    if publisher is not None:
        fake.attest(wheel.filename, publisher)


def check(env: dict[str, str], cwd: Path) -> tuple[int, set[str], str]:
    proc = safepip(["--format", "json", "check", "alpha"], env, cwd)
    assert proc.returncode in {0, 1}, proc.stdout + proc.stderr
    return proc.returncode, findings(report(proc), "alpha"), proc.stdout


def test_same_publisher_passes_and_a_later_unattested_release_blocks(
    fake_pypi: FakePyPI, pip_env: dict[str, str], tmp_path: Path
) -> None:
    fake_pypi.simple_api_version = "1.3"
    for i, version in enumerate(("0.8", "0.9", "1.0")):
        release(fake_pypi, version, i * 10, REPO)

    code, found, _ = check(pip_env, tmp_path)
    assert (code, found) == (0, set())

    # A new release uploaded without an attestation (a stolen token): blocked,
    # from the history of the first run and from the previous release alike.
    release(fake_pypi, "1.1", 60, None)
    code, found, out = check(pip_env, tmp_path)
    assert code == 1 and "provenance-changed" in found
    assert "has no attestation" in out and "owner/alpha" in out


def test_a_release_from_another_repository_blocks(
    fake_pypi: FakePyPI, pip_env: dict[str, str], tmp_path: Path
) -> None:
    fake_pypi.simple_api_version = "1.3"
    for i, version in enumerate(("0.8", "0.9", "1.0")):
        release(fake_pypi, version, i * 10, REPO)
    assert check(pip_env, tmp_path)[:2] == (0, set())  # the history records owner/alpha

    release(fake_pypi, "1.1", 60, FORK)
    code, found, out = check(pip_env, tmp_path)
    assert code == 1 and "provenance-changed" in found
    assert "someone/alpha" in out


def test_an_index_without_provenance_gives_a_note_never_a_block(
    fake_pypi: FakePyPI, pip_env: dict[str, str], tmp_path: Path
) -> None:
    for i, version in enumerate(("0.8", "0.9", "1.0")):
        release(fake_pypi, version, i * 10, REPO)  # attested, but 1.1 cannot say so

    code, found, out = check(pip_env, tmp_path)
    assert (code, found) == (0, set())
    assert "provenance data unavailable from this index" in out
    asked = [p for _, p in fake_pypi.requests_log if p.startswith("/integrity/")]
    assert asked == []
