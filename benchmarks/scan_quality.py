"""Precision and speed of the static artifact scan on popular projects.

Run from the repository root (needs the network the first time)::

    python benchmarks/scan_quality.py [--top 150] [--cache DIR] [--verbose]

For each of the ``--top`` most-downloaded projects of
guard/data/top-pypi-packages.csv it asks the PyPI JSON API for the latest
release, downloads its sdist and its pure-Python wheel (``py3-none-any`` or
``py2.py3-none-any``) if any, checks their sha256, keeps them in ``--cache``
(default: a directory in the temp dir) and scans each. It prints how many
artifacts are flagged at block level and at warn level, the median and maximum
time per artifact, and every block and warn with its evidence, so that a human
can judge each one. Downloads are polite: at most four at a time, with timeouts.

Time per artifact is the CPU time of its scan (``time.process_time``: the scans run
one after the other in this process), with the wall-clock time beside it and the
load average before and after: on a shared machine, compare runs by ratios.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard.analysis.scan import ScanResult, scan_archive  # noqa: E402
from guard.report.sanitize import clean  # noqa: E402

PYPI = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 30
WORKERS = 4
PURE_TAGS = ("-py3-none-any.whl", "-py2.py3-none-any.whl")


def top_names(count: int) -> list[str]:
    with (ROOT / "guard" / "data" / "top-pypi-packages.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["name"] for row in rows[:count]]


def _pick(doc: dict[str, Any]) -> list[dict[str, Any]]:
    files = [f for f in doc.get("urls", []) if not f.get("yanked")]
    sdists = [f for f in files if f.get("packagetype") == "sdist"]
    wheels = [f for f in files if f["filename"].endswith(PURE_TAGS)]
    return sdists[:1] + wheels[:1]


def fetch(session: requests.Session, name: str, cache: Path) -> list[tuple[str, Path]]:
    """The latest sdist and pure wheel of one project, downloaded and verified."""
    response = session.get(PYPI.format(name=name), timeout=TIMEOUT)
    if response.status_code != 200:
        return []
    out = []
    for info in _pick(response.json()):
        filename = info["filename"]
        want = info["digests"]["sha256"]
        target = download(session, urljoin(response.url, info["url"]), want, cache / filename)
        out.append((filename, target))
    return out


def download(session: requests.Session, url: str, want: str, target: Path) -> Path:
    """``url`` saved as ``target`` once, its sha256 checked (a cached copy too)."""
    if not target.exists() or hashlib.sha256(target.read_bytes()).hexdigest() != want:
        data = session.get(url, timeout=TIMEOUT * 4).content
        if hashlib.sha256(data).hexdigest() != want:
            raise RuntimeError(f"{target.name}: sha256 mismatch")
        part = target.with_suffix(target.suffix + ".part")
        part.write_bytes(data)
        part.replace(target)
    return target


def show(result: ScanResult) -> list[str]:
    lines = [f"  {result.level.upper()} {clean(result.filename)} score {result.score:.1f}"]
    for finding in result.findings:
        lines.append(f"    [{finding.rule}] {clean(finding.message, 400)}")
        for key, value in finding.evidence:
            lines.append(f"        {clean(key, 80)}: {clean(value, 200)}")
    return lines


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in load)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=150)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "scan-quality")
    parser.add_argument("--verbose", action="store_true", help="also list the warns")
    args = parser.parse_args(argv)
    cache: Path = args.cache
    cache.mkdir(parents=True, exist_ok=True)

    names = top_names(args.top)
    session = requests.Session()
    session.headers["User-Agent"] = "safepip-benchmark (scan_quality.py)"
    artifacts: list[tuple[str, Path]] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for found in pool.map(lambda n: fetch(session, n, cache), names):
            artifacts.extend(found)

    load_before = os.getloadavg()
    results: list[ScanResult] = []
    times: list[float] = []
    walls: list[float] = []
    for filename, path in artifacts:
        start, cpu = time.perf_counter(), time.process_time()
        results.append(scan_archive(path, filename))
        times.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - start)

    total = len(results)
    blocks = [r for r in results if r.level in {"block", "unreadable"}]
    warns = [r for r in results if r.level == "warn"]
    truncated = sum(1 for r in results if r.truncated)
    sdists = sum(1 for r in results if not r.filename.endswith(".whl"))
    slowest = max(zip(times, (r.filename for r in results), strict=True), default=(0.0, ""))
    print(f"scan quality, {date.today().isoformat()}")
    print(
        f"projects: {len(names)}; artifacts scanned: {total} ({sdists} sdists, "
        f"{total - sdists} pure wheels)"
    )
    print(f"block level: {len(blocks)} ({100 * len(blocks) / max(total, 1):.1f}%)")
    print(f"warn level:  {len(warns)} ({100 * len(warns) / max(total, 1):.1f}%)")
    print(
        f"any level:   {len(blocks) + len(warns)} "
        f"({100 * (len(blocks) + len(warns)) / max(total, 1):.1f}%)"
    )
    if times:
        print(
            f"CPU time per artifact: median {1000 * statistics.median(times):.1f} ms, "
            f"max {1000 * slowest[0]:.0f} ms ({slowest[1]}); budget ran out on {truncated}"
        )
        print(
            f"wall time per artifact: median {1000 * statistics.median(walls):.1f} ms, "
            f"max {1000 * max(walls):.0f} ms; load average before {_load(load_before)}, "
            f"after {_load(os.getloadavg())} ({os.cpu_count()} cores)"
        )
    if blocks:
        print("\nblocks:")
        for result in blocks:
            print("\n".join(show(result)))
    if warns and args.verbose:
        print("\nwarns:")
        for result in warns:
            print("\n".join(show(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
