"""The CLI ends the process with ``os._exit`` (guard.cli.launch.run), and loses
nothing on the way out: threads still writing finish, ``atexit`` handlers run,
stdout and stderr reach the reader, and the exit code is the command's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# A stand-in for the command: it leaves a thread that writes the cache a moment
# after the command returns, registers an atexit handler, and prints a lot.
PROGRAM = textwrap.dedent(
    """
    import atexit, sys, threading, time
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path
    from guard.cli import launch
    from guard.files import atomic_write

    out = Path(sys.argv[1])

    def late_write(name: str) -> None:
        time.sleep(0.5)
        atomic_write(out / name, b"written")

    def command(argv=None):
        threading.Thread(target=late_write, args=("thread",)).start()
        pool = ThreadPoolExecutor(max_workers=1)
        pool.submit(late_write, "pool")
        pool.shutdown(wait=False)
        atexit.register(lambda: (out / "atexit").write_text("ran"))
        sys.stdout.write("x" * 200_000 + "\\n")
        sys.stderr.write("safepip: the end\\n")
        return int(sys.argv[2])

    launch.main = command
    launch.run()
    """
)


def run(tmp_path: Path, code: int) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "program.py"
    script.write_text(PROGRAM, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), str(tmp_path), str(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_nothing_pending_is_lost_at_exit(tmp_path: Path) -> None:
    proc = run(tmp_path, 1)
    assert proc.returncode == 1
    assert proc.stdout == "x" * 200_000 + "\n"
    assert proc.stderr == "safepip: the end\n"
    assert (tmp_path / "thread").read_bytes() == b"written"
    assert (tmp_path / "pool").read_bytes() == b"written"
    assert (tmp_path / "atexit").read_text() == "ran"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_a_success_exits_0(tmp_path: Path) -> None:
    assert run(tmp_path, 0).returncode == 0


def test_the_version_command_exits_through_run() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "guard", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("safepip ")
