"""Reading pip's output when a dry run fails: missing requirements, parents, a
dead index, pip's own error cleaned."""

from __future__ import annotations

from packaging.utils import canonicalize_name

from guard.pip.args import parse_pip_args
from guard.pip.diagnose import build_failure, chain, pip_error, read_failure, unreachable

REFUSED = (
    "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) "
    "after connection broken by 'NewConnectionError(\"HTTPConnection(host='127.0.0.1', "
    "port=9): Failed to establish a new connection: [Errno 111] Connection refused\")': "
    "/simple/x/\n"
    "ERROR: Could not find a version that satisfies the requirement x (from versions: none)\n"
    "ERROR: No matching distribution found for x\n"
)

IMPOSSIBLE = """\
Collecting top
Collecting oldlib (from top)
The conflict is caused by:
    oldlib 1.0 depends on youngdep>=0.1
    oldlib 0.9 depends on youngdep>=0.1

Additionally, some packages in these conflicts have no matching distributions \
available for your environment:
    youngdep

ERROR: Cannot install top because these package versions have conflicting dependencies.
ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/
"""


def test_a_transitive_requirement_keeps_its_parent() -> None:
    failure = read_failure(
        "ERROR: No matching distribution found for youngdep>=0.1 (from single)\n"
    )
    assert [str(r) for r in failure.missing] == ["youngdep>=0.1"]
    assert failure.parents == {"youngdep": ("single",)}


def test_resolution_impossible_names_the_unavailable_package_and_its_chain() -> None:
    failure = read_failure(IMPOSSIBLE)
    assert [str(r) for r in failure.missing] == ["youngdep>=0.1"]
    assert chain(canonicalize_name("youngdep"), failure.parents) == ["oldlib", "top"]


def test_a_refused_connection_names_the_index_url() -> None:
    args = parse_pip_args(["x", "--index-url", "http://127.0.0.1:9/simple/"])
    message = unreachable(REFUSED, args, {})
    assert message == (
        "pip could not reach the index URL http://127.0.0.1:9/simple/: "
        "Failed to establish a new connection: [Errno 111] Connection refused"
    )


def test_the_dead_one_of_two_indexes_is_named() -> None:
    args = parse_pip_args(["x", "--extra-index-url", "http://127.0.0.1:9/simple/"])
    message = unreachable(REFUSED, args, {"PIP_INDEX_URL": "http://127.0.0.1:8080/simple/"})
    assert message is not None and "index URL http://127.0.0.1:9/simple/:" in message


def test_no_connection_failure_is_no_index_diagnosis() -> None:
    assert (
        unreachable("ERROR: No matching distribution found for x\n", parse_pip_args([]), {}) is None
    )


def test_pip_error_keeps_the_error_lines_not_the_traceback() -> None:
    text = (
        "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'a'\n"
        "ERROR: Invalid requirement: 'foo=='\n"
    )
    assert pip_error(text) == "Invalid requirement: 'foo=='"
    assert pip_error("Traceback (most recent call last):\n  File \"x\"\nKeyError: 'a'\n") == (
        "KeyError: 'a'"
    )


def test_pip_error_drops_escape_sequences_and_control_characters() -> None:
    assert pip_error("ERROR: bad \x1b[31mthing\x07\n") == "bad thing"


# pip 26's output when a build hook fails (sklearn's placeholder, beautifulsoup 3's
# Python 2 setup.py), trimmed.
_HOOK_FAILED = """Collecting {name}
  Downloading {name}-1.0.tar.gz (2.6 kB)
  Getting requirements to build wheel: finished with status 'error'
  error: subprocess-exited-with-error

  \u00d7 Getting requirements to build wheel did not run successfully.
  \u2502 exit code: 1
  \u2570\u2500> [{count} lines of output]
{body}
      [end of output]

  note: This error originates from a subprocess, and is likely not a problem with pip.
ERROR: Failed to build '{name}' when getting requirements to build wheel
"""


def _hook_failed(name: str, *body: str) -> str:
    lines = "\n".join(f"      {line}" for line in body)
    return _HOOK_FAILED.format(name=name, count=len(body), body=lines)


def test_a_failed_build_gives_its_first_paragraph() -> None:
    output = _hook_failed(
        "oldname",
        "The 'oldname' PyPI package is deprecated, use 'newname'",
        "rather than 'oldname' for pip commands.",
        "",
        "Here is how to fix this error in the main use cases:",
    )
    found = build_failure(output)
    assert found is not None
    assert (found.name, found.step) == ("oldname", "getting requirements to build wheel")
    assert found.said == (
        "The 'oldname' PyPI package is deprecated, use 'newname'",
        "rather than 'oldname' for pip commands.",
    )


def test_a_failed_build_with_a_traceback_gives_the_error_and_its_source_line() -> None:
    output = _hook_failed(
        "py2only",
        "Traceback (most recent call last):",
        '  File "/tmp/x/_in_process.py", line 406, in <module>',
        "    main()",
        '  File "<string>", line 3',
        '    print "use py3only instead"',
        "    ^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "SyntaxError: Missing parentheses in call to 'print'.",
    )
    found = build_failure(output)
    assert found is not None and found.name == "py2only"
    assert found.said == (
        "SyntaxError: Missing parentheses in call to 'print'.",
        'print "use py3only instead"',
    )


def test_build_output_is_cleaned_and_other_failures_are_not_builds() -> None:
    found = build_failure(_hook_failed("evil", "\x1b[2Jcleared \x1b]0;title\x07screen"))
    assert found is not None and found.said == ("cleared screen",)
    assert build_failure("ERROR: No matching distribution found for nothing-here") is None
