"""Reading a project's dependencies from pyproject.toml (``safepip check .``), and
the pre-commit entry point and hook definition."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guard.cli import precommit
from guard.errors import GuardError, ProjectError
from guard.pip.args import parse_pip_args
from guard.vet.project_deps import expand_local_projects, requirements_from_pyproject

PYPROJECT = """\
[project]
name = "My_App"
version = "1.0"
dependencies = [
    "requests>=2.31",
    "tomli ; python_version < '3.11'",
    "requests>=2.31",
]

[project.optional-dependencies]
Test = ["pytest>=8", "my-app[fast]"]
fast = ["orjson ; platform_system != 'Windows'"]
docs = ["sphinx"]

[dependency-groups]
lint = ["ruff"]
dev = [{include-group = "lint"}, "mypy"]
"""


def project(tmp_path: Path, text: str = PYPROJECT) -> Path:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_project_dependencies_from_the_directory(tmp_path: Path) -> None:
    assert requirements_from_pyproject(project(tmp_path)) == [
        "requests>=2.31",
        "tomli ; python_version < '3.11'",
    ]


def test_the_file_itself_works_too(tmp_path: Path) -> None:
    path = project(tmp_path) / "pyproject.toml"
    assert requirements_from_pyproject(path)[0] == "requests>=2.31"


def test_extras_expand_self_references_instead_of_looking_them_up(tmp_path: Path) -> None:
    requirements = requirements_from_pyproject(project(tmp_path), extras=["test"])
    assert requirements == [
        "requests>=2.31",
        "tomli ; python_version < '3.11'",
        "pytest>=8",
        "orjson ; platform_system != 'Windows'",
    ]
    assert not any("my-app" in r for r in requirements)


def test_self_reference_markers_are_kept(tmp_path: Path) -> None:
    text = PYPROJECT.replace('"my-app[fast]"', "\"my_app[fast,docs] ; sys_platform == 'linux'\"")
    requirements = requirements_from_pyproject(
        project(tmp_path, text), extras=["Test"], include_dependencies=False
    )
    assert requirements == [
        "pytest>=8",
        'sphinx ; sys_platform == "linux"',
        'orjson ; (platform_system != "Windows") and (sys_platform == "linux")',
    ]


def test_dependency_groups_with_includes(tmp_path: Path) -> None:
    requirements = requirements_from_pyproject(
        project(tmp_path), groups=["dev"], include_dependencies=False
    )
    assert requirements == ["ruff", "mypy"]


def test_dependency_group_cycle_is_an_error(tmp_path: Path) -> None:
    text = PYPROJECT + 'a = [{include-group = "b"}]\nb = [{include-group = "a"}]\n'
    with pytest.raises(ProjectError, match="include-group cycle: a -> b -> a"):
        requirements_from_pyproject(project(tmp_path, text), groups=["a"])


def test_dynamic_dependencies_are_an_error(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\ndynamic = ["dependencies", "version"]\n'
    with pytest.raises(ProjectError, match=r"project\.dependencies is dynamic"):
        requirements_from_pyproject(project(tmp_path, text))


def test_no_dependencies_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="declares no dependencies"):
        requirements_from_pyproject(project(tmp_path, '[project]\nname = "x"\n'))


def test_no_project_table_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"has no \[project\] table"):
        requirements_from_pyproject(project(tmp_path, "[tool.poetry]\nname = 'x'\n"))


@pytest.mark.parametrize(
    ("text", "extras", "groups", "expected"),
    [
        (PYPROJECT, ["nope"], [], r"no extra 'nope' \(extras: Test, docs, fast\)"),
        (PYPROJECT, [], ["nope"], "no dependency group 'nope'"),
        ('[project]\nname = "x"\ndependencies = ["not a req!"]\n', [], [], "is not a requirement"),
        ('[project]\nname = "x"\ndependencies = "requests"\n', [], [], "must be a list"),
        ("[project\n", [], [], "not valid TOML"),
    ],
)
def test_bad_input(
    tmp_path: Path, text: str, extras: list[str], groups: list[str], expected: str
) -> None:
    with pytest.raises(ProjectError, match=expected):
        requirements_from_pyproject(project(tmp_path, text), extras, groups)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="cannot read"):
        requirements_from_pyproject(tmp_path)
    assert issubclass(ProjectError, GuardError)


# --- pre-commit ---------------------------------------------------------------------


def test_precommit_turns_each_file_name_into_its_own_check() -> None:
    assert precommit.check_runs(["requirements.txt", "requirements-dev.txt"]) == [
        ("requirements.txt", ["check", "-r", "requirements.txt"]),
        ("requirements-dev.txt", ["check", "-r", "requirements-dev.txt"]),
    ]
    assert precommit.check_runs(["--policy", "team.toml", "--no-progress", "a.txt"]) == [
        ("a.txt", ["check", "--policy", "team.toml", "--no-progress", "-r", "a.txt"])
    ]
    assert precommit.check_runs(["--format=json", "--", "-odd.txt"]) == [
        ("-odd.txt", ["check", "--format=json", "-r", "-odd.txt"])
    ]


def test_precommit_without_files_checks_nothing() -> None:
    assert precommit.check_runs(["--policy", "team.toml"]) == []
    assert precommit.main(["--policy", "team.toml"]) == 0


def test_precommit_hook_definition() -> None:
    text = (Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: safepip-check\n" in text
    assert "  entry: safepip-pre-commit\n" in text
    assert "  pass_filenames: true\n" in text
    files = re.search(r"^  files: (.+)$", text, re.MULTILINE)
    assert files is not None
    pattern = re.compile(files.group(1))
    for name in ("requirements.txt", "requirements-dev.txt", "deps/requirements_ci.txt"):
        assert pattern.search(name), name
    for name in ("setup.py", "requirements.in", "pyproject.toml"):
        assert not pattern.search(name), name


# --- check DIR / check -e DIR: requirement strings, or a note and the build requirements


def test_local_projects_become_their_requirements_positional_or_editable(tmp_path: Path) -> None:
    app = project(tmp_path)
    for words in ([f"{app}[docs]"], ["-e", f"{app}[docs]"], [f"--editable={app}[docs]"]):
        expanded = expand_local_projects(parse_pip_args([*words, "flask", "-i", "https://x/"]))
        assert expanded.args.positionals == [
            "requests>=2.31",
            "tomli ; python_version < '3.11'",
            "sphinx",
            "flask",
        ]
        assert expanded.args.values("--index-url") == ["https://x/"]
        assert not expanded.args.has("--editable")
        assert (expanded.projects, expanded.notes) == ((), ())


@pytest.mark.parametrize(
    ("files", "why"),
    [
        (
            {"pyproject.toml": '[project]\nname = "x"\ndynamic = ["dependencies"]\n'},
            "its project.dependencies is dynamic",
        ),
        (
            {"pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'},
            "its pyproject.toml has no [project] table",
        ),
        (
            {"setup.py": "raise SystemExit('never run')\n"},
            "it has no pyproject.toml, only a setup script",
        ),
    ],
)
def test_a_project_only_a_build_can_read_is_set_apart_with_a_note(
    tmp_path: Path, files: dict[str, str], why: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    expanded = expand_local_projects(parse_pip_args(["-e", str(tmp_path), "flask"]))
    assert expanded.args.positionals == ["flask"] and not expanded.args.has("--editable")
    assert expanded.projects == (tmp_path,)
    [note] = expanded.notes
    assert f"the local project {tmp_path}: {why}" in note and "not vetted" in note


def test_names_and_files_that_are_no_project_directory_stay(tmp_path: Path) -> None:
    args = parse_pip_args(["-e", "git+https://example.org/x.git#egg=x", str(tmp_path), "flask"])
    expanded = expand_local_projects(args)
    assert expanded.args == args and expanded.projects == ()
