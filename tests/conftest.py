"""Shared fixtures: the loopback PyPI and OSV, an isolated pip environment, throwaway venvs."""

from __future__ import annotations

import itertools
import os
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeosv import FakeOSV
from tests.fakepypi import FakePyPI, MakeVenv

# A loopback port nothing listens on (below 1024: no test can bind it), so a
# connection is refused at once: OSV for the tests that do not set one.
UNREACHABLE_OSV = "http://127.0.0.1:1"


@pytest.fixture(autouse=True, scope="session")
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test reads or writes the user's real config, cache or data dirs.

    For the whole session, ``HOME`` and the XDG base directories point into a
    temporary directory, and ``SAFEPIP_CACHE_DIR`` is unset, so platformdirs
    (and every subprocess started with a copy of this environment) resolve
    there. ``SAFEPIP_POLICY`` is dropped so the user's own policy never applies.
    ``SAFEPIP_OSV_URL`` points at a closed loopback port: no test asks api.osv.dev.
    """
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
        patch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
        patch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        patch.delenv("SAFEPIP_CACHE_DIR", raising=False)
        patch.delenv("SAFEPIP_POLICY", raising=False)
        patch.setenv("SAFEPIP_OSV_URL", UNREACHABLE_OSV)
        yield home


@pytest.fixture
def fake_pypi() -> Iterator[FakePyPI]:
    """A started, empty fake index; stopped after the test.

    The test fails at teardown if the server itself raised while serving.
    """
    with FakePyPI() as fake:
        yield fake
    assert fake.errors == [], fake.errors


@pytest.fixture
def fake_osv() -> Iterator[FakeOSV]:
    """A started loopback OSV with no advisories; stopped after the test.

    The test fails at teardown if the server raised or got a request that is
    not of the documented shape.
    """
    with FakeOSV() as fake:
        yield fake
    assert fake.errors == [], fake.errors


@pytest.fixture
def pip_env(fake_pypi: FakePyPI, fake_osv: FakeOSV, tmp_path: Path) -> dict[str, str]:
    """Environment variables that point pip and safepip at the fake index (and
    safepip at the fake OSV) only.

    No user or site pip configuration, no ``PIP_*`` left over from the caller
    (find-links, extra indexes, constraints), caches and XDG directories in
    ``tmp_path``, no active virtualenv and no ``SAFEPIP_POLICY``.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PIP_") and key not in {"VIRTUAL_ENV", "SAFEPIP_POLICY"}
    }
    home = tmp_path / "home"
    # Temporary files of the processes a test starts stay in the test's folder,
    # even those of a process the test kills (the fault tests), which cannot
    # remove its own.
    scratch = tmp_path / "tmpdir"
    scratch.mkdir(exist_ok=True)
    env.update(
        {
            "TMPDIR": str(scratch),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": fake_pypi.simple_url,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "PIP_CACHE_DIR": str(home / "pip-cache"),
            "SAFEPIP_PYPI_URL": fake_pypi.url,
            "SAFEPIP_OSV_URL": fake_osv.url,
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
        }
    )
    return env


@pytest.fixture
def make_venv(tmp_path: Path) -> MakeVenv:
    """A factory of fresh venvs without pip; each call returns the venv's python.

    pip (and safepip) install into it with ``pip --python <that path>``.
    """
    counter = itertools.count()

    def make() -> Path:
        root = tmp_path / f"venv{next(counter)}"
        venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt", clear=True).create(root)
        python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        assert python.exists(), python
        return python

    return make


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A path that build code writes to (``marker_code(str(marker))``); absent at first."""
    path = tmp_path / "markers" / "build-ran"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
