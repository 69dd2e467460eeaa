"""End to end: ``safepip install`` / ``check`` against the loopback PyPI, into
throwaway venvs, with real pip, real wheels and real sdists."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fakepypi import (
    FakePyPI,
    MakeVenv,
    build_sdist,
    build_wheel,
    installed,
    marker_code,
    wheel_filename,
)

OLD = datetime.now(UTC) - timedelta(days=800)


def safepip(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guard", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def report(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def findings(doc: dict[str, Any], name: str) -> set[str]:
    for package in doc["packages"]:
        if package["name"] == name:
            return {f["rule"] for f in package["findings"] if f["action"] != "ignore"}
    raise AssertionError(f"{name} not in report: {doc}")


def established(
    fake: FakePyPI, name: str, *, wheel: bool = True, sdist: bool = False, **kwargs: Any
) -> None:
    """A project with three old releases, the last one carrying ``kwargs``, with
    the metadata of a well-kept project (a description and a repository)."""
    kwargs.setdefault("description", f"{name}: a well-documented, long-lived project.")
    kwargs.setdefault("project_urls", {"Source": f"https://github.com/example-org/{name}"})
    kwargs.setdefault("author_email", "maintainers@example-org.dev")
    for i, version in enumerate(("0.8", "0.9")):
        fake.add_release(
            name, version, upload_time=OLD + timedelta(days=i), wheel=wheel, sdist=sdist
        )
    fake.add_release(
        name, "1.0", upload_time=OLD + timedelta(days=30), wheel=wheel, sdist=sdist, **kwargs
    )


def test_clean_package_with_dependencies_installs(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha", requires=["beta>=1"], summary="Alpha does things")
    established(fake_pypi, "beta")
    python = make_venv()

    proc = safepip(["--python", str(python), "install", "alpha"], pip_env, tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert installed(python) == {"alpha", "beta"}
    assert "alpha" in proc.stdout and "allow" in proc.stdout
    # Only the vetted files were downloaded, each once.
    assert sorted(fake_pypi.downloads()) == sorted(
        [wheel_filename("alpha", "1.0"), wheel_filename("beta", "1.0")]
    )


def test_json_report_shape(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format", "json", "check", "alpha"], pip_env, tmp_path
    )

    assert proc.returncode == 0, proc.stderr
    doc = report(proc)
    assert doc["decision"] == "allow"
    assert doc["installed"] is False
    [package] = doc["packages"]
    assert package["name"] == "alpha"
    assert package["version"] == "1.0"
    assert package["decision"] == "allow"
    assert package["findings"] == []
    assert installed(python) == set()


def test_denied_package_blocks_and_installs_nothing(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha", requires=["evil"])
    established(fake_pypi, "evil")
    (tmp_path / "safepip.toml").write_text(
        'version = 1\n[[deny]]\nname = "evil"\nreason = "exfiltrates tokens"\n'
    )
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "alpha"], pip_env, tmp_path
    )

    assert proc.returncode == 1, proc.stderr
    doc = report(proc)
    assert doc["decision"] == "block"
    assert findings(doc, "evil") == {"denied"}
    assert "exfiltrates tokens" in json.dumps(doc)
    assert installed(python) == set()
    assert fake_pypi.downloads() == []


def test_look_alike_of_a_protected_internal_name_blocks(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    # The team's own "acme-billing" lives on a private index; a well-kept
    # look-alike on the public one is still blocked, and the protected name's
    # absence from the public index is no error.
    established(fake_pypi, "acme-biling")
    (tmp_path / "safepip.toml").write_text(
        'version = 1\n[rules.typosquat]\nprotect = ["acme-billing"]\n'
    )
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "acme-biling"], pip_env, tmp_path
    )

    assert proc.returncode == 1, proc.stderr
    doc = report(proc)
    assert findings(doc, "acme-biling") == {"typosquat"}
    assert "acme-billing, a name your policy protects" in json.dumps(doc)
    assert installed(python) == set()
    assert fake_pypi.downloads() == []


def test_project_first_uploaded_today_blocks(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    fake_pypi.add_release("fresh", "1.0", upload_time=datetime.now(UTC) - timedelta(hours=2))
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "fresh"], pip_env, tmp_path
    )

    assert proc.returncode == 1, proc.stderr
    doc = report(proc)
    assert "new-project" in findings(doc, "fresh")
    assert installed(python) == set()


def test_young_sdist_never_builds(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
) -> None:
    fake_pypi.add_release(
        "stealer",
        "1.0",
        wheel=False,
        sdist=True,
        upload_time=datetime.now(UTC) - timedelta(days=10),
        build_code=marker_code(str(marker)),
    )
    python = make_venv()

    for command in ("check", "install"):
        proc = safepip(
            ["--python", str(python), "--format=json", command, "stealer"], pip_env, tmp_path
        )
        assert proc.returncode == 1, proc.stderr
        assert {"source-build", "new-project"} <= findings(report(proc), "stealer")
    assert not marker.exists()
    assert installed(python) == set()


def test_sdist_is_vetted_before_it_is_built(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
) -> None:
    """An established sdist-only project: blocked by a policy that forbids source
    builds (and then never built), built only once the policy allows it."""
    established(fake_pypi, "oldsdist", wheel=False, sdist=True, build_code=marker_code(str(marker)))
    python = make_venv()
    strict = Path(__file__).parents[2] / "policies" / "strict.toml"

    proc = safepip(
        ["--policy", str(strict), "--python", str(python), "--format=json", "install", "oldsdist"],
        pip_env,
        tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert "source-build" in findings(report(proc), "oldsdist")
    assert not marker.exists()
    assert installed(python) == set()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "oldsdist"], pip_env, tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    doc = report(proc)
    assert doc["decision"] == "warn"
    assert findings(doc, "oldsdist") == {"source-build"}
    assert installed(python) == {"oldsdist"}
    assert marker.exists()


def test_file_swapped_after_vetting_fails_install(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha", requires=["beta"])
    established(fake_pypi, "beta")
    fake_pypi.swap_file(
        wheel_filename("beta", "1.0"), build_wheel("beta", "1.0", files={"beta/evil.py": "x = 1"})
    )
    python = make_venv()

    proc = safepip(["--python", str(python), "install", "alpha"], pip_env, tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "sha256" in proc.stderr
    assert installed(python) == set()


def test_json_api_error_is_exit_2(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    fake_pypi.fail_json(500)
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "alpha"], pip_env, tmp_path
    )

    assert proc.returncode == 2
    assert report(proc)["decision"] == "error"
    assert "500" in proc.stderr
    assert installed(python) == set()


def test_json_api_timeout_is_exit_2(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    fake_pypi.delay_json(10)
    python = make_venv()
    env = {**pip_env, "SAFEPIP_TIMEOUT": "0.5"}

    proc = safepip(["--python", str(python), "install", "alpha"], env, tmp_path)

    assert proc.returncode == 2
    assert "timed out" in proc.stderr.lower() or "timeout" in proc.stderr.lower()
    assert installed(python) == set()


def test_escape_sequences_in_summary_print_clean(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    fake_pypi.add_release(
        "shady",
        "1.0",
        upload_time=datetime.now(UTC) - timedelta(days=1),
        summary="\x1b[2J\x1b]0;pwned\x07Totally \x1b[31mSafe\x1b[0m\u202e tool\x9b1m",
    )
    python = make_venv()

    proc = safepip(["--python", str(python), "install", "shady"], pip_env, tmp_path)

    assert proc.returncode == 1, proc.stderr
    assert "Totally Safe" in proc.stdout
    for bad in ("\x1b", "\x07", "\u202e", "\x9b", "pwned"):
        assert bad not in proc.stdout
        assert bad not in proc.stderr


def test_local_project_installs_with_vetted_dependencies(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established(fake_pypi, "alpha")
    with tarfile.open(fileobj=io.BytesIO(build_sdist("myapp", "0.1", requires=["alpha"]))) as tar:
        tar.extractall(tmp_path / "src", filter="data")
    [project_dir] = (tmp_path / "src").iterdir()
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", str(project_dir)], pip_env, tmp_path
    )

    assert proc.returncode == 0, proc.stderr
    doc = report(proc)
    sources = {p["name"]: p["source"] for p in doc["packages"]}
    assert sources == {"myapp": "local", "alpha": "index"}
    assert installed(python) == {"myapp", "alpha"}


def test_no_binary_builds_only_after_vetting(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
) -> None:
    established(fake_pypi, "alpha", sdist=True, build_code=marker_code(str(marker)))
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format=json", "install", "--no-binary", "alpha", "alpha"],
        pip_env,
        tmp_path,
    )

    assert proc.returncode == 0, proc.stderr
    [package] = report(proc)["packages"]
    assert package["filename"].endswith(".tar.gz")
    assert findings(report(proc), "alpha") == {"source-build"}
    assert marker.exists()
    assert installed(python) == {"alpha"}
