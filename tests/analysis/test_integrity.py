"""``guard.analysis.integrity`` on real venvs built in the test: clean ones stay clean, tampered
ones are reported under the right rule ids."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import venv
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.analysis.integrity import (
    EnvironmentFindings,
    IntegrityOptions,
    check_direct,
    check_distribution,
    check_environment,
    check_pth_files,
    check_scripts,
    is_unowned,
    pth_owners,
    read_record,
    unowned_candidate,
)
from guard.analysis.pth import executed_lines
from guard.models import Action, Finding, Source
from guard.pip.environment import (
    DirectKind,
    DirectUrl,
    Environment,
    Installed,
    Paths,
    inspect_environment,
)
from guard.pip.worker import pip_command
from guard.rules.base import FindingKind
from guard.rules.local import (
    DIRECT_INSTALL,
    LOCAL_RULES,
    PTH_CODE,
    RECORD_MISMATCH,
    RECORD_MISSING,
    RECORD_UNLISTED,
    SCRIPT_SHADOW,
)
from tests.fakepypi import MakeVenv, build_sdist, build_wheel, site_packages, wheel_filename

ENTRY_POINTS = "[console_scripts]\n{name} = {module}:main\n"


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


def install_wheels(
    python: Path, env: dict[str, str], directory: Path, *wheels: tuple[str, str, bytes]
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, version, data in wheels:
        (directory / wheel_filename(name, version)).write_bytes(data)
    pip_install(python, env, "--find-links", str(directory), *(name for name, _, _ in wheels))


def audit(python: Path, env: dict[str, str], **options: int) -> EnvironmentFindings:
    return check_environment(inspect_environment(str(python), env), IntegrityOptions(**options))


def rules_of(found: EnvironmentFindings) -> dict[str, set[str]]:
    """{distribution or pseudo-candidate name: rule ids}, only non-empty ones."""
    out: dict[str, set[str]] = {}
    for inst, findings in found.per_distribution:
        if findings:
            out[inst.name] = {f.rule for f in findings}
    for candidate, findings in found.unowned:
        out.setdefault(candidate.name, set()).update(f.rule for f in findings)
    return out


def finding(found: EnvironmentFindings, name: str, rule: str) -> Finding:
    for inst, findings in found.per_distribution:
        for f in findings:
            if inst.name == name and f.rule == rule:
                return f
    for candidate, findings in found.unowned:
        for f in findings:
            if candidate.name == name and f.rule == rule:
                return f
    raise AssertionError(f"no {rule} for {name}: {rules_of(found)}")


def test_fresh_venv_without_pip_is_clean(make_venv: MakeVenv, pip_env: dict[str, str]) -> None:
    found = audit(make_venv(), pip_env)
    assert rules_of(found) == {}
    assert found.per_distribution == ()


def test_fresh_venv_with_pip_is_clean(tmp_path: Path, pip_env: dict[str, str]) -> None:
    """A venv as ``python -m venv`` makes it (pip from ensurepip, offline): no findings,
    although pip installs scripts named pip, pip3 and pip3.X."""
    root = tmp_path / "withpip"
    venv.EnvBuilder(with_pip=True, symlinks=os.name != "nt").create(root)
    python = root / "bin" / "python"
    found = audit(python, pip_env)
    assert {inst.name for inst, _ in found.per_distribution} >= {"pip"}
    assert rules_of(found) == {}
    assert found.hashed_files > 100


def test_clean_wheels_and_namespace_packages_are_clean(
    make_venv: MakeVenv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    python = make_venv()
    install_wheels(
        python,
        pip_env,
        tmp_path / "wheels",
        ("alpha", "1.0", build_wheel("alpha", "1.0", files={"alpha/util.py": "X = 1\n"})),
        # Two distributions sharing the namespace directory "ns" (no __init__.py there).
        ("ns-one", "1.0", build_wheel("ns-one", "1.0", files={"ns/one/__init__.py": ""})),
        ("ns-two", "1.0", build_wheel("ns-two", "1.0", files={"ns/two/__init__.py": ""})),
        # A .pth with only a path line runs nothing.
        ("pathonly", "1.0", build_wheel("pathonly", "1.0", pth="extra_dir\n")),
    )
    found = audit(python, pip_env)
    assert len(found.per_distribution) == 4
    assert rules_of(found) == {}
    # pip compiled the modules: __pycache__ and .pyc files are not "unlisted".
    assert list(site_packages(python).glob("alpha/__pycache__/*.pyc"))


def test_tampered_venv_is_reported_under_the_right_rules(
    make_venv: MakeVenv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    python = make_venv()
    install_wheels(
        python,
        pip_env,
        tmp_path / "wheels",
        (
            "victim",
            "1.0",
            build_wheel(
                "victim", "1.0", files={"victim/mod.py": "A = 1\n", "victim/sub/__init__.py": ""}
            ),
        ),
        ("pthpkg", "1.0", build_wheel("pthpkg", "1.0", pth="import os\n")),
        (
            "shadowpkg",
            "1.0",
            build_wheel(
                "shadowpkg",
                "1.0",
                files={
                    "shadowpkg-1.0.dist-info/entry_points.txt": ENTRY_POINTS.format(
                        name="ls", module="shadowpkg"
                    ),
                    "shadowpkg-1.0.data/scripts/sudo": "#!/bin/sh\necho gotcha\n",
                },
            ),
        ),
    )
    site = site_packages(python)
    assert (python.parent / "ls").exists()
    assert (python.parent / "sudo").exists()
    with (site / "victim" / "__init__.py").open("a", encoding="utf-8") as handle:
        handle.write("import os  # planted\n")
    (site / "victim" / "mod.py").unlink()
    (site / "victim" / "sub" / "payload.py").write_text("print('hi')\n", encoding="utf-8")
    (site / "evil.pth").write_text("# comment\nimport os; os.getpid()\n", encoding="utf-8")

    found = audit(python, pip_env)
    assert rules_of(found) == {
        "victim": {RECORD_MISMATCH, RECORD_MISSING, RECORD_UNLISTED},
        "pthpkg": {PTH_CODE},
        "shadowpkg": {SCRIPT_SHADOW},
        "evil.pth": {PTH_CODE},
    }
    mismatch = finding(found, "victim", RECORD_MISMATCH)
    assert "victim/__init__.py" in mismatch.message
    assert ("modified", "victim/__init__.py") in mismatch.evidence
    assert not mismatch.weak
    assert "victim/mod.py" in finding(found, "victim", RECORD_MISSING).message
    assert "victim/sub/payload.py" in finding(found, "victim", RECORD_UNLISTED).message

    owned = finding(found, "pthpkg", PTH_CODE)
    assert "installed by pthpkg" in owned.message
    assert ("owner", "pthpkg") in owned.evidence
    orphan = finding(found, "evil.pth", PTH_CODE)
    assert "not installed by any distribution" in orphan.message
    assert ("owner", "none") in orphan.evidence
    assert ("line 2", "import os; os.getpid()") in orphan.evidence
    [(candidate, _)] = found.unowned
    assert is_unowned(candidate)
    assert candidate.source is Source.LOCAL

    shadows = [f for inst, fs in found.per_distribution for f in fs if f.rule == SCRIPT_SHADOW]
    assert {dict(f.evidence)["script"] for f in shadows} == {"ls", "sudo"}


def test_large_files_are_checked_by_size_only(
    make_venv: MakeVenv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    python = make_venv()
    install_wheels(python, pip_env, tmp_path / "wheels", ("big", "1.0", build_wheel("big", "1.0")))
    init = site_packages(python) / "big" / "__init__.py"
    data = init.read_bytes()
    init.write_bytes(data.replace(b"served", b"SERVED"))  # same size, other bytes
    assert rules_of(audit(python, pip_env)) == {"big": {RECORD_MISMATCH}}
    assert rules_of(audit(python, pip_env, max_hash_bytes=10)) == {}
    init.write_bytes(data + b"#")  # a size change is seen whatever the cap
    assert rules_of(audit(python, pip_env, max_hash_bytes=10)) == {"big": {RECORD_MISMATCH}}


def test_known_pth_files_pass_only_unmodified_and_from_their_owner(
    make_venv: MakeVenv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    python = make_venv()
    shim = "import os; __import__('os')\n"
    install_wheels(
        python,
        pip_env,
        tmp_path / "wheels",
        (
            "setuptools",
            "99.0",
            build_wheel("setuptools", "99.0", files={"distutils-precedence.pth": shim}),
        ),
        # The same file name from another distribution is not exempt.
        ("imposter", "1.0", build_wheel("imposter", "1.0", files={"a1_coverage.pth": shim})),
    )
    site = site_packages(python)
    (site / "_virtualenv.pth").write_text("import _virtualenv\n", encoding="utf-8")
    assert rules_of(audit(python, pip_env)) == {"imposter": {PTH_CODE}}

    (site / "distutils-precedence.pth").write_text(shim + "import evil\n", encoding="utf-8")
    (site / "_virtualenv.pth").write_text("import _virtualenv; import evil\n", encoding="utf-8")
    assert rules_of(audit(python, pip_env)) == {
        "imposter": {PTH_CODE},
        "setuptools": {PTH_CODE, RECORD_MISMATCH},
        "_virtualenv.pth": {PTH_CODE},
    }


def test_installs_from_a_local_directory_and_file_are_direct_installs(
    make_venv: MakeVenv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    python = make_venv()
    source = tmp_path / "src"
    with tarfile.open(fileobj=io.BytesIO(build_sdist("localpkg", "1.0")), mode="r:gz") as archive:
        archive.extractall(source, filter="data")
    pip_install(python, pip_env, str(source / "localpkg-1.0"))
    wheel = tmp_path / wheel_filename("filepkg", "2.0")
    wheel.write_bytes(build_wheel("filepkg", "2.0"))
    pip_install(python, pip_env, str(wheel))

    found = audit(python, pip_env)
    assert rules_of(found) == {"localpkg": {DIRECT_INSTALL}, "filepkg": {DIRECT_INSTALL}}
    local = finding(found, "localpkg", DIRECT_INSTALL)
    assert local.weak
    assert "local directory" in local.message
    assert ("kind", "dir") in local.evidence
    assert "local file" in finding(found, "filepkg", DIRECT_INSTALL).message


def test_editable_install_is_a_weak_direct_install(tmp_path: Path) -> None:
    inst = Installed(
        name=canonicalize_name("mine"),
        display_name="mine",
        version=Version("0.1"),
        location=tmp_path,
        dist_info=tmp_path / "mine-0.1.dist-info",
        direct_url=DirectUrl("file:///home/me/mine", DirectKind.DIR, editable=True),
    )
    [f] = check_direct(inst)
    assert f.rule == DIRECT_INSTALL
    assert f.weak
    assert "editable install" in f.message
    assert ("editable", "true") in f.evidence
    # No RECORD: reported (weakly), not an error.
    [missing] = [f for f in check_distribution(inst) if f.rule == RECORD_MISSING]
    assert missing.weak


def test_editable_finder_pth_is_exempt_only_for_editable_owners(
    make_venv: MakeVenv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    python = make_venv()
    finder = "import __editable___ed_1_0_finder; __editable___ed_1_0_finder.install()\n"
    install_wheels(
        python,
        pip_env,
        tmp_path / "wheels",
        ("ed", "1.0", build_wheel("ed", "1.0", files={"__editable__.ed-1.0.pth": finder})),
    )
    env = inspect_environment(str(python), pip_env)
    site = site_packages(python)
    records = [(i, read_record(i.dist_info) or []) for i in env.installed]
    [hit] = check_pth_files(site, pth_owners(records))
    assert hit.owner == "ed"  # installed from an index: not exempt

    editable = [
        (
            Installed(
                i.name,
                i.display_name,
                i.version,
                i.location,
                i.dist_info,
                direct_url=DirectUrl("file:///src/ed", DirectKind.DIR, editable=True),
            ),
            entries,
        )
        for i, entries in records
    ]
    assert check_pth_files(site, pth_owners(editable)) == []


def test_pth_lines_are_judged_as_site_does() -> None:
    data = b"import os\n  import sys\nimportlib\n#import x\nimport\tx\r\nimport y\rpath\n"
    assert executed_lines(data) == [(1, b"import os"), (5, b"import\tx"), (6, b"import y")]


def test_unowned_candidates_cannot_collide_with_projects(tmp_path: Path) -> None:
    candidate = unowned_candidate(tmp_path / "evil.pth")
    assert candidate.name == "evil.pth"
    assert is_unowned(candidate)
    assert str(candidate.version) == "0"
    assert candidate.url.startswith("file://")


def test_local_rules_have_the_rule_shape() -> None:
    ids = [rule.id for rule in LOCAL_RULES]
    assert ids == [
        RECORD_MISMATCH,
        RECORD_MISSING,
        RECORD_UNLISTED,
        PTH_CODE,
        SCRIPT_SHADOW,
        DIRECT_INSTALL,
    ]
    actions = {rule.id: rule.default_action for rule in LOCAL_RULES}
    assert actions[RECORD_MISMATCH] is Action.BLOCK
    assert actions[PTH_CODE] is Action.BLOCK
    assert actions[SCRIPT_SHADOW] is Action.BLOCK
    assert actions[RECORD_MISSING] is Action.WARN
    assert actions[RECORD_UNLISTED] is Action.WARN
    assert actions[DIRECT_INSTALL] is Action.WARN
    for rule in LOCAL_RULES:
        assert rule.modes == frozenset({"audit"})
        assert rule.summary and rule.rationale
        assert isinstance(rule, FindingKind)  # the audit's checks make these findings


@pytest.mark.parametrize("script", ["pip", "pip3", "pip3.11"])
def test_pip_may_be_pip_but_others_may_not(tmp_path: Path, script: str) -> None:
    def installed(name: str) -> Installed:
        dist_info = tmp_path / name / f"{name}-1.0.dist-info"
        dist_info.mkdir(parents=True)
        (dist_info / "entry_points.txt").write_text(
            ENTRY_POINTS.format(name=script, module="x"), encoding="utf-8"
        )
        return Installed(
            canonicalize_name(name),
            name,
            Version("1.0"),
            tmp_path / name,
            dist_info,
        )

    assert check_scripts(installed("pip"), None) == []
    [shadow] = check_scripts(installed("pipp"), None)
    assert shadow.rule == SCRIPT_SHADOW
    assert dict(shadow.evidence) == {"script": script, "command": "pip"}


def test_environment_with_no_site_packages_is_empty() -> None:
    env = Environment(
        "python", Paths(Path("/nowhere"), False, (), Path("/nowhere/bin"), "3.11"), ()
    )
    assert check_environment(env) == EnvironmentFindings((), (), 0, 0)
