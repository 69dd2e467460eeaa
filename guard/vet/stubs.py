"""Stand-in wheels for sdists ``check`` does not build.

``check`` never lets pip build an sdist or prepare its metadata. Where an sdist
declares its dependencies statically (PEP 643, read from its hash-checked
``PKG-INFO`` by ``guard.analysis.build_requirements``), a wheel holding only that
metadata, and no code, is offered to pip's wheels-only dry run through
``--find-links``; pip resolves through it exactly as it would through the built
sdist, and the report names the sdist again (``unstub``). Where only a build
could tell, the stand-in declares nothing and a note says so.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from packaging.utils import NormalizedName

from guard.analysis.build_requirements import SdistMetadata
from guard.files import atomic_write
from guard.models import Candidate

STUB_DIR = "sdist-stubs"


def _dist(text: str) -> str:
    return re.sub(r"[-_.]+", "_", text).lower()


def stub_filename(sdist: Candidate) -> str:
    """The stand-in wheel's file name for ``sdist``."""
    return f"{_dist(sdist.name)}-{sdist.version}-py3-none-any.whl"


def _digest(data: bytes) -> str:
    raw = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + raw.decode("ascii")


def stub_wheel(sdist: Candidate, meta: SdistMetadata) -> bytes:
    """A wheel with ``sdist``'s name, version and declared dependencies, and no code."""
    lines = ["Metadata-Version: 2.1", f"Name: {sdist.name}", f"Version: {sdist.version}"]
    if meta.requires_python:
        lines.append(f"Requires-Python: {meta.requires_python}")
    lines += [f"Requires-Dist: {r}" for r in meta.requires_dist]
    info = f"{_dist(sdist.name)}-{sdist.version}.dist-info"
    entries = {
        f"{info}/METADATA": ("\n".join(lines) + "\n").encode("utf-8"),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: safepip\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{p},{_digest(d)},{len(d)}\n" for p, d in entries.items())
    entries[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in entries.items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def write_stub(folder: Path, sdist: Candidate, meta: SdistMetadata) -> Path:
    """Write ``sdist``'s stand-in wheel into ``folder``."""
    path = folder / stub_filename(sdist)
    atomic_write(path, stub_wheel(sdist, meta))
    return path


def static_note(name: str) -> str:
    return (
        f"{name}'s dependencies were read from its sdist's static metadata (PKG-INFO); "
        "check does not build it"
    )


def dynamic_note(name: str, why: str) -> str:
    return (
        f"{name}'s sdist declares its dependencies only through a build ({why}); check "
        "does not build, so they are not vetted: run install to vet them before the build"
    )


def unstub(
    candidates: Sequence[Candidate], stubs: Mapping[NormalizedName, Candidate]
) -> tuple[Candidate, ...]:
    """pip's candidates with each stand-in wheel replaced by the sdist it stands for."""
    out = []
    for c in candidates:
        sdist = stubs.get(c.name)
        if sdist is not None and c.filename == stub_filename(sdist):
            c = replace(sdist, requested=c.requested, requires_dist=c.requires_dist)
        out.append(c)
    return tuple(out)
