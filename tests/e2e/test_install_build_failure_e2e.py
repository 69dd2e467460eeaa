"""A build that fails during the final install, after vetting passed (issue 15):
the report, then which package's build failed and what it said, then what the
environment truly holds; exit 2. On the loopback index, with made-up sdists and
a local project whose builds fail only when pip builds the wheel to install."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_install_e2e import established, safepip
from tests.fakepypi import FakePyPI, MakeVenv, installed_versions
from tests.processes import descendants, wait_gone

# Runs in the build backend: metadata is fine, the wheel the install needs is not.
FAILS_FOR_THE_WHEEL = (
    "import sys\n"
    "if 'build_wheel' in sys.argv:\n"
    "    sys.stderr.write('error: no compiler for the extension here\\n')\n"
    "    raise SystemExit(1)\n"
)
ALLOW = '[[allow]]\nname = "brittle"\nreason = "our own sdist"\n'


def _brittle(fake: FakePyPI, tmp_path: Path) -> None:
    established(fake, "dep")
    established(
        fake, "brittle", wheel=False, sdist=True, requires=["dep"], build_code=FAILS_FOR_THE_WHEEL
    )
    (tmp_path / "safepip.toml").write_text(ALLOW)


def test_a_build_failing_in_the_install_reports_it_and_that_nothing_was_installed(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _brittle(fake_pypi, tmp_path)
    python = make_venv()

    proc = safepip(["--python", str(python), "install", "brittle"], pip_env, tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    report, _, after = proc.stdout.partition("vetted: installing exactly these files\n")
    assert "brittle  1.0      allow" in report
    assert after == (
        "the build of brittle failed (building its wheel):\n"
        "  error: no compiler for the extension here\n"
        "nothing was installed\n"
    )
    assert "pip install failed" not in proc.stdout + proc.stderr
    assert installed_versions(python) == {}


def test_a_build_failing_in_the_install_in_json_keeps_the_report(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _brittle(fake_pypi, tmp_path)
    python = make_venv()

    proc = safepip(
        ["--python", str(python), "--format", "json", "install", "brittle"], pip_env, tmp_path
    )

    assert proc.returncode == 2, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert {p["name"] for p in doc["packages"]} == {"brittle", "dep"}
    assert doc["installed"] is False
    assert doc["error"].startswith("the build of brittle failed (building its wheel):")
    assert doc["error"].endswith("nothing was installed")
    assert "safepip: error: the build of brittle failed" in proc.stderr
    assert installed_versions(python) == {}


BACKEND = """\
import os
import sys

METADATA = "Metadata-Version: 2.1\\nName: mine\\nVersion: 1.0\\nRequires-Dist: dep\\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, "mine-1.0.dist-info")
    os.makedirs(info)
    with open(os.path.join(info, "METADATA"), "w") as handle:
        handle.write(METADATA)
    return "mine-1.0.dist-info"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    sys.stderr.write("error: mine needs a compiler\\n")
    raise SystemExit(1)
"""


def _mine(fake_pypi: FakePyPI, tmp_path: Path, backend: str) -> None:
    """A local project ``mine`` (built by ``backend``) that needs ``dep`` from the index."""
    established(fake_pypi, "dep")
    project = tmp_path / "mine"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
    )
    (project / "backend.py").write_text(backend)


def test_a_local_project_failing_to_build_after_its_dependencies_says_they_are_installed(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    _mine(fake_pypi, tmp_path, BACKEND)
    python = make_venv()

    proc = safepip(["--python", str(python), "install", "./mine"], pip_env, tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    _, _, after = proc.stdout.partition("vetted: installing exactly these files\n")
    assert after.startswith(
        "the build of mine failed (building its wheel):\n  error: mine needs a compiler\n"
    )
    assert after.endswith(
        "installed before the failure (dependencies first): 1 of the 2 packages of this "
        "install (dep 1.0); the other 1, mine among them, are not installed: once the build "
        "can succeed, run the same safepip install again to complete the environment\n"
    )
    assert installed_versions(python) == {"dep": "1.0"}


def test_a_partial_install_in_json_says_it_is_partial(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    """The machine report of a build that failed after its dependencies went in
    says so: "installed" is not false, and names what is installed."""
    _mine(fake_pypi, tmp_path, BACKEND)
    python = make_venv()

    args = ["--python", str(python), "--format", "json", "install", "./mine"]
    proc = safepip(args, pip_env, tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["installed"] == "partial"
    assert doc["installed_before_failure"] == ["dep 1.0"]
    assert "installed before the failure (dependencies first): 1 of the 2" in doc["error"]
    assert installed_versions(python) == {"dep": "1.0"}


def test_a_ctrl_c_while_a_local_project_builds_says_its_dependencies_are_installed(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    slow = BACKEND.replace(
        'sys.stderr.write("error: mine needs a compiler\\n")',
        'sys.stderr.write("building mine slowly\\n")\n    import time\n    time.sleep(60)',
    )
    _mine(fake_pypi, tmp_path, slow)
    python = make_venv()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guard", "--python", str(python), "install", "./mine"],
        env=pip_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job is
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # pip's output: the dependencies are in, mine builds
        seen.append(line)
        if "Building wheel for mine" in line:
            break
    children = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    wait_gone(children, 60)

    assert proc.returncode == 2, "".join(seen) + out + err
    assert err.endswith(
        "safepip: error: interrupted while pip installed mine 1.0: the 1 vetted package(s) "
        "from the index are installed; pip was stopped where it was, so they may be partly "
        "installed; run the same safepip install again to complete it\n"
    )
    assert installed_versions(python) == {"dep": "1.0"}
