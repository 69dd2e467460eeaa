"""Quality and speed of the typosquat detector on the shared evaluation files.

Run from the repository root::

    python benchmarks/typosquat_quality.py [--shared DIR] [--verbose] [--repeat N]

It prints, with today's date: recall on the malicious names whose target is
stated (and on those whose stated target is in the popular list), the flag rate
on all malicious names and on those with any target, the flag rate (any
strength) on a random sample of benign PyPI names, how many of the popular
projects themselves would be blocked, the mean time per name on a batch of
20,000 names and the detector's start-up time (loading the data and building
the indices).  Timings are the median of ``--repeat`` runs, wall clock (with
its minimum) and CPU time of this process: on a busy machine the CPU time and
the minimum are closer to a quiet machine's figure; the load average is printed
to tell the two cases apart.
The evaluation files are for measuring only: nothing here feeds back into the
detector.  The stated-target misses are also counted by cause: target not
protected at all, or protected but the name too far from it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard.analysis.typosquat import Detector  # noqa: E402
from guard.index import popular  # noqa: E402


def _load_malicious(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


Times = tuple[list[float], list[float]]  # wall-clock and CPU (process) times, ms


def _startup_ms(repeat: int) -> Times:
    """Times to read the shipped list and build the detector, in ms."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        popular.load.cache_clear()
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        Detector(popular.load().names)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _batch_ms(detector: Detector, batch: list[str], repeat: int) -> Times:
    """Mean time per name over the batch, in ms, once per repeat."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        for name in batch:
            detector.check(name)
        wall.append((time.perf_counter() - start) * 1000 / len(batch))
        cpu.append((time.process_time() - start_cpu) * 1000 / len(batch))
    return wall, cpu


def _timing(times: Times, digits: int) -> str:
    wall, cpu = times
    return (
        f"{statistics.median(wall):.{digits}f} ms median (min {min(wall):.{digits}f}), "
        f"CPU {statistics.median(cpu):.{digits}f} ms median, {len(wall)} runs"
    )


def _load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--verbose", action="store_true", help="list misses and benign flags")
    parser.add_argument("--repeat", type=int, default=7, help="timing runs (median reported)")
    args = parser.parse_args(argv)
    shared: Path = args.shared
    repeat = max(args.repeat, 1)

    startup = _startup_ms(repeat)
    detector = Detector(popular.load().names)
    ranks = detector.rank

    malicious = _load_malicious(shared / "eval" / "malicious-names.tsv")
    benign = (shared / "eval" / "benign-sample.txt").read_text(encoding="utf-8").split()
    with (shared / "data" / "top-pypi-packages.csv").open(encoding="utf-8") as handle:
        top = [row["name"] for row in csv.DictReader(handle)]

    def flagged(name: str) -> bool:
        return bool(detector.check(name))

    stated = [r for r in malicious if r["target_basis"] == "stated"]
    stated_listed = [r for r in stated if ranks(r["impersonated_target"]) is not None]
    any_target = [r for r in malicious if r["impersonated_target"]]
    stated_hits = [r for r in stated if flagged(r["name"])]
    listed_hits = [r for r in stated_listed if flagged(r["name"])]
    all_hits = sum(flagged(r["name"]) for r in malicious)
    target_hits = sum(flagged(r["name"]) for r in any_target)

    benign_results = [detector.check(name) for name in benign]
    benign_flags = [(n, m) for n, m in zip(benign, benign_results, strict=True) if m]
    benign_strong = sum(any(x.strong for x in m) for _, m in benign_flags)
    top_results = {n: detector.check(n) for n in top}
    top_blocked = [n for n, m in top_results.items() if any(x.strong for x in m)]
    top_flagged = [n for n, m in top_results.items() if m]

    batch = (benign * (20_000 // max(len(benign), 1) + 1))[:20_000]
    per_name = _batch_ms(Detector(popular.load().names), batch, repeat)
    missed = [r for r in stated if r not in stated_hits]
    unprotected = sum(detector.target_rank(r["impersonated_target"]) is None for r in missed)

    def pct(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}% ({part}/{whole})" if whole else "n/a"

    print(f"typosquat quality, {dt.date.today().isoformat()}")
    print(f"  popular list: {len(detector)} projects")
    print(f"  recall, stated target:                {pct(len(stated_hits), len(stated))}")
    print(f"  recall, stated target in the list:    {pct(len(listed_hits), len(stated_listed))}")
    print(f"  flag rate, all malicious rows:        {pct(all_hits, len(malicious))}")
    print(f"  flag rate, rows with any target:      {pct(target_hits, len(any_target))}")
    print(f"  benign flag rate (any strength):      {pct(len(benign_flags), len(benign))}")
    print(f"  benign strong (would block):          {pct(benign_strong, len(benign))}")
    print(f"  popular projects blocked:             {len(top_blocked)} of {len(top)}")
    print(f"  popular projects flagged (any):       {len(top_flagged)} of {len(top)}")
    if args.verbose and top_flagged:
        print("  popular projects flagged: " + ", ".join(top_flagged))
    print(
        f"  stated misses by cause:               {unprotected} target not protected, "
        f"{len(missed) - unprotected} target protected but name too far"
    )
    print(f"  time per name (batch of {len(batch)}):   {_timing(per_name, 3)}")
    print(f"  start-up (load list + build indices): {_timing(startup, 1)}")
    print(f"  load average when done:               {_load_average()}")
    if args.verbose:
        kinds = Counter(m[0].transformation for _, m in benign_flags)
        print("  benign flags by transformation:", dict(kinds.most_common()))
        for name, matches in benign_flags:
            best = matches[0]
            print(f"    benign {name} -> {best.target} ({best.transformation}, {best.score:.1f})")
        for row in missed:
            known = detector.target_rank(row["impersonated_target"]) is not None
            why = "protected" if known else "not protected"
            print(f"    missed {row['name']} (target {row['impersonated_target']}, {why})")
        for name in top_blocked:
            print(f"    blocked popular {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
