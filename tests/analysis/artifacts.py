"""Small artifacts written for the scan's tests: an sdist or a wheel of text files."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path


def sdist(path: Path, files: dict[str, str], top: str = "sample-1.0") -> Path:
    """A gzipped tar of ``files`` under the directory ``top``."""
    with tarfile.open(path, "w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def wheel(path: Path, files: dict[str, str]) -> Path:
    """A zip of ``files`` (a wheel's layout is the caller's)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path
