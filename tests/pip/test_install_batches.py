"""The final install of a large set: several pip runs of at most ``BATCH``
files, dependencies first, in one pip process, with exactly the vetted files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.errors import InstallBuildFailed, InstallError, Interrupted
from guard.models import Candidate, Source
from guard.pip import install
from guard.pip.worker import PipWorker, run_to_the_end
from tests.fakepypi import (
    MakeVenv,
    build_sdist,
    build_wheel,
    installed_versions,
    sdist_filename,
    sha256_hex,
    wheel_filename,
)


def pin(name: str, requires: tuple[str, ...] = (), sha: str = "0" * 64) -> install.Pinned:
    candidate = Candidate(
        name=canonicalize_name(name),
        version=Version("1.0"),
        source=Source.INDEX,
        url=f"https://files.example/{wheel_filename(name, '1.0')}",
        filename=wheel_filename(name, "1.0"),
        sha256=sha,
        requires_dist=requires,
    )
    return install.Pinned(candidate, sha)


def names(runs: list[list[install.Pinned]]) -> list[list[str]]:
    return [[p.candidate.name for p in run] for run in runs]


def test_a_set_that_fits_is_one_run_in_its_own_order() -> None:
    pinned = [pin("b", ("a",)), pin("a")]
    assert names(install.batches(pinned, 2)) == [["b", "a"]]


def test_a_large_set_is_cut_into_runs_dependencies_first() -> None:
    pinned = [
        pin("app", ("web>=1", "db; python_version>'3'")),
        pin("web", ("core[fast]",)),
        pin("db", ("core",)),
        pin("core"),
        pin("tool"),
    ]
    runs = install.batches(pinned, 2)
    assert all(len(run) <= 2 for run in runs)
    order = [name for run in names(runs) for name in run]
    assert sorted(order) == ["app", "core", "db", "tool", "web"]
    for first, then in (("core", "web"), ("core", "db"), ("web", "app"), ("db", "app")):
        assert order.index(first) < order.index(then)


def test_a_cycle_is_installed_in_one_run() -> None:
    pinned = [pin("a", ("b",)), pin("b", ("a",)), pin("c")]
    assert names(install.batches(pinned, 1)) == [["a", "b", "c"]]


def wheelhouse(tmp_path: Path, specs: dict[str, tuple[str, ...]]) -> list[install.Pinned]:
    house = tmp_path / "work" / "vetted"
    house.mkdir(parents=True)
    pinned = []
    for name, requires in specs.items():
        data = build_wheel(name, "1.0", requires=requires)
        (house / wheel_filename(name, "1.0")).write_bytes(data)
        pinned.append(pin(name, requires, sha256_hex(data)))
    return pinned


def test_a_large_set_installs_exactly_the_vetted_files_in_several_runs(
    make_venv: MakeVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install, "BATCH", 2)
    specs = {"top": ("mid",), "mid": ("base",), "base": (), "side": (), "more": ("base",)}
    pinned = wheelhouse(tmp_path, specs)
    python = make_venv()
    shown: list[str] = []
    worker = PipWorker(str(python), shown.append)
    try:
        install.install(worker, pinned, [], tmp_path / "work" / "vetted", [], offline=True)
    finally:
        worker.cancel()
    assert installed_versions(python) == dict.fromkeys(specs, "1.0")
    output = "".join(shown)
    assert output.count("Successfully installed") == 3  # three runs of at most 2
    assert "which is not installed" not in output  # each run's dependencies were in


def test_a_failed_later_run_says_what_the_earlier_runs_installed(
    make_venv: MakeVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install, "BATCH", 2)
    pinned = wheelhouse(tmp_path, {"one": (), "two": ("one",), "three": ("two",)})
    pinned[2] = install.Pinned(pinned[2].candidate, "f" * 64)  # "three": a wrong hash
    python = make_venv()
    worker = PipWorker(str(python), lambda _text: None)
    try:
        with pytest.raises(InstallError, match=r"the 1 pip run\(s\) before this one are installed"):
            install.install(worker, pinned, [], tmp_path / "work" / "vetted", [], offline=True)
    finally:
        worker.cancel()
    assert installed_versions(python) == {"one": "1.0", "two": "1.0"}


# A build that succeeds for pip's metadata and fails for the wheel the install needs.
FAILS_FOR_THE_WHEEL = (
    "import sys\n"
    "if 'build_wheel' in sys.argv:\n"
    "    sys.stderr.write('error: no compiler for the extension here\\n')\n"
    "    raise SystemExit(1)\n"
)


def test_a_build_that_fails_in_a_later_run_names_it_and_what_the_earlier_runs_installed(
    make_venv: MakeVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install, "BATCH", 2)
    pinned = wheelhouse(tmp_path, {"one": (), "two": ("one",)})
    data = build_sdist("brittle", "1.0", requires=["two"], build_code=FAILS_FOR_THE_WHEEL)
    (tmp_path / "work" / "vetted" / sdist_filename("brittle", "1.0")).write_bytes(data)
    sdist = pin("brittle", ("two",), sha256_hex(data))
    filename = sdist_filename("brittle", "1.0")
    pinned.append(install.Pinned(replace(sdist.candidate, filename=filename), sdist.sha256))
    python = make_venv()
    shown: list[str] = []
    worker = PipWorker(str(python), shown.append)
    try:
        with pytest.raises(InstallBuildFailed) as failed:
            install.install(worker, pinned, [], tmp_path / "work" / "vetted", [], offline=True)
    finally:
        worker.cancel()
    assert installed_versions(python) == {"one": "1.0", "two": "1.0"}
    assert failed.value.build == (
        "the build of brittle failed (building its wheel):\n"
        "  error: no compiler for the extension here"
    )
    assert failed.value.state.startswith(
        "installed before the failure (dependencies first): 2 of the 3 packages of this "
        "install (one 1.0, two 1.0); the other 1, brittle among them, are not installed"
    )
    assert "Building wheel for brittle" in "".join(shown)  # pip's output was still shown


def test_a_build_that_fails_in_the_first_run_installed_nothing(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    pinned = wheelhouse(tmp_path, {"one": ()})
    data = build_sdist("brittle", "1.0", build_code=FAILS_FOR_THE_WHEEL)
    filename = sdist_filename("brittle", "1.0")
    (tmp_path / "work" / "vetted" / filename).write_bytes(data)
    sdist = pin("brittle", (), sha256_hex(data))
    pinned.append(install.Pinned(replace(sdist.candidate, filename=filename), sdist.sha256))
    python = make_venv()
    worker = PipWorker(str(python), lambda _text: None)
    try:
        with pytest.raises(InstallBuildFailed) as failed:
            install.install(worker, pinned, [], tmp_path / "work" / "vetted", [], offline=True)
    finally:
        worker.cancel()
    assert installed_versions(python) == {}
    assert failed.value.state == "nothing was installed"
    assert "the build of brittle failed (building its wheel)" in str(failed.value)


def test_many_installed_packages_are_counted_not_all_named() -> None:
    runs = [[pin(f"p{i:02}") for i in range(12)], [pin("last")]]
    state = install.state_after_build_failure("last", runs, [])
    assert "12 of the 13 packages" in state
    assert "p00 1.0, p01 1.0" in state and "p09 1.0 and 2 more)" in state
    assert "p10" not in state


class _Runs:
    """Install runs that record what was started; a Ctrl-C is raised where asked."""

    def __init__(self, codes: list[int], interrupt_before: frozenset[int] = frozenset()) -> None:
        self.codes = codes
        self.interrupt_before = set(interrupt_before)
        self.started: list[int] = []

    def __call__(self, i: int) -> tuple[int, bool]:
        if i in self.interrupt_before:
            self.interrupt_before.discard(i)
            raise KeyboardInterrupt  # between two runs: this one never started
        self.started.append(i)
        return self.codes[i], False


def test_a_ctrl_c_between_two_runs_lets_every_run_finish_and_is_reported() -> None:
    runs = _Runs([0, 0, 0], interrupt_before=frozenset({1}))
    assert run_to_the_end(runs, 3) == (0, True, 2)
    assert runs.started == [0, 1, 2]  # each run once, none skipped


def test_runs_stop_at_the_first_that_fails() -> None:
    runs = _Runs([0, 1, 0])
    assert run_to_the_end(runs, 3) == (1, False, 1)
    assert runs.started == [0, 1]


def test_no_ctrl_c_no_failure() -> None:
    runs = _Runs([0, 0])
    assert run_to_the_end(runs, 2) == (0, False, 1)
    assert run_to_the_end(_Runs([]), 0) == (0, False, 0)


class _InstallsAll:
    """A pip worker whose install of the index files succeeds at once."""

    echo = staticmethod(lambda text: None)

    def install_all(self, commands: object) -> None:
        self.ran = commands


def test_a_ctrl_c_between_the_index_install_and_the_local_one_says_which_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt  # before pip was started for the local project

    monkeypatch.setattr(install, "_install_unhashed", interrupted)
    local = replace(pin("mine").candidate, source=Source.LOCAL, url="file:///src/mine")
    with pytest.raises(Interrupted) as caught:
        install.install(_InstallsAll(), [pin("a")], [local], tmp_path, [], False)  # type: ignore[arg-type]
    said = str(caught.value)
    assert "the 1 vetted package(s) from the index are installed" in said
    assert "mine" in said and "may not be" in said
