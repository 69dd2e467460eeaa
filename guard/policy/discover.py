"""Finding the policy file that applies to a run."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from guard.errors import GuardError
from guard.files import read_regular
from guard.index.policies import MAX_POLICY_BYTES


def _has_tool_section(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(read_regular(pyproject, MAX_POLICY_BYTES).decode("utf-8"))
    except (GuardError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "safepip" in tool


def discover(explicit: str | None, cwd: Path, env: Mapping[str, str] | None = None) -> Path | None:
    """The policy file that applies, or None for the built-in default.

    Order: --policy FILE, $SAFEPIP_POLICY, ./safepip.toml, [tool.safepip] in
    ./pyproject.toml, the user config dir, then the built-in default.
    """
    environ = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if environ.get("SAFEPIP_POLICY"):
        return Path(environ["SAFEPIP_POLICY"])
    local = cwd / "safepip.toml"
    if local.is_file():
        return local
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file() and _has_tool_section(pyproject):
        return pyproject
    user = Path(platformdirs.user_config_dir("safepip")) / "policy.toml"
    if user.is_file():
        return user
    return None
