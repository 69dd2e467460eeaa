"""Run ``safepip check`` on each of the N most-downloaded PyPI projects (real
PyPI: needs the network) under the default policy, and report how many are
blocked (goal: none), how many sets show any warning (goal: at most 5%), every
block with its reasons, the rules that warned most, errors, and the run time.
Each set's outcome is printed on stderr as it completes.

Run from the repository root::

    python benchmarks/top_projects.py [--top 1000] [--jobs 4] [--python PY]

Each project is checked on its own (``safepip --format json check NAME``) for a
fresh, empty target venv, sharing one safepip cache. A project pip cannot
resolve here (no wheel or sdist for this platform) is counted as an error, not
as a block.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def top_names(count: int) -> list[str]:
    with (ROOT / "guard" / "data" / "top-pypi-packages.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["name"] for row in rows[:count]]


def check(name: str, python: Path, env: dict[str, str], cwd: Path) -> tuple[str, int, Any, str]:
    cmd = [
        sys.executable,
        "-m",
        "guard",
        "--python",
        str(python),
        "--format",
        "json",
        "check",
        name,
    ]
    try:
        proc = subprocess.run(
            cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
        )
    except subprocess.TimeoutExpired:
        return name, 2, None, "timed out after 600 s"
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        doc = None
    lines = proc.stderr.strip().splitlines()
    return name, proc.returncode, doc, lines[-1] if lines else ""


def _progress(result: tuple[str, int, Any, str], done: int, total: int) -> str:
    """One line per checked set, as it completes: a long run's partial figures."""
    name, code, doc, err = result
    decision = doc["decision"] if doc is not None and code != 2 else "error"
    rules = sorted(
        {
            f["rule"]
            for package in (doc or {}).get("packages", ())
            for f in package["findings"]
            if f["action"] in {"warn", "block"}
        }
    )
    return f"[{done}/{total}] {name}: {decision} {', '.join(rules) or err}".rstrip()


def _reasons(doc: Any, action: str) -> list[str]:
    """Each finding of a set's report with this action, named by package."""
    return [
        f"{package['name']} {package['version']}: [{f['rule']}] {f['message']}"
        for package in doc["packages"]
        for f in package["findings"]
        if f["action"] == action
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "safepip-top-cache"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated project names to check instead of the top N (a recheck)",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or top_names(args.top)
    with tempfile.TemporaryDirectory(prefix="safepip-top-") as tmp:
        work = Path(tmp)
        target = work / "target"
        venv.EnvBuilder(with_pip=False, symlinks=True).create(target)
        python = target / "bin" / "python"
        env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "SAFEPIP_POLICY"}}
        env["SAFEPIP_CACHE_DIR"] = str(args.cache)
        env["XDG_DATA_HOME"] = str(work / "data")  # no history from earlier runs
        start = time.perf_counter()
        results = []
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(check, n, python, env, work) for n in names]
            for future in as_completed(futures):
                results.append(future.result())
                print(_progress(results[-1], len(results), len(names)), file=sys.stderr, flush=True)
        elapsed = time.perf_counter() - start

    blocked: list[tuple[str, list[str]]] = []
    warned_sets: list[tuple[str, list[str]]] = []
    errors: list[tuple[str, str]] = []
    warn_rules: Counter[str] = Counter()
    block_rules: Counter[str] = Counter()
    for name, code, doc, err in results:
        if code == 2 or doc is None:
            errors.append((name, err))
            continue
        if doc["decision"] == "block":
            block_rules.update(
                f["rule"]
                for package in doc["packages"]
                for f in package["findings"]
                if f["action"] == "block"
            )
            blocked.append((name, _reasons(doc, "block")))
        elif doc["decision"] == "warn":
            warned_sets.append((name, _reasons(doc, "warn")))
        for package in doc["packages"]:
            for f in package["findings"]:
                if f["action"] == "warn":
                    warn_rules[f["rule"]] += 1

    warned = len(warned_sets)
    checked = len(results) - len(errors)
    print(f"safepip check on the top {len(names)} PyPI projects, {date.today().isoformat()}")
    print(f"  checked: {checked}, errors (could not resolve here): {len(errors)}")
    print(f"  blocked: {len(blocked)} (goal: 0)")
    print(f"  warned:  {warned}")
    print(f"  allowed without warnings: {checked - len(blocked) - warned}")
    if checked:
        showing = warned + len(blocked)
        print(
            f"  sets that show any warning or block: {showing} of {checked} "
            f"({100 * showing / checked:.1f}%; goal: at most 5%)"
        )
    print(
        f"  run time: {elapsed:.0f} s with {args.jobs} jobs "
        f"({elapsed / len(names):.2f} s per project)"
    )
    print(f"  warnings by rule (all packages of all sets): {dict(warn_rules.most_common())}")
    if block_rules:
        print(f"  blocks by rule: {dict(block_rules.most_common())}")
    for name, reasons in blocked:
        print(f"  BLOCKED {name}:")
        for reason in reasons:
            print(f"    {reason}")
    for name, err in errors:
        print(f"  error {name}: {err}")
    for name, reasons in sorted(warned_sets):
        print(f"  WARNED {name}:")
        for reason in reasons:
            print(f"    {reason}")


if __name__ == "__main__":
    main()
