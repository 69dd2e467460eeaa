"""Build ``guard/data/popular-repos.json``: which repository each popular project claims.

Run from the repository root::

    python benchmarks/build_popular_repos.py [--top 15000] [--workers 4] [--save-json DIR]

It reads the first ``--top`` names of ``guard/data/top-pypi-packages.csv``, fetches
each one's ``https://pypi.org/pypi/NAME/json`` (a few at a time, with a timeout),
and writes, for every project that claims at least one repository on github.com,
gitlab.com or bitbucket.org, its repository keys (normalised exactly as the
``repo-impersonation`` rule normalises them) and its PyPI owners (the JSON API's
``ownership``), with the source and date inside the file. ``--save-json`` keeps
the raw documents for offline checks; ``--from-json`` rebuilds from them. Projects
that fail to fetch are listed in the output's ``missing`` and reported on stderr;
nothing is invented for them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard.index.parse import parse_project  # noqa: E402
from guard.rules.repository import claimed_repos, tables_of  # noqa: E402

API = "https://pypi.org/pypi/{name}/json"
USER_AGENT = "safepip-build-popular-repos/0.1 (+https://github.com/safepip)"


def _names(csv_path: Path, top: int) -> list[str]:
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows.sort(key=lambda row: int(row["rank"]))
    return [row["name"] for row in rows[:top]]


def _fetch(session: requests.Session, name: str, timeout: float) -> object | None:
    for attempt in range(3):
        try:
            response = session.get(API.format(name=name), timeout=timeout)
        except requests.RequestException as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            time.sleep(1 + attempt)
            continue
        if response.status_code == 200:
            data: object = response.json()
            return data
        if response.status_code == 404:
            print(f"{name}: 404", file=sys.stderr)
            return None
        print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
        time.sleep(1 + attempt)
    return None


def _compact(document: dict[str, object]) -> str:
    """The document as the rule reads it (its tables: repository -> projects,
    project -> owners, repository core name -> repositories), one entry a line:
    one ``json.loads`` to load, yet a rebuild's diff shows what changed."""
    projects = document.pop("projects")
    assert isinstance(projects, dict)
    tables = tables_of(projects)
    parts = [json.dumps(document, separators=(",", ":"))[:-1]]
    for table_name, table in tables.items():
        assert isinstance(table, dict)
        rows = [
            f"{json.dumps(k)}:{json.dumps(v, separators=(',', ':'))}"
            for k, v in sorted(table.items())
        ]
        parts.append(f',"{table_name}":{{\n' + ",\n".join(rows) + "\n}")
    return "".join(parts) + "}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15000)
    parser.add_argument("--csv", type=Path, default=ROOT / "guard/data/top-pypi-packages.csv")
    parser.add_argument("--out", type=Path, default=ROOT / "guard/data/popular-repos.json")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--save-json", type=Path, default=None, help="keep raw documents here")
    parser.add_argument(
        "--from-json", type=Path, default=None, help="read documents kept by --save-json"
    )
    args = parser.parse_args(argv)

    names = _names(args.csv, args.top)
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    if args.save_json:
        args.save_json.mkdir(parents=True, exist_ok=True)

    def work(name: str) -> tuple[str, object | None]:
        if args.from_json:
            try:
                with gzip.open(args.from_json / f"{name}.json.gz", "rt", encoding="utf-8") as src:
                    loaded: object = json.load(src)
                    return name, loaded
            except OSError:
                return name, None
        data = _fetch(session, name, args.timeout)
        if data is not None and args.save_json:
            with gzip.open(args.save_json / f"{name}.json.gz", "wt", encoding="utf-8") as out:
                json.dump(data, out)
        return name, data

    projects: dict[str, dict[str, object]] = {}
    missing: list[str] = []
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        for done, (name, data) in enumerate(pool.map(work, names), start=1):
            if done % 200 == 0:
                print(f"{done}/{len(names)}", file=sys.stderr)
            if data is None:
                missing.append(name)
                continue
            project = parse_project(data, API.format(name=name))
            repos = claimed_repos(project)
            if not repos:
                continue
            projects[project.name] = {
                "repos": list(repos),
                "users": list(project.ownership.users),
                "organization": project.ownership.organization,
            }

    document = {
        "source": (
            f"PyPI JSON API (https://pypi.org/pypi/NAME/json) for the first {len(names)} names "
            f"of guard/data/top-pypi-packages.csv, by benchmarks/build_popular_repos.py"
        ),
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "top": len(names),
        "missing": sorted(missing),
        "projects": dict(sorted(projects.items())),
    }
    args.out.write_text(_compact(document), encoding="utf-8")
    print(
        f"{len(projects)} of {len(names)} projects claim a repository; "
        f"{len(missing)} could not be fetched; wrote {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
