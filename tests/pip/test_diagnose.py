"""Reading pip's output when a dry run fails: missing requirements, parents, a
dead index, pip's own error cleaned."""

from __future__ import annotations

from packaging.utils import canonicalize_name

from guard.pip.args import parse_pip_args
from guard.pip.diagnose import chain, pip_error, read_failure, unreachable

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
