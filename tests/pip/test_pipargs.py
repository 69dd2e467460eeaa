"""Splitting safepip's options from pip's, and classifying pip's arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.errors import UsageError
from guard.pip import options as pipopts
from guard.pip.args import direct_references, parse_command_line, parse_pip_args


def test_option_table_matches_installed_pip() -> None:
    from pip._internal.commands import create_command

    parser = create_command("install").parser
    valued: set[tuple[str, ...]] = set()
    flags: set[tuple[str, ...]] = set()
    for opt in parser._get_all_options():
        names = tuple(opt._long_opts + opt._short_opts)
        (valued if opt.takes_value() else flags).add(names)
    assert set(pipopts.VALUED) == valued
    assert set(pipopts.FLAGS) == flags


def test_own_options_are_taken_anywhere_before_double_dash() -> None:
    line = parse_command_line(
        [
            "--policy",
            "team.toml",
            "-r",
            "req.txt",
            "--format=json",
            "--python",
            "/v/bin/python",
            "--no-progress",
            "requests",
            "--",
            "--pypi-url",
            "https://idx/simple",
        ]
    )
    assert line.own == {
        "policy": "team.toml",
        "format": "json",
        "python": "/v/bin/python",
        "no-progress": True,
    }
    # after "--", even --pypi-url is pip's (its alias of --index-url)
    assert line.pip.resolution_args() == [
        "-r",
        "req.txt",
        "requests",
        "--pypi-url",
        "https://idx/simple",
    ]
    assert line.pip.values("--index-url") == ["https://idx/simple"]


def test_values_are_not_mistaken_for_requirements() -> None:
    args = parse_pip_args(["-r", "reqs.txt", "-c", "c.txt", "--target=/t", "-U", "flask[async]"])
    assert args.positionals == ["flask[async]"]
    assert args.values("--requirement") == ["reqs.txt"]
    assert args.values("--target") == ["/t"]


def test_short_clusters_and_attached_values() -> None:
    args = parse_pip_args(["-Uqq", "-rreq.txt", "-ipkgs"])
    assert [t.option for t in args.tokens] == [
        "--upgrade",
        "--quiet",
        "--quiet",
        "--requirement",
        "--index-url",
    ]
    assert args.values("--requirement") == ["req.txt"]
    assert args.values("--index-url") == ["pkgs"]


def test_abbreviations_resolve_like_optparse() -> None:
    args = parse_pip_args(["--upgrade-s", "eager", "x"])
    assert args.values("--upgrade-strategy") == ["eager"]
    with pytest.raises(UsageError, match="ambiguous"):
        parse_pip_args(["--no-b", "x"])


def test_install_args_drop_what_only_shapes_resolution() -> None:
    args = parse_pip_args(
        ["-r", "r.txt", "-i", "https://idx/simple", "--pre", "--user", "-U", "--no-compile", "x"]
    )
    assert args.install_args(keep_index=False) == ["--user", "-U", "--no-compile"]
    assert args.install_args(keep_index=True) == [
        "-i",
        "https://idx/simple",
        "--user",
        "-U",
        "--no-compile",
    ]


@pytest.mark.parametrize("bad", [["--dry-run", "x"], ["--report", "r.json", "x"]])
def test_options_safepip_sets_itself_are_refused(bad: list[str]) -> None:
    with pytest.raises(UsageError):
        parse_pip_args(bad)


def test_unknown_option_is_an_error() -> None:
    with pytest.raises(UsageError, match="no option"):
        parse_pip_args(["--frobnicate", "x"])


def test_no_binary_names() -> None:
    assert parse_pip_args(["--no-binary", "Foo_Bar,baz", "x"]).no_binary_names() == (
        {"foo-bar", "baz"},
        False,
    )
    assert parse_pip_args(["--no-binary", ":all:", "x"]).no_binary_names() == (set(), True)
    assert parse_pip_args(
        ["--no-binary", ":all:", "--only-binary", ":all:", "x"]
    ).no_binary_names() == (set(), False)


def test_direct_references_from_command_line_and_files(tmp_path: Path) -> None:
    inner = tmp_path / "inner.txt"
    inner.write_text("evil @ https://example.invalid/evil-1.0.tar.gz\n")
    outer = tmp_path / "req.txt"
    outer.write_text(
        "# comment\nrequests>=2  # trailing\n-r inner.txt\n"
        "-e git+https://example.invalid/repo.git#egg=thing\n./local/path\n"
    )
    args = parse_pip_args(["-r", str(outer), "https://example.invalid/x-1.0-py3-none-any.whl", "."])
    refs = direct_references(args)
    texts = sorted(r.url for r in refs)
    assert texts == [
        "git+https://example.invalid/repo.git#egg=thing",
        "https://example.invalid/evil-1.0.tar.gz",
        "https://example.invalid/x-1.0-py3-none-any.whl",
    ]
    named = [r for r in refs if r.name]
    assert [r.name for r in named] == ["evil"]
    assert named[0].where.endswith("inner.txt:1")
    assert not named[0].is_wheel


def test_requirement_file_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        direct_references(parse_pip_args(["-r", str(tmp_path / "missing.txt")]))


@pytest.mark.parametrize("argv", [["requests", "--policy"], ["--format", "--", "x"]])
def test_an_own_option_without_its_value_is_a_usage_error(argv: list[str]) -> None:
    with pytest.raises(UsageError, match="needs a value"):
        parse_command_line(argv)


def test_own_options_keep_pips_words_in_order_and_take_empty_values() -> None:
    line = parse_command_line(["-U", "--policy=", "-r", "a.txt", "--pre", "--no-progress", "b"])
    assert line.own == {"policy": "", "no-progress": True}
    assert line.pip.resolution_args() == ["-U", "-r", "a.txt", "--pre", "b"]


def test_no_binary_and_only_binary_combine_in_order() -> None:
    args = parse_pip_args(["--no-binary", "A,b", "--only-binary=a", "--no-binary=:all:"])
    assert args.no_binary_names() == ({"b"}, True)
    args = parse_pip_args(["--no-binary", ":all:", "--only-binary", ":all:", "--no-binary", "c"])
    assert args.no_binary_names() == ({"c"}, False)
