"""Malware techniques the scan must catch, one benign-by-construction sample each.

Each ``.sample`` file under ``scan_samples/`` (Python source, kept out of the
linters by its suffix) imitates one technique seen in real malicious
packages (never their code: every URL points at 127.0.0.1 or a ``.invalid``
host, and nothing is ever run; the scanner never runs anything). A sample says
where it sits in an artifact and what the scan must find:

- ``# scan-sample: sdist setup.py`` (or ``wheel pkg/__init__.py``...): the
  artifact kind and the path of the first file; ``# --- file: PATH`` starts
  another file of the same artifact;
- ``# ruleid: RULE/KIND`` on the line before the code the finding is about (as
  in GuardDog's samples): the scan must place a signal of that rule and
  detector kind at that line of that file;
- ``# ruleok: RULE/KIND`` on the line before benign code that looks like a
  technique (a calibration's quiet side): the scan must place no signal of
  that rule and detector kind at that line;
- ``# scan-level: block`` (the default), ``warn`` or ``clean``: the artifact's
  level. A calibration has a quiet sample (``clean``, with ``ruleok`` markers)
  and a malicious-shaped twin that still fires;
- ``#PAD:N`` at the end of a line: replaced by a comment of N characters (to
  test that size does not hide code).
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from guard.analysis.scan import scan_archive

SAMPLES = Path(__file__).parent / "scan_samples"
_SAMPLE = re.compile(r"^# scan-sample: (sdist|wheel) (\S+)$", re.M)
_LEVEL = re.compile(r"^# scan-level: (\w+)$", re.M)
_FILE = re.compile(r"^# --- file: (\S+)$")
_RULEID = re.compile(r"^\s*# ruleid: ([\w-]+)/([\w-]+)\s*$")
_RULEOK = re.compile(r"^\s*# ruleok: ([\w-]+)/([\w-]+)\s*$")
_PAD = re.compile(r"#PAD:(\d+)$")


@dataclass(frozen=True)
class Sample:
    kind: str  # "sdist" or "wheel"
    files: dict[str, str]
    expected: set[tuple[str, str, str, int]]  # (rule, kind, file, line)
    level: str
    quiet: frozenset[tuple[str, str, str, int]] = frozenset()  # what must not be found


def load(path: Path) -> Sample:
    text = path.read_text(encoding="utf-8")
    header = _SAMPLE.search(text)
    assert header, f"{path.name}: no '# scan-sample:' line"
    level = _LEVEL.search(text)
    current = header.group(2)
    files: dict[str, list[str]] = {current: []}
    expected: set[tuple[str, str, str, int]] = set()
    quiet: set[tuple[str, str, str, int]] = set()
    pending: list[tuple[str, str]] = []
    pending_ok: list[tuple[str, str]] = []
    for line in text.splitlines():
        new_file = _FILE.match(line)
        if new_file:
            current = new_file.group(1)
            files[current] = []
            continue
        body = files[current]
        body.append(_PAD.sub(lambda m: "#" + "x" * int(m.group(1)), line))
        marker = _RULEID.match(line)
        ok = _RULEOK.match(line)
        if marker:
            pending.append((marker.group(1), marker.group(2)))
        elif ok:
            pending_ok.append((ok.group(1), ok.group(2)))
        elif line.strip():
            expected.update((r, k, current, len(body)) for r, k in pending)
            quiet.update((r, k, current, len(body)) for r, k in pending_ok)
            pending, pending_ok = [], []
    assert expected or quiet, f"{path.name}: no '# ruleid:' or '# ruleok:' marker"
    return Sample(
        header.group(1),
        {name: "\n".join(lines) + "\n" for name, lines in files.items()},
        expected,
        level.group(1) if level else "block",
        frozenset(quiet),
    )


def build(tmp_path: Path, sample: Sample) -> Path:
    buffer = io.BytesIO()
    if sample.kind == "wheel":
        target = tmp_path / "sample-1.0-py3-none-any.whl"
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in sample.files.items():
                archive.writestr(name, content)
    else:
        target = tmp_path / "sample-1.0.tar.gz"
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name, content in sample.files.items():
                data = content.encode()
                info = tarfile.TarInfo(f"sample-1.0/{name}")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    target.write_bytes(buffer.getvalue())
    return target


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.sample")), ids=lambda p: p.stem)
def test_sample_is_caught(tmp_path: Path, path: Path) -> None:
    sample = load(path)
    archive = build(tmp_path, sample)
    result = scan_archive(archive, archive.name, budget=60.0)
    found = {(s.rule, s.kind, s.file, s.line) for s in result.signals}
    missing = sample.expected - found
    shown = sorted((s.rule, s.kind, s.file, s.line, s.weight) for s in result.signals)
    assert not missing, f"missing {sorted(missing)}; found {shown}"
    assert not sample.quiet & found, f"found {sorted(sample.quiet & found)}; found {shown}"
    assert result.level == sample.level, f"{result.level} ({result.score}); found {shown}"


def test_the_samples_are_many() -> None:
    assert len(list(SAMPLES.glob("*.sample"))) >= 20
