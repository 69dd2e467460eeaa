"""Time ``safepip install`` against plain ``pip install`` (the same pip: the one
safepip runs), each into a fresh ``python -m venv`` target.

On a PyPI-like loopback index (tests/fakepypi with ``cache_headers``: PEP 658
metadata, ``requires_dist`` in the JSON API, ETags and 304s, pypi.org's
Cache-Control, a listen queue of 128), four sets:

* ``30``: a root and 29 small wheels, some chained;
* ``300`` and ``1000``: a root and 299 / 999 small wheels (flat);
* ``big30``: a root and 29 wheels, each of about 2 MB unpacked Python copied
  from this interpreter's standard library (sorted paths, so deterministic).

Each round runs plain pip and safepip in turn (the order alternates), warm
caches (pip's HTTP cache and safepip's), and for ``big30`` also a cold round
(both caches emptied). The result of a set is the median of the per-round
ratios safepip / plain pip, of wall time and of CPU time (user + system of the
child processes, from ``resource.getrusage(RUSAGE_CHILDREN)``), beside the
goals of issue 18. The date and the load average are printed.

``--real`` adds the same against pypi.org for ``requests``, ``flask`` and
``fastapi uvicorn pydantic`` (``--only-real``: only those). ``--profile``
prints the median phases of warm 30-package installs by safepip (from
``SAFEPIP_PHASES``) beside plain pip's (its output lines, timed as they
arrive). ``--rounds N`` replaces every default number of rounds.

The CPU time counts the processes each command waited for: safepip, its pip
worker, the pip that ``pip --python`` starts under the target.

Run from the repository root, in a venv where safepip is installed:
``python benchmarks/install_speed.py [--sets 30,300,1000,big30] [--rounds N]
[--real | --only-real] [--profile] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pip

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakeosv import FakeOSV
from tests.fakepypi import FakePyPI
from tests.fakepypi.builders import import_name

OLD = datetime.now(UTC) - timedelta(days=900)
BIG_BYTES = 2_000_000  # unpacked Python per wheel of the big set
# stdlib modules whose code does what malware does: exec of decoded marshal data
# (zipimport), a browser opened at import (antigravity), computed commands run
DROPPER_LIKE = {"zipimport.py", "antigravity.py", "_bootsubprocess.py"}
ALL_SETS = ("30", "300", "1000", "big30")
DEFAULT_ROUNDS = {"30": 15, "300": 9, "1000": 5, "big30": 5, "real": 5, "profile": 7}
# issue 18: warm wall-time goals, cold ones, CPU-time goals (safepip / plain pip)
WALL_GOALS = {"30": 1.10, "300": 1.15, "1000": 1.20, "big30": 1.15}
COLD_GOALS = {"big30": 1.5}
CPU_GOALS = {"30": 1.25, "300": 1.25}
REAL_SETS = {
    "requests": ["requests"],
    "flask": ["flask"],
    "fastapi set": ["fastapi", "uvicorn", "pydantic"],
}


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child processes


@dataclass
class Series:
    """Paired timings of one set: plain pip and safepip, round by round."""

    label: str
    plain: list[Timing] = field(default_factory=list)
    guard: list[Timing] = field(default_factory=list)

    def wall_ratio(self) -> float:
        return statistics.median(
            g.wall / p.wall for p, g in zip(self.plain, self.guard, strict=True)
        )

    def cpu_ratio(self) -> float:
        return statistics.median(g.cpu / p.cpu for p, g in zip(self.plain, self.guard, strict=True))

    def median(self, which: str, kind: str) -> float:
        timings = self.plain if which == "plain" else self.guard
        return statistics.median(t.wall if kind == "wall" else t.cpu for t in timings)


# --- the index and its sets ---


def stdlib_sources() -> list[Path]:
    """This interpreter's standard library modules, sorted; tests left out, and
    the few modules that do what droppers do (safepip blocks those, rightly)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"test", "tests", "site-packages", "idle_test", "lib2to3"}
    return sorted(
        p
        for p in root.rglob("*.py")
        if not skip & set(p.relative_to(root).parts[:-1]) and p.name not in DROPPER_LIKE
    )


def big_files(package: str, sources: Iterator[Path]) -> dict[str, bytes]:
    """About BIG_BYTES of real Python under ``package/``, the next files from ``sources``."""
    files: dict[str, bytes] = {}
    total = 0
    while total < BIG_BYTES:
        path = next(sources)
        data = path.read_bytes()
        files[f"{package}/m{len(files):04d}_{path.name}"] = data
        total += len(data)
    files[f"{package}/__init__.py"] = b'"""Real Python sources, for a benchmark."""\n'
    return files


