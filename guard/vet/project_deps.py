"""A project's declared dependencies, read from its pyproject.toml without building it.

``safepip check .`` vets what a project depends on: PEP 621
``[project].dependencies``, optionally some ``[project.optional-dependencies]``
extras and PEP 735 ``[dependency-groups]`` (with ``{include-group = "..."}``).
A requirement on the project itself with extras (``myproject[test]`` inside an
extra) is expanded here, never looked up on the index: a project of the same
name on PyPI is somebody else's.

A ``dynamic`` dependency list cannot be read without running the project's
build backend, so ``requirements_from_pyproject`` refuses it (ProjectError), as
a project that declares nothing to check. ``expand_local_projects`` (``check DIR``
and ``check -e DIR``) instead says so in a note and hands the project on, so that
what is known is vetted: its build requirements.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from guard.errors import ProjectError
from guard.pip.args import PipArgs, Token


def _load(path: Path) -> tuple[Path, dict[str, object]]:
    file = path / "pyproject.toml" if path.is_dir() else path
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProjectError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    try:
        return file, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{file}: not valid TOML: {exc}") from exc


def _strings(file: Path, key: str, raw: object) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ProjectError(f"{file}: {key}: must be a list of requirement strings")
    out = []
    for index, item in enumerate(raw):
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            raise ProjectError(
                f"{file}: {key}[{index}]: {item!r} is not a requirement: {exc}"
            ) from exc
        out.append(item.strip())
    return out


class _Reader:
    def __init__(self, file: Path, data: Mapping[str, object]) -> None:
        self.file = file
        project = data.get("project")
        if not isinstance(project, dict):
            raise ProjectError(
                f"{file}: has no [project] table (PEP 621): nothing safepip can read "
                "without building the project"
            )
        self.project: dict[str, object] = project
        name = project.get("name")
        self.name = canonicalize_name(name) if isinstance(name, str) else None
        dynamic = project.get("dynamic", [])
        self.dynamic = set(dynamic) if isinstance(dynamic, list) else set()
        groups = data.get("dependency-groups", {})
        if not isinstance(groups, dict):
            raise ProjectError(f"{file}: dependency-groups: must be a table")
        self.groups = {canonicalize_name(str(k)): (str(k), v) for k, v in groups.items()}

    def _not_dynamic(self, key: str) -> None:
        if key in self.dynamic:
            raise ProjectError(
                f"{self.file}: project.{key} is dynamic: its build backend computes it, so "
                "safepip cannot read it without building the project; use "
                "`safepip check -r requirements.txt`, or declare it statically"
            )

    def base(self) -> list[str]:
        self._not_dynamic("dependencies")
        return self._expand(
            _strings(self.file, "project.dependencies", self.project.get("dependencies", [])),
            set(),
        )

    def optional(self, extra: str, seen: set[str]) -> list[str]:
        self._not_dynamic("optional-dependencies")
        wanted = canonicalize_name(extra)
        if wanted in seen:
            return []
        seen.add(wanted)
        table = self.project.get("optional-dependencies", {})
        if not isinstance(table, dict):
            raise ProjectError(f"{self.file}: project.optional-dependencies: must be a table")
        for key, raw in table.items():
            if canonicalize_name(str(key)) == wanted:
                where = f"project.optional-dependencies.{key}"
                return self._expand(_strings(self.file, where, raw), seen)
        known = ", ".join(sorted(str(k) for k in table)) or "none"
        raise ProjectError(f"{self.file}: no extra {extra!r} (extras: {known})")

    def _expand(self, requirements: list[str], seen: set[str]) -> list[str]:
        """Self-references (``myproject[test]``) become the extras' own requirements."""
        out: list[str] = []
        for text in requirements:
            requirement = Requirement(text)
            if self.name is None or canonicalize_name(requirement.name) != self.name:
                out.append(text)
                continue
            if requirement.url:
                raise ProjectError(f"{self.file}: {text!r}: the project depends on itself by URL")
            for extra in sorted(requirement.extras):
                for item in self.optional(extra, seen):
                    out.append(_with_marker(item, requirement))
        return out

    def group(self, name: str, stack: tuple[str, ...] = ()) -> list[str]:
        wanted = canonicalize_name(name)
        if wanted in stack:
            chain = " -> ".join([*stack, wanted])
            raise ProjectError(f"{self.file}: dependency-groups: include-group cycle: {chain}")
        if wanted not in self.groups:
            known = ", ".join(sorted(k for k, _ in self.groups.values())) or "none"
            raise ProjectError(f"{self.file}: no dependency group {name!r} (groups: {known})")
        key, raw = self.groups[wanted]
        if not isinstance(raw, list):
            raise ProjectError(f"{self.file}: dependency-groups.{key}: must be a list")
        out: list[str] = []
        for index, item in enumerate(raw):
            where = f"dependency-groups.{key}[{index}]"
            if isinstance(item, str):
                out.extend(self._expand(_strings(self.file, where, [item]), set()))
            elif isinstance(item, dict) and set(item) == {"include-group"}:
                out.extend(self.group(str(item["include-group"]), (*stack, wanted)))
            else:
                raise ProjectError(
                    f"{self.file}: {where}: must be a requirement string or "
                    '{include-group = "NAME"}'
                )
        return out


