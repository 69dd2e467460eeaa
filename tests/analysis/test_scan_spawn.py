"""What a started process runs (guard.analysis.scan.python.spawn): the code handed
to an interpreter with ``-c``, a command that uploads a file, a program a shell
is told to run. Every command is benign by construction and nothing is run."""

from __future__ import annotations

from guard.analysis.scan.python import analyse
from guard.analysis.scan.python.spawn import command_upload, inline_code


def test_the_code_after_dash_c_in_words_and_in_a_command_line() -> None:
    assert inline_code(["python3", "-c", "import os"]) == "import os"
    assert inline_code(["python3 -c 'import socket; print(1)'"]) == "import socket; print(1)"
    assert inline_code(['python -c "print(\\"hi\\")"']) == 'print("hi")'
    assert inline_code(["python3", "setup.py", "build"]) == ""


def test_a_command_that_uploads_a_file() -> None:
    assert command_upload('curl -k -F "file=@/tmp/a.zip" https://127.0.0.1:9/up') == "curl"
    assert command_upload("curl -T notes.txt ftp://127.0.0.1:9/") == "curl"
    assert command_upload("curl --data-binary @dump.bin https://127.0.0.1:9/") == "curl"
    assert command_upload("wget --post-file=/tmp/x https://127.0.0.1:9/") == "wget"
    # (a download, a piped command, another program's option: no upload)
    assert command_upload("curl -sSL https://127.0.0.1:9/x -o x") == ""
    assert command_upload("curl -s https://127.0.0.1:9/x | tar -F y") == ""
    assert command_upload("tar -T files.txt -czf out.tgz") == ""


def test_a_flood_of_program_names_or_options_finds_nothing_quickly() -> None:
    assert command_upload("curl " * 100_000) == ""
    assert command_upload("x -F " * 100_000) == ""


def test_code_handed_to_an_interpreter_counts_where_the_command_starts() -> None:
    code = (
        "import subprocess, sys\n"
        "def start():\n"
        "    subprocess.Popen([sys.executable, '-c', "
        '\'import socket,os,pty;s=socket.socket();s.connect(("127.0.0.1",9));'
        '[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("/bin/sh")\'])\n'
    )
    report = analyse(code, functions=True)
    shells = [h for h in report.hits if h.kind == "reverse-shell"]
    assert shells and shells[0].line == 3 and shells[0].scope == "start" and shells[0].deferred


def test_a_shell_told_to_run_a_network_probe_is_judged_by_the_probe() -> None:
    probe = "import subprocess\nsubprocess.call(['sh', '-c', 'nslookup me.example.invalid'])\n"
    build = "import subprocess\nsubprocess.call(['sh', '-c', 'make -C vendor'])\n"
    assert any("'nslookup' through 'sh'" in h.text for h in analyse(probe).hits)
    assert not [h for h in analyse(build).hits if h.kind == "spawn-shell"]
