"""What every sub-command shares: the report format, the policy, the JSON API and
OSV URLs, the run's deadline (exit codes: guard.cli.exits)."""

from __future__ import annotations

import os
from pathlib import Path

from guard.deadline import DEFAULT_DEADLINE, Deadline
from guard.errors import UsageError
from guard.index.osv import DEFAULT_OSV_URL
from guard.index.pypi import DEFAULT_PYPI_URL
from guard.policy import model as policy
from guard.report import formats as report_formats
from guard.report.base import Place


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


def run_deadline(own: dict[str, str | bool]) -> Deadline:
    """The run's deadline, starting now: ``--deadline SECONDS``, else
    ``$SAFEPIP_DEADLINE``, else ``DEFAULT_DEADLINE``; 0 means none."""
    flag = own.get("deadline")
    if isinstance(flag, str):
        raw, where = flag, "--deadline"
    else:
        raw, where = os.environ.get("SAFEPIP_DEADLINE", ""), "$SAFEPIP_DEADLINE"
    if not raw.strip():
        return Deadline.begin(DEFAULT_DEADLINE)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise UsageError(f"{where} must be a number of seconds (0: no deadline), not {raw!r}")
    return Deadline.begin(seconds)


def load_policy(own: dict[str, str | bool], deadline: Deadline | None = None) -> policy.Policy:
    """The policy that applies; fetching its URL layers stops when ``deadline`` passes."""
    explicit = own.get("policy")
    path = explicit if isinstance(explicit, str) else None
    return policy.load(path, Path.cwd(), deadline=deadline)


def file_place(path: Path, line: int | None = None) -> Place:
    """A path as the checkout-relative URI SARIF wants, or an absolute file URI
    when it lies outside the working directory."""
    absolute = path.absolute()
    try:
        return Place(absolute.relative_to(Path.cwd().absolute()).as_posix(), line)
    except ValueError:
        return Place(absolute.as_uri(), line, relative=False)
