"""Speed of the local half of ``safepip audit`` on a 200-distribution venv.

Run from the repository root::

    python benchmarks/audit_speed.py [--venv DIR] [--count 200] [--repeat 5]

The first run builds the venv (kept for later runs, in the temp directory
unless ``--venv`` names one): ``--count`` small wheels made in memory with
``tests.fakepypi.builders.build_wheel`` (a package of five modules, a data file,
a console script and entry points each), installed offline with safepip's own
pip (``--no-index --find-links``, ``--no-deps``) into a venv without pip.

It then times, best and median of ``--repeat`` runs: listing the environment
(``guard.pip.environment.inspect_environment``: the target interpreter run with ``-S``,
then ``pip inspect --path``) and the integrity checks over every distribution
(``guard.analysis.integrity.check_environment``: all RECORDs read, every listed file
hashed, package directories walked, .pth files read). It prints them with
today's date. Then it serves the same projects from the loopback PyPI
(tests/fakepypi) and times the whole command, ``safepip audit --python VENV``
(listing, integrity checks, JSON API look-ups, rules and report), with a warm
cache: one run to warm it, then ``--repeat`` timed runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard.analysis.integrity import check_environment  # noqa: E402
from guard.pip.environment import inspect_environment  # noqa: E402
from guard.pip.worker import pip_command, pip_env  # noqa: E402
from tests.fakepypi import FakePyPI  # noqa: E402
from tests.fakepypi.builders import build_wheel, wheel_filename  # noqa: E402

DONE = ".audit-bench-complete"


def _wheel(index: int) -> tuple[str, bytes]:
    name = f"bench-pkg-{index:03d}"
    module = name.replace("-", "_")
    files: dict[str, str | bytes] = {
        f"{module}/{part}.py": f'"""Module {part} of {name}."""\n\n' + "X = 1\n" * 200
        for part in ("core", "util", "api", "models", "cli")
    }
    files[f"{module}/data/table.json"] = b'{"rows": [' + b"1, " * 2000 + b"1]}"
    files[f"{module}-1.0.dist-info/entry_points.txt"] = (
        f"[console_scripts]\n{name} = {module}.cli:main\n"
    )
    return name, build_wheel(name, "1.0", summary=f"Benchmark package {index}", files=files)


def build_venv(root: Path, count: int) -> Path:
    """A venv at ``root`` holding ``count`` distributions; reused when already built."""
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    marker = root / DONE
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == str(count):
        return python
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt", clear=True).create(root)
    with tempfile.TemporaryDirectory(prefix="safepip-bench-wheels-") as tmp:
        wheels = Path(tmp)
        names = []
        for index in range(count):
            name, data = _wheel(index)
            (wheels / wheel_filename(name, "1.0")).write_bytes(data)
            names.append(name)
        cmd = pip_command(str(python)) + [
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--find-links",
            str(wheels),
            *names,
        ]
        subprocess.run(cmd, env=pip_env(), check=True, timeout=1800)
    marker.write_text(str(count), encoding="utf-8")
    return python


def time_full_audit(python: Path, count: int, repeat: int) -> list[float]:
    """Wall-clock times of ``safepip audit`` against a loopback index, warm cache."""
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=800)
    with FakePyPI() as fake, tempfile.TemporaryDirectory(prefix="safepip-bench-home-") as home:
        for index in range(count):
            name, data = _wheel(index)
            for version, when in (("0.9", old), ("1.0", old + dt.timedelta(days=30))):
                fake.add_file(
                    name,
                    version,
                    wheel_filename(name, version),
                    data if version == "1.0" else build_wheel(name, version),
                    upload_time=when,
                    packagetype="bdist_wheel",
                )
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env.update(
            SAFEPIP_PYPI_URL=fake.url,
            SAFEPIP_CACHE_DIR=str(Path(home) / "cache"),
            XDG_DATA_HOME=str(Path(home) / "data"),
            XDG_CONFIG_HOME=str(Path(home) / "config"),
            PIP_CONFIG_FILE=os.devnull,
        )
        cmd = [sys.executable, "-m", "guard", "--python", str(python), "audit"]
        times = []
        for run in range(repeat + 1):
            t0 = time.perf_counter()
            proc = subprocess.run(
                cmd, env=env, cwd=home, capture_output=True, text=True, check=False
            )
            if proc.returncode not in (0, 1):
                raise SystemExit(f"safepip audit failed:\n{proc.stdout}\n{proc.stderr}")
            if run:  # the first run only warms the cache
                times.append(time.perf_counter() - t0)
        return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=None, help="where to build/reuse the venv")
    parser.add_argument("--count", type=int, default=200, help="distributions to install")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    root: Path = args.venv or Path(tempfile.gettempdir()) / f"safepip-audit-bench-{args.count}"

    start = time.perf_counter()
    python = build_venv(root, args.count)
    setup = time.perf_counter() - start

    listing: list[float] = []
    checking: list[float] = []
    total: list[float] = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        env = inspect_environment(str(python))
        t1 = time.perf_counter()
        found = check_environment(env)
        t2 = time.perf_counter()
        listing.append(t1 - t0)
        checking.append(t2 - t1)
        total.append(t2 - t0)

    flagged = sum(1 for _, findings in found.per_distribution if findings) + len(found.unowned)
    print(f"safepip audit speed (local half), {dt.date.today().isoformat()}")
    print(f"  venv: {root} ({len(env.installed)} distributions; setup {setup:.1f} s)")
    print(f"  files hashed: {found.hashed_files} ({found.hashed_bytes / 1e6:.1f} MB)")
    print(f"  distributions with findings: {flagged}")
    for label, times in (
        ("list (locate + pip inspect)", listing),
        ("integrity checks", checking),
        ("total", total),
    ):
        print(
            f"  {label:<28} best {min(times):.3f} s, median {statistics.median(times):.3f} s"
            f" ({args.repeat} runs)"
        )
    full = time_full_audit(python, args.count, args.repeat)
    print(
        f"  {'safepip audit (warm cache)':<28} best {min(full):.3f} s, "
        f"median {statistics.median(full):.3f} s ({args.repeat} runs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
