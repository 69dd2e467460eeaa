"""``guard.pip.process``, the one subprocess wrapper: captured runs, failures
that carry their stderr cleaned, timeouts, and output shown line by line."""

from __future__ import annotations

import sys

import pytest

from guard.errors import ProcessError
from guard.pip import process


def test_run_captures_exit_code_and_both_streams() -> None:
    code = "import sys; print('out'); sys.stderr.write('err\\n'); raise SystemExit(4)"
    done = process.run([sys.executable, "-c", code], env=None, timeout=60, what="python")
    assert done == process.Completed(4, "out\n", "err\n")


def test_run_passes_the_environment_and_no_input() -> None:
    code = "import os, sys; print(os.environ['SAFEPIP_TEST_VALUE'], repr(sys.stdin.read()))"
    env = {"SAFEPIP_TEST_VALUE": "given", "PATH": "/usr/bin:/bin"}
    done = process.run([sys.executable, "-c", code], env=env, timeout=60, what="python")
    assert done.stdout == "given ''\n"


def test_a_command_that_cannot_start_is_a_process_error() -> None:
    with pytest.raises(ProcessError, match=r"^could not run the thing: ") as caught:
        process.run(["/nonexistent/safepip-test"], env=None, timeout=60, what="the thing")
    assert caught.value.code is None


def test_a_command_that_takes_too_long_is_a_process_error() -> None:
    cmd = [sys.executable, "-c", "import time; time.sleep(30)"]
    with pytest.raises(ProcessError, match=r"could not run sleeper: .*timed out"):
        process.run(cmd, env=None, timeout=0.5, what="sleeper")


def test_output_failure_carries_the_end_of_stderr_cleaned() -> None:
    code = (
        "import sys\n"
        "for n in range(15): sys.stderr.write(f'line {n}\\n')\n"
        "sys.stderr.write('\\x1b]0;pwned\\x07last \\x1b[31mred\\x1b[0m\\n')\n"
        "raise SystemExit(3)"
    )
    with pytest.raises(ProcessError) as caught:
        process.output([sys.executable, "-c", code], env=None, timeout=60, what="the tool")
    tail = "\n".join([*(f"line {n}" for n in range(6, 15)), "last red"])
    assert caught.value.code == 3
    assert caught.value.stderr == tail
    assert str(caught.value) == f"the tool failed (exit 3):\n{tail}"


def test_output_returns_stdout_on_success() -> None:
    cmd = [sys.executable, "-c", "print('fine')"]
    assert process.output(cmd, env=None, timeout=60, what="python") == "fine\n"


def test_streaming_shows_both_streams_cleaned_and_returns_the_exit_code() -> None:
    shown: list[str] = []
    code = "import sys; print('a\\x1b[2Jb', flush=True); sys.stderr.write('c\\n'); sys.exit(5)"
    proc = process.Streaming([sys.executable, "-c", code], None, shown.append, what="python")
    assert proc.wait(60) == 5
    assert sorted(shown) == ["ab\n", "c\n"]


def test_streaming_reads_what_is_sent_until_closed() -> None:
    shown: list[str] = []
    code = "import sys\nfor line in sys.stdin: print('got', line.strip(), flush=True)"
    cmd = [sys.executable, "-c", code]
    proc = process.Streaming(cmd, None, shown.append, what="echo", stdin=True)
    proc.send("one\n")
    proc.send("two\n")
    proc.close(grace=30)
    assert shown == ["got one\n", "got two\n"]
    with pytest.raises(OSError):
        proc.send("three\n")


def test_streaming_that_takes_too_long_is_killed() -> None:
    cmd = [sys.executable, "-c", "import time; time.sleep(30)"]
    proc = process.Streaming(cmd, None, lambda _: None, what="sleeper")
    with pytest.raises(ProcessError, match=r"^sleeper did not finish within 0.5 s$"):
        proc.wait(0.5)
    assert proc.wait() != 0  # it was killed


def test_streaming_that_cannot_start_is_a_process_error() -> None:
    with pytest.raises(ProcessError, match=r"^could not run nothing: "):
        process.Streaming(["/nonexistent/safepip-test"], None, lambda _: None, what="nothing")


def test_streaming_that_does_not_end_when_closed_is_killed_after_its_grace() -> None:
    code = "import signal, sys, time\nsys.stdin.read()\ntime.sleep(30)"
    proc = process.Streaming(
        [sys.executable, "-c", code], None, lambda _: None, what="x", stdin=True
    )
    proc.close(grace=0.5)
    assert proc.wait() != 0  # killed, not ended by itself


def test_streaming_that_ends_in_time_is_not_killed() -> None:
    cmd = [sys.executable, "-c", "import time; time.sleep(0.2)"]
    proc = process.Streaming(cmd, None, lambda _: None, what="napper")
    assert proc.wait(60) == 0
