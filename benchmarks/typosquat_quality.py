"""Quality and speed of the typosquat detector on the shared evaluation files.

Run from the repository root::

    python benchmarks/typosquat_quality.py [--shared DIR] [--verbose]

It prints, with today's date: recall on the malicious names whose target is
stated (and on those whose stated target is in the popular list), the flag rate
on all malicious names and on those with any target, the flag rate (any
strength) on a random sample of benign PyPI names, how many of the popular
projects themselves would be blocked, the mean time per name on a batch of
20,000 names and the detector's start-up time (loading the data and building
the indices).  The evaluation files are for measuring only: nothing here feeds
back into the detector.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard import popular  # noqa: E402
from guard.typosquat import Detector  # noqa: E402


def _load_malicious(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _startup_ms(repeat: int = 7) -> float:
    """Median time to read the shipped list and build the detector."""
    times: list[float] = []
    for _ in range(repeat):
        popular.load.cache_clear()
        gc.collect()
        start = time.perf_counter()
        Detector(popular.load().names)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--verbose", action="store_true", help="list misses and benign flags")
    args = parser.parse_args(argv)
    shared: Path = args.shared

    startup = _startup_ms()
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
    top_blocked = [n for n in top if any(m.strong for m in detector.check(n))]

    batch = (benign * (20_000 // max(len(benign), 1) + 1))[:20_000]
    detector_fresh = Detector(popular.load().names)
    start = time.perf_counter()
    for name in batch:
        detector_fresh.check(name)
    per_name_ms = (time.perf_counter() - start) * 1000 / len(batch)

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
    print(f"  time per name (batch of {len(batch)}):   {per_name_ms:.3f} ms")
    print(f"  start-up (load list + build indices): {startup:.1f} ms")
    if args.verbose:
        kinds = Counter(m[0].transformation for _, m in benign_flags)
        print("  benign flags by transformation:", dict(kinds.most_common()))
        for name, matches in benign_flags:
            best = matches[0]
            print(f"    benign {name} -> {best.target} ({best.transformation}, {best.score:.1f})")
        for row in stated:
            if row not in stated_hits:
                print(f"    missed {row['name']} (target {row['impersonated_target']})")
        for name in top_blocked:
            print(f"    blocked popular {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