def cycle(paths: Sequence[Path]) -> Iterator[Path]:
    while True:
        yield from paths


def populate(fake: FakePyPI, sets: Sequence[str]) -> dict[str, str]:
    """Register the chosen sets; {set: the requirement that installs it}."""
    roots: dict[str, str] = {}
    if "30" in sets:
        deps = [f"dep{i:02d}" for i in range(29)]
        for i, dep in enumerate(deps):
            # a chain inside the set, so the resolver has work to do
            chained = [f"{deps[i + 1]}>=1"] if i % 3 == 0 and i + 1 < len(deps) else []
            for version in ("0.9", "1.0"):
                fake.add_release(dep, version, upload_time=OLD, requires=chained)
        fake.add_release("root30", "1.0", upload_time=OLD, requires=deps)
        roots["30"] = "root30"
    for size in ("300", "1000"):
        if size in sets:
            leaves = [f"flat{size}-{i:04d}" for i in range(int(size) - 1)]
            for leaf in leaves:
                for version in ("0.9", "1.0"):
                    fake.add_release(leaf, version, upload_time=OLD)
            fake.add_release(f"root{size}", "1.0", upload_time=OLD, requires=leaves)
            roots[size] = f"root{size}"
    if "big30" in sets:
        sources = cycle(stdlib_sources())
        names = [f"big{i:02d}" for i in range(29)]
        for name in [*names, "rootbig"]:
            requires = names if name == "rootbig" else []
            files = big_files(import_name(name), sources)
            fake.add_release(name, "1.0", upload_time=OLD, requires=requires, files_override=files)
        roots["big30"] = "rootbig"
    return roots


# --- running pip and safepip ---


def base_environment(home: Path) -> dict[str, str]:
    """No PIP_* of the machine (PIP_FIND_LINKS in particular), no config file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "SAFEPIP_"))}
    env.pop("VIRTUAL_ENV", None)
    # safepip's modules byte-compiled, as in an installed copy (pip compiles them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_CACHE_DIR=str(home / "pip-cache"),
        SAFEPIP_CACHE_DIR=str(home / "safepip-cache"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    return env


def loopback_environment(fake: FakePyPI, osv: FakeOSV, home: Path) -> dict[str, str]:
    env = base_environment(home)
    env.update(PIP_INDEX_URL=fake.simple_url, SAFEPIP_PYPI_URL=fake.url, SAFEPIP_OSV_URL=osv.url)
    return env


def fresh_venv(root: Path) -> Path:
    """A new venv, as ``python -m venv --without-pip`` makes it."""
    shutil.rmtree(root, ignore_errors=True)
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    return root / "bin" / "python"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Timing:
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    cpu = children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr}")
    return Timing(wall, cpu)


def commands(target: Path, requirements: Sequence[str]) -> tuple[list[str], list[str]]:
    """Plain pip and safepip, both pip's ``--python`` form, the same pip."""
    plain = [sys.executable, "-m", "pip", "--python", str(target), "install", *requirements]
    guard = [sys.executable, "-m", "guard", "--python", str(target), "install", *requirements]
    return plain, guard


def run_rounds(
    series: Series,
    requirements: Sequence[str],
    env: dict[str, str],
    work: Path,
    rounds: int,
    before: Callable[[], None] = lambda: None,
) -> Series:
    """``rounds`` paired runs, the order alternating; ``before`` runs before each
    (not timed: it empties the caches for cold rounds)."""
    target = work / "target"
    plain, guard = commands(target, requirements)
    for i in range(rounds):
        order = [("plain", plain), ("guard", guard)]
        for which, cmd in order if i % 2 == 0 else reversed(order):
            before()
            fresh_venv(target)
            timing = timed(cmd, env, work)
            (series.plain if which == "plain" else series.guard).append(timing)
        print(f"  {series.label} round {i + 1}/{rounds}: {ratios_text(series, last=True)}")
        sys.stdout.flush()
    return series


def ratios_text(series: Series, last: bool = False) -> str:
    if last:
        p, g = series.plain[-1], series.guard[-1]
        return (
            f"wall {g.wall / p.wall:.2f}x ({p.wall:.2f}s/{g.wall:.2f}s), cpu {g.cpu / p.cpu:.2f}x"
        )
    return f"wall {series.wall_ratio():.2f}x, cpu {series.cpu_ratio():.2f}x"


