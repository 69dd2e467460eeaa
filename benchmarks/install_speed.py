"""Time ``safepip install`` against plain ``pip install`` of the same sets on the
loopback index (tests/fakepypi): one package, and a set of about 30, each into
a fresh venv; safepip with a cold and a warm cache. Each round runs the three
in turn (plain pip, safepip cold, safepip warm), so that the machine's load
weighs on them alike. Prints the medians, their ratios to plain pip (which runs
with its own warm HTTP cache) and the warm ratio of each round.

Run from the repository root: ``python benchmarks/install_speed.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakepypi import FakePyPI

OLD = datetime.now(UTC) - timedelta(days=900)


def populate(fake: FakePyPI) -> dict[str, str]:
    """Two requirement sets: one package, and a root that pulls in 29 more."""
    fake.add_release("solo", "1.0", upload_time=OLD, summary="one package")
    deps = [f"dep{i:02d}" for i in range(29)]
    for i, dep in enumerate(deps):
        # a chain inside the set, so the resolver has work to do
        requires = [f"{deps[i + 1]}>=1"] if i % 3 == 0 and i + 1 < len(deps) else []
        for version in ("0.9", "1.0"):
            fake.add_release(dep, version, upload_time=OLD, requires=requires)
    fake.add_release("root", "1.0", upload_time=OLD, requires=deps)
    return {"1 package": "solo", "30 packages": "root"}


def environment(fake: FakePyPI, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.pop("VIRTUAL_ENV", None)
    # safepip's modules byte-compiled, as in an installed copy (pip compiles them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_INDEX_URL=fake.simple_url,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_CACHE_DIR=str(home / "pip-cache"),
        SAFEPIP_PYPI_URL=fake.url,
        SAFEPIP_CACHE_DIR=str(home / "safepip-cache"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return env


def fresh_venv(root: Path) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    return root / "bin" / "python"


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with FakePyPI() as fake, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sets = populate(fake)
        env = environment(fake, work / "home")
        print(f"install speed, {date.today().isoformat()}, loopback index, {args.repeat} runs each")
        print(
            f"{'set':<12} {'pip (warm)':>10} {'safepip cold':>13} {'safepip warm':>13} "
            f"{'cold/pip':>9} {'warm/pip':>9}"
        )
        for label, requirement in sets.items():
            target = work / "target"
            pip_cmd = [sys.executable, "-m", "pip", "--python", str(target), "install", requirement]
            guard = [sys.executable, "-m", "guard", "--python", str(target), "install", requirement]
            # Warm pip's own cache and safepip's (and its bytecode) once, then measure.
            for cmd in (pip_cmd, guard):
                fresh_venv(target)
                timed(cmd, env, work)
            # One round runs all three in turn, so a change in the machine's load
            # between rounds weighs on all three alike.
            plain: list[float] = []
            cold: list[float] = []
            warm: list[float] = []
            for _ in range(args.repeat):
                fresh_venv(target)
                plain.append(timed(pip_cmd, env, work))
                shutil.rmtree(work / "home" / "safepip-cache", ignore_errors=True)
                fresh_venv(target)
                cold.append(timed(guard, env, work))
                fresh_venv(target)
                warm.append(timed(guard, env, work))
            p, c, w = (statistics.median(x) for x in (plain, cold, warm))
            print(f"{label:<12} {p:>9.2f}s {c:>12.2f}s {w:>12.2f}s {c / p:>8.2f}x {w / p:>8.2f}x")
            per_round = sorted(f"{x / y:.2f}" for x, y in zip(warm, plain, strict=True))
            print(f"{'':<12} warm/pip of each round, sorted: {' '.join(per_round)}")
        print(f"load average when done: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
