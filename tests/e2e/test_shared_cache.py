"""One cache, shared or damaged: two ``safepip install`` runs at once into two
venvs with one ``SAFEPIP_CACHE_DIR`` both install correctly and leave the cache
consistent (a third run finds every file by its hash); a cache that cannot be
written fails closed with a message that names it; a truncated or corrupt entry (a JSON
answer, an artifact with the wrong bytes) is fetched again, never trusted."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

from tests.e2e.test_install_e2e import established
from tests.fakepypi import FakePyPI, MakeVenv, installed, wheel_filename
from tests.processes import CONTROL

FIRST = ["dep0", "dep1", "dep2", "dep3", "dep4"]
SECOND = ["dep3", "dep4", "dep5", "dep6", "dep7"]


def _index(fake: FakePyPI) -> None:
    for name in sorted({*FIRST, *SECOND}):
        established(fake, name)
    established(fake, "one", requires=FIRST)
    established(fake, "two", requires=SECOND)


def _expected(top: str, deps: list[str]) -> set[str]:
    return {canonicalize_name(n) for n in [top, *deps]}


def _start(python: Path, env: dict[str, str], cwd: Path, *names: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "guard", "--python", str(python), "install", *names],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(python: Path, env: dict[str, str], cwd: Path, *names: str) -> tuple[int, str, str]:
    proc = _start(python, env, cwd, *names)
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


def _clean(out: str, err: str) -> None:
    assert "Traceback" not in err
    assert not CONTROL.search(out) and not CONTROL.search(err)


def _assert_consistent(cache: Path) -> None:
    """Every stored artifact hashes to its name, every answer parses, no temporary
    file is left behind."""
    artifacts = [p for p in (cache / "artifacts").rglob("*") if p.is_file()]
    assert artifacts
    for path in artifacts:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, path
    answers = [p for p in (cache / "http").rglob("*") if p.is_file()]
    assert answers
    for path in answers:
        assert set(json.loads(path.read_bytes())) >= {"url", "body", "fetched_at"}, path
    assert not list(cache.rglob("*.tmp"))


def test_two_runs_at_once_share_one_cache(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _index(fake_pypi)
    cache = tmp_path / "shared-cache"
    env = {**pip_env, "SAFEPIP_CACHE_DIR": str(cache)}
    first, second = make_venv(), make_venv()

    procs = [_start(first, env, tmp_path, "one"), _start(second, env, tmp_path, "two")]
    done = [(proc, *proc.communicate(timeout=180)) for proc in procs]

    for proc, out, err in done:
        assert proc.returncode == 0, err
        _clean(out, err)
        assert "installed 6 vetted package(s)" in out
    assert installed(first) == _expected("one", FIRST)
    assert installed(second) == _expected("two", SECOND)
    _assert_consistent(cache)

    fake_pypi.clear_log()
    third = make_venv()
    code, out, err = _run(third, env, tmp_path, "one", "two")
    assert code == 0, err
    _clean(out, err)
    assert installed(third) == _expected("one", FIRST) | _expected("two", SECOND)
    assert fake_pypi.downloads() == []  # every vetted file came from the cache, by hash
    _assert_consistent(cache)


def test_a_cache_that_cannot_be_written(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _index(fake_pypi)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache's parent should be\n", encoding="utf-8")
    env = {**pip_env, "SAFEPIP_CACHE_DIR": str(blocker / "cache")}
    python = make_venv()

    code, out, err = _run(python, env, tmp_path, "one")

    # It fails closed, saying why (the cache, not the download) and that nothing
    # was installed.
    assert code == 2, err
    _clean(out, err)
    assert f"cannot store it in safepip's cache ({blocker / 'cache'}): Not a directory" in err
    assert "nothing installed" in err
    assert "download failed" not in err
    assert installed(python) == set()
    assert blocker.read_text(encoding="utf-8").startswith("a file")


def test_corrupt_cache_entries_are_fetched_again(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _index(fake_pypi)
    cache = tmp_path / "cache"
    env = {**pip_env, "SAFEPIP_CACHE_DIR": str(cache)}
    code, _, err = _run(make_venv(), env, tmp_path, "one")
    assert code == 0, err

    # A truncated answer file, an answer whose body was cut short (still fresh),
    # and an artifact whose bytes are not the ones its name says. Both answers are
    # JSON API pages every run reads (a simple page is read only until the first
    # one shows this index has no provenance data, which depends on timing).
    answers = sorted(
        p for p in (cache / "http").rglob("*.json") if "/pypi/" in json.loads(p.read_bytes())["url"]
    )
    assert len(answers) >= 2
    truncated, short_body = answers[0], answers[1]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    record = json.loads(short_body.read_bytes())
    record["body"] = record["body"][: len(record["body"]) // 2]
    short_body.write_text(json.dumps(record), encoding="utf-8")
    wheel = wheel_filename("dep2", "1.0")
    sha = fake_pypi.artifact(wheel).sha256
    stored = cache / "artifacts" / sha[:2] / sha
    stored.write_bytes(b"not the vetted wheel")

    fake_pypi.clear_log()
    python = make_venv()
    code, out, err = _run(python, env, tmp_path, "one")

    assert code == 0, err
    _clean(out, err)
    assert installed(python) == _expected("one", FIRST)
    assert fake_pypi.downloads() == [wheel]  # only the damaged file, fetched again
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    _assert_consistent(cache)