def warm_up(requirements: Sequence[str], env: dict[str, str], work: Path) -> None:
    """One run of each, so that pip's cache, safepip's and the bytecode are warm."""
    target = work / "target"
    for cmd in commands(target, requirements):
        fresh_venv(target)
        timed(cmd, env, work)


def empty_caches(env: dict[str, str]) -> Callable[[], None]:
    def empty() -> None:
        for key in ("PIP_CACHE_DIR", "SAFEPIP_CACHE_DIR"):
            shutil.rmtree(env[key], ignore_errors=True)

    return empty


# --- reporting ---

Result = tuple[str, Series, float | None, float | None]  # label, timings, wall goal, CPU goal


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def verdict(value: float, goal: float | None) -> str:
    if goal is None:
        return ""
    return f"goal {goal:.2f}x: {'met' if value <= goal else 'NOT met'}"


def summary_rows(results: Sequence[Result]) -> str:
    lines = [
        "| set | rounds | plain pip | safepip | wall ratio | CPU plain | CPU safepip "
        "| CPU ratio | wall goal | CPU goal |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, s, wall_goal, cpu_goal in results:
        wall, cpu = s.wall_ratio(), s.cpu_ratio()
        lines.append(
            f"| {label} | {len(s.plain)} | {s.median('plain', 'wall'):.2f} s "
            f"| {s.median('guard', 'wall'):.2f} s | {wall:.2f}x "
            f"| {s.median('plain', 'cpu'):.2f} s | {s.median('guard', 'cpu'):.2f} s "
            f"| {cpu:.2f}x | {verdict(wall, wall_goal)} | {verdict(cpu, cpu_goal)} |"
        )
    return "\n".join(lines)


# --- the profile ---


def timed_lines(
    cmd: Sequence[str], env: dict[str, str], cwd: Path
) -> tuple[float, list[tuple[float, str]], float]:
    """Run ``cmd``: its start, each output line with the time it arrived, its end."""
    lines: list[tuple[float, str]] = []
    start = time.time()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((time.time(), line.rstrip()))
    code = proc.wait()
    end = time.time()
    if code != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n" + "\n".join(t for _, t in lines[-30:]))
    return start, lines, end


def pip_phases(start: float, lines: list[tuple[float, str]], end: float) -> list[tuple[str, float]]:
    """Plain pip's phases from its output: start-up, resolve (and downloads), install, exit."""

    def first(prefix: str) -> float:
        return next((when for when, text in lines if text.startswith(prefix)), end)

    collecting = first("Collecting")
    installing = first("Installing collected packages")
    installed = first("Successfully installed")
    return [
        ("start (until 'Collecting')", collecting - start),
        ("resolve, metadata, downloads", installing - collecting),
        ("install", installed - installing),
        ("exit", end - installed),
    ]


GUARD_PHASES = (  # (label, the mark that starts it): a phase ends where the next begins
    ("start (imports, early pip)", "spawn"),
    ("policy, set-up", "command"),
    ("resolve (pip dry run)", "resolving"),
    ("look-ups", "looking up"),
    ("judge (metadata)", "looking up done"),
    ("fetch", "fetch"),
    ("judge", "fetch done"),
    ("scan", "scan"),
    ("judge (files), report", "scan done"),
    ("install (pip)", "install"),
    ("report, clean-up", "install done"),
    ("exit", "done"),
)


def guard_phases(marks: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """safepip's phases: from each mark to the next one present (the first of a name)."""
    when: dict[str, float] = {}
    for name, moment in marks:
        when.setdefault(name, moment)
    present = [(label, when[mark]) for label, mark in GUARD_PHASES if mark in when]
    present.append(("", when["end"]))
    return [(label, nxt - at) for (label, at), (_, nxt) in itertools.pairwise(present)]


def phase_table(title: str, runs: list[list[tuple[str, float]]]) -> str:
    """The median of each phase over ``runs`` (a phase missing from a run counts 0)."""
    labels = list(dict.fromkeys(label for run in runs for label, _ in run))
    medians = [
        (label, statistics.median(dict(run).get(label, 0.0) for run in runs)) for label in labels
    ]
    total = statistics.median(sum(seconds for _, seconds in run) for run in runs)
    rows = [f"| {label} | {seconds * 1000:.0f} ms |" for label, seconds in medians]
    return "\n".join(
        [
            f"| {title}, median of {len(runs)} | |",
            "|---|---|",
            *rows,
            f"| **total** (median of the totals) | **{total * 1000:.0f} ms** |",
        ]
    )


def profile(work: Path, rounds: int) -> str:
    """Warm 30-package installs by plain pip and by safepip in turn, phase by phase."""
    with FakePyPI(cache_headers=True, simple_api_version="1.3") as fake, FakeOSV() as osv:
        roots = populate(fake, ["30"])
        env = loopback_environment(fake, osv, work / "home")
        warm_up([roots["30"]], env, work)
        target = work / "target"
        plain, guard = commands(target, [roots["30"]])
        out = work / "phases.json"
        pip_runs: list[list[tuple[str, float]]] = []
        guard_runs: list[list[tuple[str, float]]] = []
        for _ in range(rounds):
            fresh_venv(target)
            start, lines, end = timed_lines(plain, {**env, "PYTHONUNBUFFERED": "1"}, work)
            pip_runs.append(pip_phases(start, lines, end))
            fresh_venv(target)
            start, _, end = timed_lines(guard, {**env, "SAFEPIP_PHASES": str(out)}, work)
            marks = [(str(n), float(t)) for n, t in json.loads(out.read_text())["marks"]]
            guard_runs.append(guard_phases([("spawn", start), *marks, ("end", end)]))
    tables = (phase_table("plain pip", pip_runs), phase_table("safepip", guard_runs))
    return f"{tables[0]}\n\n{tables[1]}\n\nload average {load()}"


# --- the modes ---


def loopback(args: argparse.Namespace, work: Path) -> list[Result]:
    results: list[Result] = []
    # PEP 691 api-version 1.3, as pypi.org: files say whether they have provenance
    with FakePyPI(cache_headers=True, simple_api_version="1.3") as fake, FakeOSV() as osv:
        print(f"building the sets {', '.join(args.sets)} ...", flush=True)
        roots = populate(fake, args.sets)
        env = loopback_environment(fake, osv, work / "home")
        for name in args.sets:
            rounds = args.rounds or DEFAULT_ROUNDS[name]
            print(f"set {name}: {rounds} rounds, load average {load()}", flush=True)
            warm_up([roots[name]], env, work)
            warm = run_rounds(Series(f"{name} warm"), [roots[name]], env, work, rounds)
            results.append((f"{name} warm", warm, WALL_GOALS.get(name), CPU_GOALS.get(name)))
            if name in COLD_GOALS:
                cold = run_rounds(
                    Series(f"{name} cold"), [roots[name]], env, work, rounds, empty_caches(env)
                )
                results.append((f"{name} cold", cold, COLD_GOALS[name], None))
    return results


def real(args: argparse.Namespace, work: Path) -> list[Result]:
    results: list[Result] = []
    env = base_environment(work / "home-real")
    for label, requirements in REAL_SETS.items():
        rounds = args.rounds or DEFAULT_ROUNDS["real"]
        print(f"pypi.org {label}: {rounds} rounds, load average {load()}", flush=True)
        warm_up(requirements, env, work)
        series = run_rounds(Series(f"pypi.org {label}"), requirements, env, work, rounds)
        results.append((f"pypi.org {label} (warm)", series, None, None))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sets", default=",".join(ALL_SETS), help="comma-separated: 30,300,1000,big30"
    )
    parser.add_argument("--rounds", type=int, default=0, help="rounds per set (default: per set)")
    parser.add_argument(
        "--real", action="store_true", help="also pypi.org: requests, flask, fastapi"
    )
    parser.add_argument("--only-real", action="store_true", help="pypi.org only")
    parser.add_argument(
        "--profile", action="store_true", help="the phases of warm 30-package installs"
    )
    parser.add_argument("--json", type=Path, help="write every timing there too")
    args = parser.parse_args()
    args.sets = [s for s in args.sets.split(",") if s]
    unknown = set(args.sets) - set(ALL_SETS)
    if unknown:
        parser.error(f"unknown sets: {', '.join(sorted(unknown))}")
    started = datetime.now(UTC)
    print(f"install speed, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
    print(f"load average {load()}; {sys.executable}, pip {pip.__version__}")
    with tempfile.TemporaryDirectory(prefix="install-speed-") as tmp:
        work = Path(tmp)
        if args.profile:
            print(profile(work, args.rounds or DEFAULT_ROUNDS["profile"]))
            return
        results = [] if args.only_real else loopback(args, work)
        if args.real or args.only_real:
            results += real(args, work)
    print()
    print(summary_rows(results))
    print(f"\nload average when done: {load()} ({datetime.now(UTC) - started} elapsed)")
    if args.json:
        document = {
            "date": started.isoformat(),
            "load_when_done": os.getloadavg(),
            "sets": {label: asdict(s) for label, s, _, _ in results},
        }
        args.json.write_text(json.dumps(document, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