def _with_marker(text: str, via: Requirement) -> str:
    """``text`` under the marker of the self-reference it came through, if any."""
    if via.marker is None:
        return text
    inner = Requirement(text)
    if inner.marker is None:
        return f"{text} ; {via.marker}"
    base = text.split(";", 1)[0].strip()
    return f"{base} ; ({inner.marker}) and ({via.marker})"


def requirements_from_pyproject(
    path: Path,
    extras: Sequence[str] = (),
    groups: Sequence[str] = (),
    *,
    include_dependencies: bool = True,
) -> list[str]:
    """The requirement strings a project declares, for ``safepip check .``.

    ``path`` is the project directory or its pyproject.toml. ``extras`` adds
    optional-dependency groups, ``groups`` PEP 735 dependency groups. Duplicates
    are dropped, order kept. Raises ProjectError when the list is dynamic, when
    an extra or group does not exist, or when there is nothing to check.
    """
    file, data = _load(path)
    reader = _Reader(file, data)
    collected: list[str] = []
    if include_dependencies:
        collected.extend(reader.base())
    seen: set[str] = set()
    for extra in extras:
        collected.extend(reader.optional(extra, seen))
    for group in groups:
        collected.extend(reader.group(group))
    unique = list(dict.fromkeys(collected))
    if not unique:
        asked = ", ".join(
            [*(["project.dependencies"] if include_dependencies else [])]
            + [f"extra {e!r}" for e in extras]
            + [f"group {g!r}" for g in groups]
        )
        raise ProjectError(f"{file}: declares no dependencies ({asked or 'nothing asked'})")
    return unique


_DIR_WITH_EXTRAS = re.compile(r"^(?P<path>.+?)(?:\[(?P<extras>[^\]]*)\])?$")


def expand_project_dirs(args: PipArgs) -> PipArgs:
    """Replace each positional project directory (``.``, ``./app[test]``) by the
    requirements its pyproject.toml declares, so checking it builds nothing."""
    tokens: list[Token] = []
    for token in args.tokens:
        match = _DIR_WITH_EXTRAS.match(token.value or "") if not token.option else None
        path = Path(match.group("path")) if match else None
        if match is None or path is None or not (path / "pyproject.toml").is_file():
            tokens.append(token)
            continue
        extras = [e.strip() for e in (match.group("extras") or "").split(",") if e.strip()]
        for requirement in requirements_from_pyproject(path, extras):
            tokens.append(Token("", requirement, (requirement,)))
    return PipArgs(tuple(tokens))


@dataclass(frozen=True)
class Expanded:
    """``check``'s arguments with each local project replaced by the requirements it
    declares; the projects whose dependencies only a build can tell (their build
    requirements are vetted instead), and notes saying so."""

    args: PipArgs
    projects: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def looks_like_path(text: str) -> bool:
    """Whether pip reads a positional argument as a path, not a project name: it
    holds a path separator or starts with a dot (``app`` is the project ``app``
    on the index even where a folder ``app`` exists; ``./app`` is the folder).
    ``-e`` takes any folder."""
    separators = [os.sep, *([os.altsep] if os.altsep else [])]
    return text.startswith(".") or any(sep in text for sep in separators)


def local_project(token: Token) -> tuple[Path, list[str]] | None:
    """The project directory (and extras) a positional or ``-e`` argument names,
    read as pip reads it."""
    if token.option not in {"", "--editable"} or not token.value:
        return None
    if not token.option and not looks_like_path(token.value):
        return None
    match = _DIR_WITH_EXTRAS.match(token.value)
    if match is None or "://" in token.value:
        return None
    path = Path(match.group("path"))
    if not any((path / name).is_file() for name in _PROJECT_FILES):
        return None
    extras = [e.strip() for e in (match.group("extras") or "").split(",") if e.strip()]
    return path, extras


def only_a_build_tells(path: Path, extras: Sequence[str] = ()) -> str:
    """Why the project's dependencies cannot be read without its build backend
    ("" when its pyproject.toml declares them statically)."""
    if not (path / "pyproject.toml").is_file():
        return "it has no pyproject.toml, only a setup script"
    _, data = _load(path)
    project = data.get("project")
    if not isinstance(project, dict):
        return "its pyproject.toml has no [project] table"
    dynamic = project.get("dynamic", [])
    dynamic = dynamic if isinstance(dynamic, list) else []
    if "dependencies" in dynamic:
        return "its project.dependencies is dynamic"
    if extras and "optional-dependencies" in dynamic:
        return "its project.optional-dependencies is dynamic"
    return ""


def dynamic_note(path: Path, why: str) -> str:
    return (
        f"the local project {path}: {why}, so only its build backend can tell its "
        "dependencies; check does not run it, so they are not vetted (its build "
        "requirements are): run install to vet them before the build"
    )


def expand_local_projects(args: PipArgs) -> Expanded:
    """Replace each local project (``.``, ``./app[test]``, ``-e ./lib``) by the
    requirements its pyproject.toml declares, so that checking it builds nothing;
    a project whose dependencies only a build can tell is set apart with a note."""
    tokens: list[Token] = []
    projects: list[Path] = []
    notes: list[str] = []
    for token in args.tokens:
        found = local_project(token)
        if found is None:
            tokens.append(token)
            continue
        path, extras = found
        why = only_a_build_tells(path, extras)
        if why:
            projects.append(path)
            notes.append(dynamic_note(path, why))
            continue
        for requirement in requirements_from_pyproject(path, extras):
            tokens.append(Token("", requirement, (requirement,)))
    return Expanded(PipArgs(tuple(tokens)), tuple(projects), tuple(notes))
