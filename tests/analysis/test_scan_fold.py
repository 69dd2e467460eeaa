"""``fold``: the text an expression builds from literals, computed without running it."""

from __future__ import annotations

import ast

import pytest

from guard.analysis.scan.python.collect import collect
from guard.analysis.scan.python.context import Context
from guard.analysis.scan.python.fold import fold, template


def _fold(source: str) -> str | None:
    """Fold the last line's expression, with the assignments above it known."""
    tree = ast.parse(source)
    cx = Context(source.splitlines())
    collect(cx, ast.walk(tree))
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)
    return fold(cx, last.value)


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ('"exec"', "exec"),
        ('"ex" + "ec"', "exec"),
        ('"cexe"[::-1]', "exec"),
        ('"".join(chr(c) for c in [101, 120, 101, 99])', "exec"),
        ('"".join([chr(c) for c in (101, 120, 101, 99)])', "exec"),
        ('"".join(map(chr, [101, 120, 101, 99]))', "exec"),
        ('j = "".join\nj([chr(x) for x in [111, 115]])', "os"),
        ('c = chr\n"".join(map(c, [111, 115]))', "os"),
        ("chr(100 + 1) + chr(0x78) + chr(202 ^ 175) + chr(99)", "exec"),
        ("bytes([101, 120, 101, 99]).decode()", "exec"),
        ('bytes.fromhex("65786563").decode()', "exec"),
        ("codes = [101, 120, 101, 99]\nbytearray(codes).decode()", "exec"),
        ('name = "".join(["ev", "al"])\nname', "eval"),
        ('"-".join(["a", "b"])', "a-b"),
    ],
)
def test_folds_text_built_from_literals(source: str, text: str) -> None:
    assert _fold(source) == text


@pytest.mark.parametrize(
    "source",
    [
        "user_input()",
        '"".join(chr(c) for c in range(97, 100))',  # (a range: a character set, computed)
        '"".join(chr(c + k) for c in [1, 2])',  # (a cipher with a key not in the code)
        'x = "a"\nx = "b"\nx + "c"',  # (two values: nothing to fold)
        "bytes([300]).decode()",
        'bytes.fromhex("zz").decode()',
        "chr(-1)",
    ],
)
def test_does_not_fold_what_depends_on_run_time(source: str) -> None:
    assert _fold(source) is None


def test_template_keeps_what_only_run_time_knows_as_a_star() -> None:
    source = 'home = "".join(map(chr, [104, 111, 109, 101]))\nf"/{home}/{user}/.bashrc"'
    tree = ast.parse(source)
    cx = Context(source.splitlines())
    collect(cx, ast.walk(tree))
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)
    assert template(cx, last.value) == "/home/*/.bashrc"
