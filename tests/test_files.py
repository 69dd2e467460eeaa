"""guard/files.py: the one atomic write and the capped read of regular files."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from guard.errors import GuardError
from guard.files import atomic_write, atomic_writer, read_regular, temporary_directory


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_read_regular_reads_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(b"version = 1\n")
    assert read_regular(path, 100) == b"version = 1\n"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_read_regular_refuses_devices(device: str) -> None:
    if not Path(device).exists():
        pytest.fail(f"{device} missing on this machine")
    with pytest.raises(GuardError, match="not a regular file"):
        read_regular(Path(device), 1000)


def test_read_regular_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(GuardError, match="not a regular file"):
        read_regular(fifo, 1000)


def test_read_regular_refuses_directories_missing_and_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(GuardError, match="not a regular file"):
        read_regular(tmp_path, 1000)
    with pytest.raises(GuardError, match="cannot read"):
        read_regular(tmp_path / "absent", 1000)
    big = tmp_path / "big"
    big.write_bytes(b"#" * 1001)
    with pytest.raises(GuardError, match="larger than 1000 bytes"):
        read_regular(big, 1000)


def test_a_temporary_directory_is_removed_however_the_block_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None  # read TMPDIR again
    try:
        with temporary_directory("safepip-t-") as folder:
            (folder / "sub").mkdir()
            (folder / "sub" / "file").write_text("x")
            assert folder.parent == tmp_path
        with pytest.raises(GuardError), temporary_directory("safepip-t-") as folder:
            (folder / "file").write_text("x")
            raise GuardError("failed")
        with pytest.raises(KeyboardInterrupt), temporary_directory("safepip-t-"):
            raise KeyboardInterrupt
    finally:
        tempfile.tempdir = None
    assert list(tmp_path.iterdir()) == []


def test_a_ctrl_c_while_a_temporary_directory_is_removed_does_not_leave_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    real = shutil.rmtree
    calls: list[str] = []

    def interrupted_once(path: str, ignore_errors: bool = False) -> None:
        calls.append(path)
        if len(calls) == 1:  # the Ctrl-C lands as the removal starts
            raise KeyboardInterrupt
        real(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(shutil, "rmtree", interrupted_once)
    tempfile.tempdir = None
    try:
        # after a clean end: removed, then the Ctrl-C is raised
        with pytest.raises(KeyboardInterrupt), temporary_directory("safepip-t-") as folder:
            (folder / "file").write_text("x")
        assert list(tmp_path.iterdir()) == []
        # after an error: removed, and the error (which says what happened) goes on
        calls.clear()
        with pytest.raises(GuardError), temporary_directory("safepip-t-"):
            raise GuardError("failed")
    finally:
        tempfile.tempdir = None
    assert list(tmp_path.iterdir()) == []
