"""How often ``new-capability`` would fire on routine releases of popular projects.

Run from the repository root (needs the network the first time)::

    python benchmarks/release_diff.py [--top 300] [--cache DIR] [--max-mb 80] [--verbose]

For each of the ``--top`` most-downloaded projects of
guard/data/top-pypi-packages.csv it asks the PyPI JSON API for the project,
takes the latest release's sdist and its wheel (the pure one, else a CPython
manylinux x86_64 one) as candidates, and judges each exactly as safepip does:
the candidate is downloaded (sha256 checked, kept in ``--cache``) and scanned;
for an established project whose scan found any capability, the previous
release's artifact of the same kind (``guard.rules.capability.previous_file``)
is downloaded and scanned too, and the ``new-capability`` rule compares them.
It prints how many artifacts and projects would be blocked and warned, with
the list and the evidence. Artifacts over ``--max-mb`` are skipped and counted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scan_quality import PURE_TAGS, PYPI, TIMEOUT, WORKERS, download, top_names  # noqa: E402

from guard.analysis.capabilities import capabilities  # noqa: E402
from guard.analysis.scan import scan_archive  # noqa: E402
from guard.index.parse import parse_project  # noqa: E402
from guard.models import Candidate, FileInfo, Finding, Project, Source  # noqa: E402
from guard.report.sanitize import clean  # noqa: E402
from guard.rules.base import Context, Scanned  # noqa: E402
from guard.rules.capability import NewCapability, established, previous_file  # noqa: E402
from guard.rules.scan import scan_settings  # noqa: E402


@dataclass(frozen=True)
class Outcome:
    project: str
    filename: str
    status: str  # block, warn, clean, no-capability, young, no-previous, too-large, error
    finding: Finding | None = None


def _candidates(project: Project) -> list[FileInfo]:
    """The latest release's sdist and wheel (pure, else CPython manylinux x86_64)."""
    if project.latest_version is None or project.latest_version not in project.releases:
        return []
    files = [f for f in project.releases[project.latest_version].files if not f.yanked]
    sdists = [f for f in files if f.packagetype == "sdist"]
    wheels = [f for f in files if f.filename.endswith(PURE_TAGS)] or [
        f
        for f in files
        if f.filename.endswith(".whl")
        and "manylinux" in f.filename
        and "x86_64" in f.filename
        and "-cp3" in f.filename
    ]
    return sdists[:1] + sorted(wheels, key=lambda f: f.filename, reverse=True)[:1]


class Bench:
    def __init__(self, cache: Path, max_mb: float) -> None:
        self.cache = cache
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "safepip-benchmark (release_diff.py)"
        self.ctx = Context(now=datetime.now(UTC))
        self.settings = scan_settings(self.ctx)

    def project(self, name: str) -> list[Outcome]:
        try:
            response = self.session.get(PYPI.format(name=name), timeout=TIMEOUT)
            if response.status_code != 200:
                return [Outcome(name, "", "error")]
            project = parse_project(response.json(), response.url)
            return [self.artifact(project, info) for info in _candidates(project)]
        except (requests.RequestException, RuntimeError, ValueError) as exc:
            return [Outcome(name, str(exc)[:120], "error")]

    def scanned(self, info: FileInfo) -> Scanned | None:
        if info.size is not None and info.size > self.max_bytes:
            return None
        path = download(self.session, info.url, info.sha256 or "", self.cache / info.filename)
        return Scanned(self.settings, scan_archive(path, info.filename))

    def artifact(self, project: Project, info: FileInfo) -> Outcome:
        name = project.name
        version = project.latest_version
        assert version is not None
        cand = Candidate(name, version, Source.INDEX, info.url, info.filename, info.sha256)
        if not established(project, cand, self.ctx):
            return Outcome(name, info.filename, "young")
        found = previous_file(project, cand)
        if found is None:
            return Outcome(name, info.filename, "no-previous")
        now = self.scanned(info)
        if now is None:
            return Outcome(name, info.filename, "too-large")
        if now.result is None or not capabilities(now.result):
            return Outcome(name, info.filename, "no-capability")
        before = self.scanned(found[1])
        if before is None:
            return Outcome(name, info.filename, "too-large")
        ctx = Context(now=self.ctx.now, scans={info.filename: now, found[1].filename: before})
        findings = list(NewCapability().check(cand, project, ctx))
        if not findings:
            return Outcome(name, info.filename, "clean")
        status = "warn" if findings[0].weak else "block"
        return Outcome(name, info.filename, status, findings[0])


def _show(outcome: Outcome) -> list[str]:
    lines = [f"  {outcome.status.upper()} {clean(outcome.filename)}"]
    if outcome.finding is not None:
        lines.append(f"    {clean(outcome.finding.message, 500)}")
        for key, value in outcome.finding.evidence[:8]:
            lines.append(f"      {clean(key, 80)}: {clean(value, 200)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=300)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "release-diff")
    parser.add_argument("--max-mb", type=float, default=80.0)
    parser.add_argument("--verbose", action="store_true", help="also list every artifact")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.cache, args.max_mb)
    names = top_names(args.top)
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for found in pool.map(bench.project, names):
            outcomes.extend(found)
    counts = Counter(o.status for o in outcomes)
    compared = counts["block"] + counts["warn"] + counts["clean"]
    blocked = sorted({o.project for o in outcomes if o.status == "block"})
    warned = sorted({o.project for o in outcomes if o.status == "warn"} - set(blocked))
    print(f"release diff (new-capability), {datetime.now(UTC).date().isoformat()}")
    print(
        f"projects: {len(names)}; artifacts: {len(outcomes)}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    print(f"compared with the previous release: {compared} artifacts")
    print(f"projects blocked: {len(blocked)} ({100 * len(blocked) / max(len(names), 1):.1f}%)")
    print(f"projects warned:  {len(warned)} ({100 * len(warned) / max(len(names), 1):.1f}%)")
    for status in ("block", "warn", *(("clean", "error") if args.verbose else ())):
        listed = [o for o in outcomes if o.status == status]
        if listed:
            print(f"\n{status}:")
            for outcome in listed:
                print("\n".join(_show(outcome)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
