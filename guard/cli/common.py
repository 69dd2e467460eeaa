"""What every sub-command shares: the report format, the policy, the JSON API and
OSV URLs, exit codes."""

from __future__ import annotations

import os
from pathlib import Path

from guard.errors import UsageError
from guard.index.osv import DEFAULT_OSV_URL
from guard.index.pypi import DEFAULT_PYPI_URL
from guard.policy import model as policy
from guard.report import formats as report_formats

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2


def pypi_url(own: dict[str, str | bool], pol: policy.Policy) -> str:
    flag = own.get("pypi-url")
    if isinstance(flag, str) and flag:
        return flag
    return os.environ.get("SAFEPIP_PYPI_URL") or pol.pypi_url or DEFAULT_PYPI_URL


def osv_url(own: dict[str, str | bool], pol: policy.Policy) -> str:
    """The OSV API: --osv-url, else $SAFEPIP_OSV_URL, else the policy's, else OSV's own."""
    flag = own.get("osv-url")
    if isinstance(flag, str) and flag:
        return flag
    return os.environ.get("SAFEPIP_OSV_URL") or pol.osv_url or DEFAULT_OSV_URL


FORMATS = tuple(report_formats.FORMATS)  # text, json, sarif, markdown


def report_format(own: dict[str, str | bool]) -> str:
    fmt = str(own.get("format", "text"))
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt}")
    return fmt


def load_policy(own: dict[str, str | bool]) -> policy.Policy:
    explicit = own.get("policy")
    return policy.load(explicit if isinstance(explicit, str) else None, Path.cwd())
