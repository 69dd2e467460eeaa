"""Reading policy text: TOML parsing, one layer from the bytes given to it, and
the built-in default. Nothing here reads a file or the network: callers pass
the text (``guard.policy.chain`` reads the files and asks for the URLs)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from guard.errors import PolicyError
from guard.index.policies import display_url
from guard.policy.config import Policy
from guard.policy.refs import Ref, parse_ref
from guard.policy.validate import from_mapping
from guard.rules.base import Declaration

LAYER_KEYS = frozenset({"extends", "layering"})  # top-level keys only layering reads


@dataclass(frozen=True)
class Layer:
    """One policy file of a chain, split into its policy and its layering keys."""

    source: str  # the display name: a path (with " [tool.safepip]"), or a URL
    data: Mapping[str, object]  # the policy keys (what from_mapping reads)
    layering: Mapping[str, object]
    remote: bool = False


def parse_toml(text: str, file: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"{file}: not valid TOML: {exc}"]) from exc


def builtin() -> Policy:
    """The built-in default: every rule's own action and thresholds.

    ``policies/default.toml`` spells the same policy out for people to read and
    copy; a test keeps the two equal.
    """
    return from_mapping({}, "built-in default")


def _policy_table(data: dict[str, object], name: str, is_pyproject: bool) -> dict[str, object]:
    if not is_pyproject:
        return data
    tool = data.get("tool")
    section = tool.get("safepip") if isinstance(tool, dict) else None
    if not isinstance(section, dict):
        raise PolicyError([f"{name}: has no [tool.safepip] table"])
    return section


def _layering(source: str, table: Mapping[str, object], problems: list[str]) -> dict[str, object]:
    layering = table.get("layering", {})
    if not isinstance(layering, dict):
        problems.append(f"{source}: layering: must be a table")
        return {}
    for key in sorted(set(layering) - {"allow-loosen"}):
        problems.append(f"{source}: layering.{key}: unknown key (known: allow-loosen)")
    if "allow-loosen" in layering and not isinstance(layering["allow-loosen"], bool):
        problems.append(f"{source}: layering.allow-loosen: must be true or false")
    return layering


def read_layer(
    body: bytes, ref: Ref, rules: Sequence[Declaration], problems: list[str]
) -> tuple[Layer, Ref | None]:
    """Parse one layer (found at ``ref``) and the ref it extends, if any;
    validation problems go to ``problems`` (all at once)."""
    remote = ref.kind == "url"
    name = display_url(ref.target) if remote else ref.target
    is_pyproject = not remote and Path(ref.target).name == "pyproject.toml"
    source = f"{name} [tool.safepip]" if is_pyproject else name
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError([f"{name}: not UTF-8 text: {exc}"]) from exc
    table = _policy_table(parse_toml(text, name), name, is_pyproject)
    data = {k: v for k, v in table.items() if k not in LAYER_KEYS}
    try:
        from_mapping(data, source, rules)
    except PolicyError as exc:
        problems.extend(exc.problems)
    layering = _layering(source, table, problems)
    parent = parse_ref(table["extends"], source, ref, problems) if "extends" in table else None
    return Layer(source, data, layering, remote), parent
