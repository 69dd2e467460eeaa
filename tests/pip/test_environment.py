"""``guard.pip.environment``: listing a real venv without running its code, and the pure parsing."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from guard.errors import AuditError
from guard.models import Source
from guard.pip.environment import (
    DirectKind,
    Installed,
    inspect_environment,
    parse_direct_url,
    parse_inspect,
    venv_python,
)
from guard.pip.worker import pip_command
from tests.fakepypi import MakeVenv, build_wheel, site_packages, wheel_filename


def pip_install(python: Path, env: dict[str, str], *args: str) -> None:
    proc = subprocess.run(
        [*pip_command(str(python)), "install", "--no-index", "--no-deps", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def write_wheels(directory: Path, wheels: dict[tuple[str, str], bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for (name, version), data in wheels.items():
        (directory / wheel_filename(name, version)).write_bytes(data)
    return directory


def test_fresh_venv_without_pip_lists_nothing(make_venv: MakeVenv, pip_env: dict[str, str]) -> None:
    python = make_venv()
    env = inspect_environment(str(python), pip_env)
    assert env.installed == ()
    assert env.paths.venv
    assert env.paths.prefix == python.parent.parent
    assert env.site_packages == (site_packages(python),)
    assert env.paths.scripts == python.parent


def test_installed_distributions_are_listed(
    make_venv: MakeVenv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    python = make_venv()
    wheels = write_wheels(
        tmp_path / "wheels",
        {
            ("Alpha_Pkg", "1.2"): build_wheel("Alpha_Pkg", "1.2", summary="Alpha"),
            ("beta", "2.0"): build_wheel("beta", "2.0", requires=["alpha-pkg>=1"]),
        },
    )
    pip_install(python, pip_env, "--find-links", str(wheels), "alpha-pkg")
    pip_install(python, pip_env, str(wheels / wheel_filename("beta", "2.0")))
    env = inspect_environment(str(python), pip_env)
    by_name: dict[str, Installed] = {inst.name: inst for inst in env.installed}
    assert set(by_name) == {"alpha-pkg", "beta"}

    alpha = by_name["alpha-pkg"]
    assert alpha.display_name == "Alpha_Pkg"
    assert alpha.version == Version("1.2")
    assert alpha.location == site_packages(python)
    assert alpha.dist_info == site_packages(python) / "alpha_pkg-1.2.dist-info"
    assert alpha.has_record
    assert alpha.installer == "pip"
    assert alpha.requested
    assert alpha.direct_url is None
    assert alpha.summary == "Alpha"
    candidate = alpha.to_candidate()
    assert candidate.source is Source.INDEX
    assert (candidate.name, candidate.version, candidate.filename) == (
        "alpha-pkg",
        Version("1.2"),
        "",
    )
    assert candidate.sha256 is None
    assert candidate.requested

    beta = by_name["beta"]
    assert beta.requires_dist == ("alpha-pkg>=1",)
    assert beta.direct_url is not None
    assert beta.direct_url.kind is DirectKind.ARCHIVE
    assert beta.direct_url.url.startswith("file://")
    assert beta.direct_url.archive_hash.startswith("sha256=")
    assert beta.to_candidate().source is Source.LOCAL


def test_a_planted_pth_file_does_not_run_during_inspection(
    make_venv: MakeVenv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    python = make_venv()
    marker = tmp_path / "pth-ran"
    (site_packages(python) / "evil.pth").write_text(
        f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n", encoding="utf-8"
    )
    inspect_environment(str(python), pip_env)
    assert not marker.exists()


def test_an_interpreter_that_does_not_run_is_an_audit_error(tmp_path: Path) -> None:
    with pytest.raises(AuditError):
        inspect_environment(str(tmp_path / "no-such-python"))


def test_venv_python(make_venv: MakeVenv, tmp_path: Path) -> None:
    python = make_venv()
    assert venv_python(python.parent.parent) == python
    with pytest.raises(AuditError):
        venv_python(tmp_path / "nowhere")


SITE = "/env/lib/python3.11/site-packages"


def entry(name: str = "Foo", version: str = "1.0", **extra: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "version": version, "metadata_version": "2.1"},
        "metadata_location": f"{SITE}/{name.lower()}-{version}.dist-info",
        "installer": "pip",
        "requested": False,
        **extra,
    }


def test_parse_inspect_reads_the_entries() -> None:
    [inst] = parse_inspect({"version": "1", "installed": [entry("Foo.Bar", "1.0rc1")]})
    assert inst.name == "foo-bar"
    assert inst.version == Version("1.0rc1")
    assert inst.location == Path("/env/lib/python3.11/site-packages")
    assert inst.dist_info.name == "foo.bar-1.0rc1.dist-info"
    assert not inst.requested


@pytest.mark.parametrize(
    "report",
    [
        [],
        {"version": "1"},
        {"version": "2", "installed": []},
        {"version": "1", "installed": ["x"]},
        {"version": "1", "installed": [entry(version="not a version")]},
        {"version": "1", "installed": [{"metadata": {"name": "x", "version": "1"}}]},
        {"version": "1", "installed": [entry(direct_url={"dir_info": {}})]},
    ],
)
def test_parse_inspect_rejects_malformed_reports(report: object) -> None:
    with pytest.raises(AuditError):
        parse_inspect(report)


def test_parse_direct_url_kinds() -> None:
    editable = parse_direct_url({"url": "file:///src/x", "dir_info": {"editable": True}})
    assert (editable.kind, editable.editable, editable.source) == (
        DirectKind.DIR,
        True,
        Source.LOCAL,
    )
    assert "editable" in editable.describe()

    vcs = parse_direct_url(
        {
            "url": "https://github.com/o/r.git",
            "vcs_info": {"vcs": "git", "commit_id": "abc123", "requested_revision": "main"},
        }
    )
    assert (vcs.kind, vcs.source, vcs.commit_id, vcs.vcs) == (
        DirectKind.VCS,
        Source.VCS,
        "abc123",
        "git",
    )

    archive = parse_direct_url(
        {"url": "https://example.org/x-1.0.tar.gz", "archive_info": {"hashes": {"sha256": "AB"}}}
    )
    assert (archive.kind, archive.source, archive.archive_hash) == (
        DirectKind.ARCHIVE,
        Source.URL,
        "sha256=ab",
    )

    [inst] = parse_inspect(
        {
            "version": "1",
            "installed": [
                entry(direct_url={"url": "file:///src/x", "dir_info": {"editable": True}})
            ],
        }
    )
    candidate = inst.to_candidate()
    assert (candidate.source, candidate.editable, candidate.url) == (
        Source.LOCAL,
        True,
        "file:///src/x",
    )
